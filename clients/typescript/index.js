// A small client for Capsule's REST API (capsule serve, docs/api.md) on fetch; no dependencies. Types: index.d.ts.

const MAX_WAIT_SLICE = 30; // seconds; the server's long-poll limit is 60

export class CapsuleError extends Error {
  constructor(message, status = null, errorType = null) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.errorType = errorType;
  }
}
export class BadRequest extends CapsuleError {}
export class Unauthorized extends CapsuleError {}
export class Forbidden extends CapsuleError {}
export class NotFound extends CapsuleError {}
export class Conflict extends CapsuleError {}
export class TooLarge extends CapsuleError {}
export class Unavailable extends CapsuleError {}
export class WaitTimeout extends CapsuleError {
  constructor(taskId, taskStatus) {
    super(`task ${taskId} is still ${taskStatus}`, null, "wait_timeout");
    this.taskId = taskId;
    this.taskStatus = taskStatus;
  }
}

const BY_STATUS = { 400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict, 413: TooLarge, 503: Unavailable };

export class Capsule {
  constructor(url = "http://127.0.0.1:7070", token = null) {
    this.url = url.replace(/\/+$/, "");
    this.token = token;
  }

  async submit(source, options = {}) {
    const { language = "python", ...rest } = options;
    const body = { language, source };
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined && value !== null) body[key] = value;
    }
    return (await this.#request("POST", "/api/v1/tasks", body)).body.id;
  }

  async run(source, options = {}) {
    const { timeout = 600, ...submit } = options;
    return this.wait(await this.submit(source, submit), { timeout });
  }

  async get(id) {
    return (await this.#request("GET", `/api/v1/tasks/${encodeURIComponent(id)}`)).body;
  }

  async wait(id, { timeout = 60 } = {}) {
    const deadline = Date.now() + timeout * 1000;
    let status = "PENDING";
    for (;;) {
      const wait = Math.max(0, Math.min(MAX_WAIT_SLICE, Math.floor((deadline - Date.now()) / 1000)));
      try {
        const reply = await this.#request("GET", `/api/v1/tasks/${encodeURIComponent(id)}/result?wait=${wait}s`);
        if (reply.status === 200) return reply.body;
        status = reply.body.status ?? status;
      } catch (e) {
        if (!(e instanceof Unavailable) || Date.now() >= deadline) throw e;
        await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
      }
      if (Date.now() >= deadline) throw new WaitTimeout(id, status);
    }
  }

  async cancel(id) {
    return (await this.#request("POST", `/api/v1/tasks/${encodeURIComponent(id)}/cancel`)).body;
  }

  async list(filters = {}) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined || value === null) continue;
      if (key === "labels") {
        for (const [k, v] of Object.entries(value)) params.append("label", `${k}=${v}`);
      } else if (key === "rootsOnly" || key === "roots_only") {
        if (value) params.append("roots_only", "true");
      } else {
        params.append(key, String(value));
      }
    }
    const query = [...params].length > 0 ? `?${params}` : "";
    return (await this.#request("GET", `/api/v1/tasks${query}`)).body;
  }

  async output(id) {
    return (await this.#request("GET", `/api/v1/tasks/${encodeURIComponent(id)}/output`)).body;
  }

  async *events({ after, tree, signal } = {}) {
    const params = new URLSearchParams();
    if (after !== undefined && after !== null) params.append("after", String(after));
    if (tree) params.append("tree", tree);
    const query = [...params].length > 0 ? `?${params}` : "";
    const response = await this.#fetch(`${this.url}/api/v1/events${query}`, {
      headers: this.#headers({ Accept: "text/event-stream" }),
      signal,
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = { id: null, event: "message", data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (line === "") {
            if (event.data.length > 0) {
              yield { id: event.id === null ? null : Number(event.id), event: event.event, data: JSON.parse(event.data.join("\n")) };
            }
            event = { id: null, event: "message", data: [] };
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            let text = colon < 0 ? "" : line.slice(colon + 1);
            if (text.startsWith(" ")) text = text.slice(1);
            if (field === "id") event.id = text;
            else if (field === "event") event.event = text;
            else if (field === "data") event.data.push(text);
          }
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  #headers(extra = {}) {
    const headers = { Accept: "application/json", ...extra };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  async #fetch(url, init) {
    let response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      if (e.name === "AbortError") throw e;
      throw new Unavailable(`cannot reach ${this.url}: ${e.cause?.code ?? e.message}`);
    }
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      let errorType = null;
      try {
        const body = await response.json();
        message = body.message ?? message;
        errorType = body.error_type ?? null;
      } catch {
        // not JSON: keep the status line
      }
      const Type = BY_STATUS[response.status] ?? CapsuleError;
      throw new Type(message, response.status, errorType);
    }
    return response;
  }

  async #request(method, path, body) {
    const init = { method, headers: this.#headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.#fetch(this.url + path, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
}
