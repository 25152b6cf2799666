import { startEmulator, type Emulator } from "../http.js";
import type { Scenario, ScenarioPaper } from "../scenario.js";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function entry(p: ScenarioPaper): string {
  return `  <entry>
    <id>http://arxiv.org/abs/${p.id}v${p.version}</id>
    <updated>${p.published}</updated>
    <published>${p.published}</published>
    <title>${esc(p.title)}</title>
    <summary>  ${esc(p.summary)}
    </summary>
${p.authors.map((a) => `    <author>\n      <name>${esc(a)}</name>\n    </author>`).join("\n")}
    <link href="http://arxiv.org/abs/${p.id}v${p.version}" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`;
}

function feed(entries: string[], total: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query</title>
  <id>http://arxiv.org/api/emulated</id>
  <updated>2025-01-01T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${total}</opensearch:totalResults>
${entries.join("\n")}
</feed>
`;
}

/** The arXiv query API (Atom, `/api/query`) and HTML papers (`/html/<id>`), from a scenario. */
export function startArxivEmulator(s: Scenario): Promise<Emulator> {
  return startEmulator((_req, res, url) => {
    if (url.pathname === "/api/query") {
      const ids = (url.searchParams.get("id_list") ?? "").split(",").filter((x) => x !== "");
      const query = url.searchParams.get("search_query") ?? "";
      const max = Number(url.searchParams.get("max_results") ?? "10");
      if (ids.some((i) => !/^\d{4}\.\d{4,5}(v\d+)?$/.test(i))) {
        const err = `  <entry>\n    <id>http://arxiv.org/api/errors#incorrect_id_format_for_${ids[0]}</id>\n    <title>Error</title>\n    <summary>incorrect id format for ${ids[0]}</summary>\n  </entry>`;
        res.writeHead(400, { "content-type": "application/atom+xml; charset=utf-8" });
        return void res.end(feed([err], 1));
      }
      const words = query
        .replace(/\b(all|ti|abs|au|cat):/g, " ")
        .split(/[^a-zA-Z0-9.]+/)
        .filter((w) => w.length > 2 && !["AND", "OR", "ANDNOT"].includes(w))
        .map((w) => w.toLowerCase());
      let found = s.papers.filter((p) => ids.length === 0 || ids.some((i) => i.replace(/v\d+$/, "") === p.id));
      if (words.length > 0) found = found.filter((p) => words.every((w) => `${p.title} ${p.summary}`.toLowerCase().includes(w)));
      res.writeHead(200, { "content-type": "application/atom+xml; charset=utf-8" });
      return void res.end(feed(found.slice(0, max).map(entry), found.length));
    }
    const m = /^\/html\/(\d{4}\.\d{4,5})(v\d+)?\/?$/.exec(url.pathname);
    const paper = m === null ? undefined : s.papers.find((p) => p.id === m[1]);
    if (paper?.html) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(paper.html);
    }
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<html><body><h1>No HTML for this paper</h1></body></html>");
  });
}
