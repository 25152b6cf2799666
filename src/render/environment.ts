import Handlebars from "handlebars";
import { InternError } from "../errors.js";
import { lintTemplate } from "./lint-template.js";
import { QuoteError, integer, keyValueWord, shellWord, slurmValue, yamlKey, yamlValue } from "./quote.js";

/** Template name -> text, after the recipe's override folder is laid over intern's templates. */
export type TemplateSet = ReadonlyMap<string, { text: string; origin: string }>;

type Compiled = (context: unknown) => string;

/**
 * Text intern rendered from a template, for a wrapper template to embed with `{{rendered x}}`.
 * Only this type passes that helper, so no recipe value reaches a file unquoted that way.
 */
export class RenderedText {
  constructor(readonly text: string) {}
}

type HelperOptions = { loc?: { start: { line: number } } };

/**
 * Wraps a quoting function as a helper. Handlebars' strict mode does not reach helper
 * arguments, so an argument naming nothing arrives as undefined: that is reported with the
 * template line, like any other missing variable.
 */
function wrap(name: string, fn: (v: unknown) => string) {
  return (value: unknown, options: HelperOptions) => {
    const line = options?.loc ? `line ${options.loc.start.line}: ` : "";
    if (value === undefined) throw new QuoteError(`${line}{{${name} ...}} names a variable that is not defined`);
    try {
      return new Handlebars.SafeString(fn(value));
    } catch (error) {
      if (error instanceof QuoteError) throw new QuoteError(`${line}helper ${name}: ${error.message}`);
      throw error;
    }
  };
}

/**
 * A Handlebars environment of its own (no global helpers leak in or out), strict mode so a
 * missing variable is an error, and templates linted so every value is quoted for its target.
 */
export class Renderer {
  private readonly hb = Handlebars.create();
  private readonly compiled = new Map<string, Compiled>();

  constructor(private readonly templates: TemplateSet) {
    this.hb.registerHelper("yaml", wrap("yaml", yamlValue));
    this.hb.registerHelper("yamlKey", wrap("yamlKey", yamlKey));
    this.hb.registerHelper("sh", wrap("sh", shellWord));
    this.hb.registerHelper("kv", wrap("kv", keyValueWord));
    this.hb.registerHelper("json", wrap("json", (v) => JSON.stringify(v) ?? "null"));
    this.hb.registerHelper("int", wrap("int", integer));
    this.hb.registerHelper("slurm", wrap("slurm", slurmValue));
    this.hb.registerHelper("rendered", wrap("rendered", (v) => {
      if (!(v instanceof RenderedText)) throw new QuoteError("expects text rendered by intern from a template, not a recipe value");
      return v.text;
    }));
  }

  private compile(name: string): Compiled {
    const cached = this.compiled.get(name);
    if (cached) return cached;
    const t = this.templates.get(name);
    if (!t) throw new InternError("INTERN_TEMPLATE_MISSING", `template ${name} does not exist`, { hint: "a recipe's template folder may override intern's templates, not remove them" });
    const problems = lintTemplate(t.text, name);
    if (problems.length > 0) {
      throw new InternError("INTERN_TEMPLATE_UNSAFE", `template ${t.origin}: ${problems.join("; ")}`, { hint: "wrap each value in a quoting helper: {{yaml x}} in YAML, {{sh x}} in shell, {{int x}} for numbers" });
    }
    const fn = this.hb.compile(t.text, { strict: true, noEscape: true, knownHelpersOnly: false });
    this.compiled.set(name, fn);
    return fn;
  }

  /** Renders one template; errors name the template and what was missing. */
  render(name: string, context: unknown): string {
    const fn = this.compile(name);
    try {
      return fn(context);
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      throw new InternError("INTERN_TEMPLATE_ERROR", `template ${this.templates.get(name)?.origin ?? name}: ${message}`, { cause: error });
    }
  }
}
