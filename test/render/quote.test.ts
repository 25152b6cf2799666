import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { QuoteError, integer, keyValueWord, shellWord, slurmValue, yamlKey, yamlNumber, yamlString, yamlValue } from "../../src/render/quote.js";
import { lintTemplate } from "../../src/render/lint-template.js";
import { execFileSync } from "node:child_process";

describe("yaml quoting", () => {
  it("writes floats PyYAML reads as floats: a decimal point and a signed exponent", () => {
    expect(yamlNumber(2e-5)).toBe("0.00002");
    expect(yamlNumber(2e-7)).toBe("2.0e-7");
    expect(yamlNumber(1.5e21)).toBe("1.5e+21");
    expect(yamlNumber(3)).toBe("3");
    expect(yamlNumber(0.03)).toBe("0.03");
    expect(yamlNumber(Number.POSITIVE_INFINITY)).toBe(".inf");
    expect(yamlNumber(Number.NaN)).toBe(".nan");
    // YAML 1.1's float pattern, as PyYAML implements it.
    const pyyamlFloat = /^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$/;
    for (const n of [2e-7, 1.5e21, 1e-10, 0.5, 123.456]) expect(yamlNumber(n)).toMatch(pyyamlFloat);
  });

  it("keeps strings strings: no, on, yes, null, numbers-as-text", () => {
    for (const s of ["no", "on", "yes", "null", "1e5", "0x10", "~", "- a", "a: b", "#x", "'q'", '"dq"', "tab\there", "line\nbreak", "\u2028", "\u0007bell", "é ü 漢字"]) {
      expect(parse(`k: ${yamlValue(s)}`)).toEqual({ k: s });
    }
  });

  it("writes nested values as flow YAML that reads back equal", () => {
    const v = { a: [1, 2.5, "no", null, true], "b c": { d: 2e-7 } };
    expect(parse(`k: ${yamlValue(v)}`)).toEqual({ k: v });
  });

  it("quotes keys that YAML would read as something else", () => {
    expect(yamlKey("learning_rate")).toBe("learning_rate");
    expect(yamlKey("no")).toBe('"no"');
    expect(yamlKey("nvidia.com/gpu")).toBe('"nvidia.com/gpu"');
    expect(yamlString('a"b')).toBe('"a\\"b"');
  });
});

describe("shell quoting", () => {
  it("makes one inert word of any text", () => {
    for (const s of ["'; rm -rf ~ #", "$(touch /tmp/x)", "`id`", "a\nb", "\"$HOME\"", "it's", "", "*", "-n"]) {
      const out = execFileSync("bash", ["-c", `printf '%s' ${shellWord(s)}`], { encoding: "utf8" });
      expect(out).toBe(s);
    }
  });

  it("refuses what cannot be a shell word", () => {
    expect(() => shellWord("a\0b")).toThrow(QuoteError);
    expect(() => shellWord(null)).toThrow(QuoteError);
    expect(() => shellWord(["a"])).toThrow(QuoteError);
  });

  it("lets only plain values onto #SBATCH lines and integers through int", () => {
    expect(slurmValue("gpu:8")).toBe("gpu:8");
    expect(() => slurmValue("gpu\n#SBATCH --wrap=x")).toThrow(QuoteError);
    expect(() => slurmValue("a b")).toThrow(QuoteError);
    expect(integer(8)).toBe("8");
    expect(() => integer("8; rm")).toThrow(QuoteError);
    expect(() => integer(1.5)).toThrow(QuoteError);
  });
});

describe("values inside a harness's key=value list", () => {
  it("refuses a `,` or `=` that would add keys (a model path that turns on trust_remote_code)", () => {
    expect(() => keyValueWord("models/tiny,trust_remote_code=True")).toThrow(QuoteError);
    expect(() => keyValueWord("models/a=b")).toThrow(/contains `,` or `=`/);
    expect(keyValueWord("Qwen/Qwen3-1.7B")).toBe("'Qwen/Qwen3-1.7B'");
    expect(keyValueWord(false)).toBe("'false'");
  });

  it("reaches lm-eval's model_args as one value: the rendered script refuses to render the hostile path", async () => {
    const { Renderer } = await import("../../src/render/environment.js");
    const text = "model_args=pretrained={{kv eval.model}},trust_remote_code={{kv eval.trust}}\n";
    const r = new Renderer(new Map([["jobs/x.sh.hbs", { text, origin: "test" }]]));
    expect(r.render("jobs/x.sh.hbs", { eval: { model: "models/tiny", trust: false } })).toBe("model_args=pretrained='models/tiny',trust_remote_code='false'\n");
    expect(() => r.render("jobs/x.sh.hbs", { eval: { model: "models/tiny,trust_remote_code=True", trust: false } })).toThrow(/kv: .* contains `,` or `=`/);
  });
});

describe("template lint, by file type", () => {
  it("ties each helper to the files it quotes for: no {{yaml x}} in a shell script, no {{sh x}} in YAML", () => {
    expect(lintTemplate("echo {{yaml x}}\n", "jobs/train.sh.hbs")).toEqual(["line 1: {{yaml ...}} does not quote for a shell script; use sh, kv, int, rendered"]);
    expect(lintTemplate("a: {{sh x}}\n", "trl/sft.yaml.hbs")).toEqual(["line 1: {{sh ...}} does not quote for a YAML file; use yaml, yamlKey, int, json"]);
    expect(lintTemplate("#SBATCH --x={{slurm x}}\n{{sh y}}\n", "slurm/job.sbatch.hbs")).toEqual([]);
    expect(lintTemplate("{{slurm x}}\n", "jobs/train.sh.hbs")[0]).toMatch(/does not quote for a shell script/);
    expect(lintTemplate("{{sh x}}", "notes.txt.hbs")[0]).toMatch(/templates of this type may not use helpers/);
  });

  it("holds for a recipe's override template: rendering refuses it before anything is written", async () => {
    const { Renderer } = await import("../../src/render/environment.js");
    const r = new Renderer(new Map([["jobs/train.sh.hbs", { text: "exec trl sft {{yaml x}}\n", origin: "my-templates/jobs/train.sh.hbs" }]]));
    expect(() => r.render("jobs/train.sh.hbs", { x: "$(touch owned)" })).toThrow(/my-templates\/jobs\/train\.sh\.hbs: line 1: \{\{yaml \.\.\.\}\} does not quote for a shell script/);
  });

  it("passes every template intern ships", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const root = join(__dirname, "..", "..", "templates");
    const names = readdirSync(root, { recursive: true }).map(String).filter((n) => n.endsWith(".hbs"));
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect([n, lintTemplate(readFileSync(join(root, n), "utf8"), n)]).toEqual([n, []]);
  });
});

describe("template lint", () => {
  it("accepts interpolations that go through a quoting helper", () => {
    expect(lintTemplate("a: {{yaml x}}\n{{#each xs}}{{sh this}}{{/each}}{{#if y}}{{int y}}{{/if}}")).toEqual([]);
  });

  it("rejects raw interpolation, triple-stash, partials and unknown blocks, with the line", () => {
    expect(lintTemplate("a\n{{x}}")[0]).toMatch(/^line 2: \{\{x\}\} must go through a quoting helper/);
    expect(lintTemplate("{{{x}}}")[0]).toMatch(/unquoted/);
    expect(lintTemplate("{{> part}}")[0]).toMatch(/partials/);
    expect(lintTemplate("{{#lookup a}}{{/lookup}}")[0]).toMatch(/block/);
    expect(lintTemplate("{{yaml}}")[0]).toMatch(/quoting helper/);
  });
});
