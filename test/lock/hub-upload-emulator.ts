import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the emulator keeps: repositories, and per repository the files of its commits. */
export interface UploadEmulator {
  url: string;
  repos: Map<string, { private: boolean; files: Map<string, Buffer>; commits: string[] }>;
  /** Every request, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

const body = (req: IncomingMessage) => new Promise<string>((resolve) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
});

/**
 * The Hub's write API as @huggingface/hub uses it for small files: create a repository,
 * preupload (every file "regular", so it travels inline), commit (NDJSON, base64 content).
 * Requests need `Authorization: Bearer <token>`.
 */
export async function startUploadEmulator(token: string): Promise<UploadEmulator> {
  const repos: UploadEmulator["repos"] = new Map();
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(`${req.method} ${path}`);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return json(401, { error: "Invalid credentials in Authorization header" });
    const text = await body(req);
    if (req.method === "POST" && path === "/api/repos/create") {
      const b = JSON.parse(text) as { name: string; organization?: string; private?: boolean };
      const name = b.organization ? `${b.organization}/${b.name}` : b.name;
      if (repos.has(name)) return json(409, { error: "You already created this model repo" });
      repos.set(name, { private: b.private === true, files: new Map(), commits: [] });
      return json(200, { url: `${server.address() && ""}/${name}`, name });
    }
    const m = /^\/api\/models\/([^/]+\/[^/]+)\/(preupload|commit)\/([^/]+)$/.exec(path);
    const repo = m ? repos.get(decodeURIComponent(m[1]!)) : undefined;
    if (m && !repo) return json(404, { error: "Repository not found" });
    if (m?.[2] === "preupload") {
      const b = JSON.parse(text) as { files: { path: string }[] };
      return json(200, { files: b.files.map((f) => ({ path: f.path, uploadMode: "regular", shouldIgnore: false })), commitOid: "0".repeat(40) });
    }
    if (m?.[2] === "commit") {
      let title = "";
      for (const line of text.split("\n").filter(Boolean)) {
        const op = JSON.parse(line) as { key: string; value: { summary?: string; path?: string; content?: string; encoding?: string } };
        if (op.key === "header") title = op.value.summary ?? "";
        if (op.key === "file") repo!.files.set(op.value.path!, Buffer.from(op.value.content ?? "", op.value.encoding === "base64" ? "base64" : "utf8"));
      }
      repo!.commits.push(title);
      const oid = repo!.commits.length.toString(16).padStart(40, "0");
      return json(200, { success: true, commitOid: oid, commitUrl: `/${m[1]}/commit/${oid}`, hookOutput: "" });
    }
    return json(404, { error: `not emulated: ${req.method} ${path}` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, repos, requests, close: () => new Promise((r) => server.close(() => r())) };
}
