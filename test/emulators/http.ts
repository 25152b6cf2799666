import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request an emulator saw, for tests to assert on. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A scripted failure: the next `times` requests whose path matches answer with it. */
export interface Fault {
  path: RegExp;
  method?: string;
  /** Only requests this accepts (e.g. no Range header). */
  when?: (req: IncomingMessage) => boolean;
  times: number;
  /** Answer with this status (and `Retry-After`, headers, body) instead of the real answer. */
  status?: number;
  retryAfter?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Let the real answer start, send half its body, then cut the connection. */
  cutBody?: boolean;
  /** Let the real answer start, send half its body, then send nothing more (a stalled transfer). */
  stallBody?: boolean;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => void | Promise<void>;

/** One emulated service on 127.0.0.1 and a random port. */
export interface Emulator {
  readonly url: string;
  readonly requests: SeenRequest[];
  fault(fault: Fault): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A Hub-style error: JSON `{ error }` and the `X-Error-Code` / `X-Error-Message` headers. */
export function hubError(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: message }, { "x-error-code": code, "x-error-message": message });
}

export async function startEmulator(handler: Handler): Promise<Emulator> {
  const requests: SeenRequest[] = [];
  const faults: Fault[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      requests.push({ method: req.method ?? "GET", url: `${url.pathname}${url.search}`, headers: { ...req.headers } });
      const fault = faults.find((f) => f.times > 0 && f.path.test(url.pathname) && (f.method === undefined || f.method === req.method) && (f.when === undefined || f.when(req)));
      if (fault !== undefined) {
        fault.times--;
        if (fault.cutBody) cutAfterHalf(res);
        else if (fault.stallBody) stallAfterHalf(res);
        else {
          res.writeHead(fault.status ?? 500, { "content-type": "application/json", ...(fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter }), ...fault.headers });
          res.end(fault.body ?? JSON.stringify({ error: `scripted ${fault.status ?? 500}` }));
          return;
        }
      }
      Promise.resolve(handler(req, res, url, Buffer.concat(chunks).toString("utf8"))).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: `emulator: ${error instanceof Error ? error.message : String(error)}` });
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fault: (f) => faults.push({ ...f }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Makes `res.end(body)` send half the body and then hold the connection open, silent. */
function stallAfterHalf(res: ServerResponse): void {
  res.end = ((chunk?: unknown) => {
    if (chunk === undefined || typeof chunk === "function") return res;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    res.write(buf.subarray(0, Math.floor(buf.length / 2)));
    return res;
  }) as typeof res.end;
}

/** Makes `res.end(body)` send half the body and then drop the connection. */
function cutAfterHalf(res: ServerResponse): void {
  const end = res.end.bind(res);
  res.end = ((chunk?: unknown) => {
    if (chunk === undefined || typeof chunk === "function") return end();
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    res.write(buf.subarray(0, Math.floor(buf.length / 2)));
    setTimeout(() => res.socket?.destroy(), 20);
    return res;
  }) as typeof res.end;
}
