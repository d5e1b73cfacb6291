/**
 * The HTTP client lockerctl talks to the daemon with: over the local unix socket (the
 * technician role without a token) or over TCP with a bearer token. JSON in, JSON out; errors
 * come back as ApiError with the daemon's stable code, or UnreachableError.
 */
import { request, type IncomingMessage } from "node:http";
import { ApiError, UnreachableError } from "./errors.js";

/** Where the daemon is; `note` is said with every "not reachable" (e.g. why the address cannot be known). */
export type Target = ({ kind: "socket"; path: string; token: string | null } | { kind: "url"; url: URL; token: string | null }) & { note?: string };

export function describeTarget(t: Target): string {
  return t.kind === "socket" ? `unix:${t.path}` : t.url.origin;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EACCES", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

export class Client {
  constructor(
    readonly target: Target,
    private readonly timeoutMs = 10_000,
  ) {}

  get where(): string {
    return describeTarget(this.target);
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.json<T>("GET", withQuery(path, query));
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>("POST", path, body);
  }

  async delete<T>(path: string): Promise<T> {
    return this.json<T>("DELETE", path);
  }

  /** Open a streaming GET (Server-Sent Events); the caller reads and destroys the response. */
  async stream(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const res = await this.send("GET", path, undefined, { accept: "text/event-stream", ...headers }, 0);
    if (res.statusCode !== 200) throw await problemOf(res);
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body, { accept: "application/json" }, this.timeoutMs);
    if ((res.statusCode ?? 500) >= 400) throw await problemOf(res);
    const text = await readAll(res);
    if (!text) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UnreachableError(`${this.where} answered ${method} ${path} with something that is not JSON; is this lockerd?`);
    }
  }

  private send(method: string, path: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const h: Record<string, string> = { ...headers };
    if (payload !== undefined) {
      h["content-type"] = "application/json";
      h["content-length"] = String(Buffer.byteLength(payload));
    }
    if (this.target.token) h.authorization = `Bearer ${this.target.token}`;
    const t = this.target;
    const where = t.kind === "socket" ? { socketPath: t.path } : { protocol: t.url.protocol, hostname: t.url.hostname.replace(/^\[(.*)\]$/, "$1"), port: t.url.port || (t.url.protocol === "https:" ? 443 : 80) };
    const prefix = t.kind === "url" ? t.url.pathname.replace(/\/$/, "") : "";
    return new Promise((resolve, reject) => {
      if (t.kind === "url" && t.url.protocol !== "http:") {
        reject(new UnreachableError(`only http:// URLs are supported (got ${t.url.protocol}); use an SSH tunnel for remote banks`));
        return;
      }
      const req = request({ ...where, method, path: prefix + path, headers: h }, resolve);
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
      }
      req.on("error", (e: NodeJS.ErrnoException) => {
        const note = t.note ? `\n${t.note}` : "";
        if (e.code && NETWORK_CODES.has(e.code)) reject(new UnreachableError(`the daemon is not reachable at ${this.where} (${e.code})${note}`));
        else reject(new UnreachableError(`the daemon is not reachable at ${this.where}: ${e.message}${note}`));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

async function problemOf(res: IncomingMessage): Promise<ApiError> {
  const status = res.statusCode ?? 500;
  const text = await readAll(res).catch(() => "");
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not a problem document */
  }
  const code = typeof body.code === "string" ? body.code : status === 404 ? "NOT_FOUND" : status === 401 ? "UNAUTHORIZED" : status === 403 ? "FORBIDDEN" : "INTERNAL";
  const message = typeof body.message === "string" ? body.message : `HTTP ${status}`;
  return new ApiError(status, code, message, body);
}
