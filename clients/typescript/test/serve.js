// A real `capsule serve` for the tests: bin/capsule (or $CAPSULE_BIN) in a temporary project directory, with a token.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const TOKEN = "ts-client-token-0123456789abcdef";

async function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
    server.on("error", rej);
  });
}

export class Serve {
  static async create() {
    const serve = new Serve();
    serve.dir = mkdtempSync(join(tmpdir(), "capsule-ts-client-"));
    writeFileSync(join(serve.dir, "tokens"), TOKEN + "\n", { mode: 0o600 });
    serve.port = await freePort();
    serve.url = `http://127.0.0.1:${serve.port}`;
    return serve;
  }

  async start() {
    const command = process.env.CAPSULE_BIN ?? join(ROOT, "bin", "capsule");
    const log = openSync(join(this.dir, "serve.log"), "a");
    this.process = spawn(command, ["serve", "--port", String(this.port), "--token-file", "tokens", "--runners", "1", "--drain-timeout", "1s"],
      { cwd: this.dir, stdio: ["ignore", log, log] });
    this.exited = new Promise((res) => this.process.on("exit", res));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error("capsule serve exited: " + readFileSync(join(this.dir, "serve.log"), "utf8"));
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.status === 200) return this;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("capsule serve did not get ready");
  }

  async stop() {
    if (this.process && this.process.exitCode === null) {
      this.process.kill("SIGTERM");
      await this.exited;
    }
    this.process = null;
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
