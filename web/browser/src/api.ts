/** A thin HTTP caller for the browser (and Node tests): JSON in and out, bytes as standard
 * base64 (msgspec's JSON encoding), ``{code, detail}`` errors as ApiError. The session token
 * lives in this object only (memory): no cookie, so no CSRF surface. */

export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, readonly code: string, detail: string) {
    super(detail);
  }
}

export function b64(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function unb64(text: unknown): Uint8Array {
  if (typeof text !== "string") throw new ApiError(0, "bad_response", "the server's answer was not understood");
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new ApiError(0, "bad_response", "the server's answer was not understood");
  }
}

export type Json = Record<string, unknown>;

export class Api {
  session: string | null = null;
  constructor(readonly server: string = "") {}

  async call(method: string, path: string, body?: unknown, o: { auth?: boolean;
    params?: Record<string, string | number | string[]>; headers?: Record<string, string> } = {}):
    Promise<Json | null> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    let content: string | undefined;
    if (body !== undefined) {
      content = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    if ((o.auth ?? true) && this.session) headers["authorization"] = `Bearer ${this.session}`;
    let url = this.server.replace(/\/$/, "") + path;
    if (o.params) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(o.params)) {
        for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
      }
      url += `?${q.toString()}`;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(content === undefined ? {} : { body: content }),
        credentials: "omit", redirect: "error" });
    } catch {
      throw new ApiError(0, "unreachable", "cannot reach the Carnet server");
    }
    if (response.status >= 400) {
      let code = "http_error";
      let detail = `HTTP ${response.status}`;
      try {
        const data = (await response.json()) as Json;
        if (typeof data["code"] === "string" && typeof data["detail"] === "string") {
          code = data["code"];
          detail = data["detail"];
        }
      } catch { /* not JSON: keep the status */ }
      throw new ApiError(response.status, code, detail);
    }
    if (response.status === 204) return null;
    try {
      return (await response.json()) as Json;
    } catch {
      throw new ApiError(response.status, "bad_response", "the server's answer was not understood");
    }
  }

  async json(method: string, path: string, body?: unknown, o: Parameters<Api["call"]>[3] = {}): Promise<Json> {
    const out = await this.call(method, path, body, o);
    if (out === null) throw new ApiError(204, "bad_response", "the server returned no body");
    return out;
  }
}
