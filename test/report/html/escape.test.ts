import { describe, expect, it } from "vitest";
import { esc, Html, html, hubUrl } from "../../../src/report/html/escape.js";

describe("the report's one escaping helper", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    const name = `<img src=x onerror="alert(1)">`;
    const out = html`<td title="${name}">${name}</td>`.text;
    expect(out).toBe(`<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>`);
    expect(esc(`'&`)).toBe("&#39;&amp;");
  });

  it("keeps markup it made itself, joins lists, prints nothing for null, undefined and false", () => {
    const cells = ["<a>", "b"].map((v) => html`<td>${v}</td>`);
    expect(html`<tr>${cells}${null}${undefined}${false}${0}</tr>`.text).toBe("<tr><td>&lt;a&gt;</td><td>b</td>0</tr>");
    expect(html`${new Html("<b>ours</b>")}`.text).toBe("<b>ours</b>");
  });

  it("makes Hub links from ids that cannot leave the Hub or carry a scheme", () => {
    expect(hubUrl("datasets", "org/name", ["tree", "abc123"])).toBe("https://huggingface.co/datasets/org/name/tree/abc123");
    for (const id of ["javascript:alert(1)//x", "//evil.example/x", "a/../../../@evil.example", "a/b?c#d"]) {
      const url = new URL(hubUrl("datasets", id));
      expect([url.protocol, url.host, url.search, url.hash]).toEqual(["https:", "huggingface.co", "", ""]);
    }
    expect(hubUrl("datasets", "a/b?c#d")).toBe("https://huggingface.co/datasets/a/b%3Fc%23d");
  });
});
