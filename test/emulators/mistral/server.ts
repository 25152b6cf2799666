/**
 * A Mistral chat-completions server for tests: POST /v1/chat/completions as the real API answers
 * it (the shape the SDK's zod schemas parse), with scripted turns.
 *
 * A test queues turns (`emulator.reply(...)`); each request takes the next one. A turn is a reply
 * (text and/or tool calls), an HTTP failure (429 with Retry-After, 500, 401 with Mistral's error
 * body), a delay before answering, or a function of the request that returns one of those.
 * Every request is recorded (headers and parsed body) for assertions.
 *
 * Like the real API it checks the Bearer key (when `apiKey` is set) and that every tool message
 * answers a tool call id of the assistant message before it (400 otherwise).
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedToolCall {
  name: string;
  /** An object is sent as its JSON string, as the API does; a string is sent as is. */
  arguments: Record<string, unknown> | string;
  /** Defaults to a fresh 9-character id. */
  id?: string;
}

export type Turn =
  | { content?: string; toolCalls?: ScriptedToolCall[]; finishReason?: "stop" | "tool_calls" | "length"; usage?: { prompt: number; completion: number }; delayMs?: number }
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 }
  | { status: 401 };

export type ScriptedTurn = Turn | ((request: RecordedRequest) => Turn);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  body: WireRequest;
  raw: string;
}

export interface WireMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: unknown } }[];
  tool_call_id?: string;
  name?: string;
}

export interface WireRequest {
  model: string;
  messages: WireMessage[];
  tools?: { type: string; function: { name: string; description?: string; parameters?: unknown } }[];
  tool_choice?: unknown;
  temperature?: number;
  random_seed?: number;
  max_tokens?: number;
  [key: string]: unknown;
}

export interface MistralEmulator {
  /** Base URL to give the SDK as `serverURL`. */
  url: string;
  requests: RecordedRequest[];
  /** Appends turns to the script. */
  reply(...turns: ScriptedTurn[]): void;
  /** Turns not yet served. */
  pending(): number;
  close(): Promise<void>;
}

const ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export async function startMistralEmulator(options: { apiKey?: string } = {}): Promise<MistralEmulator> {
  const script: ScriptedTurn[] = [];
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const nextId = (): string => {
    let n = ++counter * 7919 + 104729;
    let id = "";
    for (let i = 0; i < 9; i++) {
      id += ID_CHARS[n % ID_CHARS.length];
      n = Math.floor(n / ID_CHARS.length) + i * 31 + 17;
    }
    return id;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") return send(404, { detail: "Not Found" });
      let body: WireRequest;
      try {
        body = JSON.parse(raw) as WireRequest;
      } catch {
        return send(400, { object: "error", message: "Invalid JSON body", type: "invalid_request_error", param: null, code: null });
      }
      const recorded: RecordedRequest = { method: req.method, url: req.url, headers: req.headers, body, raw };
      requests.push(recorded);
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(401, { message: "Unauthorized", request_id: "0".repeat(32) });
      }
      const problem = checkToolMessages(body.messages);
      if (problem) return send(400, { object: "error", message: problem, type: "invalid_request_message_order", param: null, code: "3230" });
      const next = script.shift();
      if (next === undefined) return send(500, { object: "error", message: "emulator: no scripted turn left", type: "internal_error", param: null, code: null });
      const turn = typeof next === "function" ? next(recorded) : next;
      if ("status" in turn) {
        if (turn.status === 401) return send(401, { message: "Unauthorized", request_id: "0".repeat(32) });
        if (turn.status === 429) {
          return send(429, { object: "error", message: "Requests rate limit exceeded", type: "rate_limited", param: null, code: "1300" }, turn.retryAfter === undefined ? {} : { "retry-after": turn.retryAfter });
        }
        return send(turn.status, { object: "error", message: "Internal server error", type: "internal_server_error", param: null, code: null });
      }
      const toolCalls = (turn.toolCalls ?? []).map((c) => ({
        id: c.id ?? nextId(),
        type: "function",
        function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
        index: 0,
      }));
      const content = turn.content ?? "";
      const prompt = turn.usage?.prompt ?? Math.ceil(raw.length / 4);
      const completion = turn.usage?.completion ?? Math.ceil((content.length + JSON.stringify(toolCalls).length) / 4);
      const answer = {
        id: `cmpl-${requests.length.toString(16).padStart(32, "0")}`,
        object: "chat.completion",
        created: 1_700_000_000 + requests.length,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content, tool_calls: toolCalls.length > 0 ? toolCalls : null, prefix: false },
            finish_reason: turn.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
          },
        ],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      };
      if (turn.delayMs) setTimeout(() => send(200, answer), turn.delayMs);
      else send(200, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...turns) => void script.push(...turns),
    pending: () => script.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The API's rule: tool messages answer the tool calls of the assistant message before them. */
function checkToolMessages(messages: WireMessage[]): string | null {
  let open = new Set<string>();
  for (const m of messages) {
    if (m.role === "assistant") open = new Set((m.tool_calls ?? []).map((c) => c.id));
    else if (m.role === "tool") {
      if (m.tool_call_id === undefined || !open.has(m.tool_call_id)) return `Unexpected tool call id ${String(m.tool_call_id)} in tool results`;
      open.delete(m.tool_call_id);
    } else if (open.size > 0) return `Not the same number of function calls and responses`;
  }
  return null;
}
