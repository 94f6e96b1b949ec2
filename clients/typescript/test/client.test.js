// The client against a real `capsule serve` (bin/capsule): every method, typed errors, events(), and a restart of the
// server between submit and wait.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BadRequest, Capsule, Forbidden, NotFound, Unauthorized, WaitTimeout } from "../index.js";
import { Serve, TOKEN } from "./serve.js";
import { run, runWithWorker } from "../host.js";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SLOW = (s) => `import time\ntime.sleep(${s})\nresult = 'slept'\n`;

describe("Capsule client", () => {
  let serve;
  let capsule;
  before(async () => {
    serve = await (await Serve.create()).start();
    capsule = new Capsule(serve.url, TOKEN);
  });
  after(async () => serve.close());

  test("run returns the envelope", async () => {
    const envelope = await capsule.run("from capsule import task\n\n@task\ndef main(a, b):\n    return a * b\n", { args: [6, 7] });
    assert.equal(envelope.success, true);
    assert.equal(envelope.result, 42);
  });

  test("a JavaScript snippet and its output", async () => {
    const id = await capsule.submit("console.log('from js'); let result = 'js ok';", { language: "javascript" });
    assert.equal((await capsule.wait(id)).result, "js ok");
    assert.match((await capsule.output(id)).attempts[0].stdout, /from js/);
  });

  test("Capsule's host-side run of a task file", async () => {
    // a program written for Capsule's JavaScript package: run({ file, args })
    const dir = await mkdtemp(join(tmpdir(), "capsule-host-run-"));
    const file = join(dir, "sandbox.ts");
    await writeFile(file, 'import { task } from "capsule";\n\nexport const main = task({ name: "main" }, (who: string): string => `Hello, ${who}`);\n');
    const envelope = await run({ file, args: ["Ada"], url: serve.url, token: TOKEN });
    assert.equal(envelope.success, true, JSON.stringify(envelope));
    assert.equal(envelope.result, "Hello, Ada");
    process.env.CAPSULE_URL = serve.url;
    process.env.CAPSULE_TOKEN = TOKEN;
    try {
      assert.equal((await runWithWorker({ file, args: ["Bo"] })).result, "Hello, Bo");
    } finally {
      delete process.env.CAPSULE_URL;
      delete process.env.CAPSULE_TOKEN;
    }
  });

  test("a failing task is an envelope, not an exception", async () => {
    const envelope = await capsule.run("raise ValueError('broken 3')");
    assert.equal(envelope.success, false);
    assert.equal(envelope.error.error_type, "task_error");
    assert.match(envelope.error.message, /broken 3/);
  });

  test("get, list and cancel", async () => {
    const id = await capsule.submit(SLOW(30), { labels: { suite: "ts-cancel" } });
    assert.ok(["PENDING", "RUNNING"].includes((await capsule.get(id)).status));
    assert.deepEqual((await capsule.list({ labels: { suite: "ts-cancel" } })).tasks.map((t) => t.id), [id]);
    assert.equal((await capsule.cancel(id)).id, id);
    assert.equal((await capsule.wait(id, { timeout: 30 })).success, false);
    assert.equal((await capsule.get(id)).status, "CANCELLED");
  });

  test("wait times out with the status", async () => {
    const id = await capsule.submit(SLOW(20));
    await assert.rejects(capsule.wait(id, { timeout: 1 }), (e) => e instanceof WaitTimeout && ["PENDING", "RUNNING"].includes(e.taskStatus));
    await capsule.cancel(id);
  });

  test("typed errors", async () => {
    await assert.rejects(new Capsule(serve.url, "wrong-token-0123456789abcdef").list(), Unauthorized);
    await assert.rejects(capsule.get("no-such-task"), NotFound);
    await assert.rejects(capsule.submit("1", { language: "cobol" }), (e) => e instanceof BadRequest && /language/.test(e.message));
    await assert.rejects(capsule.submit("1", { grants: { hosts: ["example.com"] } }), (e) => e instanceof Forbidden && /grant_hosts/.test(e.message));
  });

  test("events() yields the transitions of a task", async () => {
    const controller = new AbortController();
    const stream = capsule.events({ signal: controller.signal });
    const first = stream.next();
    const id = await capsule.submit("result = 1");
    const seen = [];
    let item = await first;
    const deadline = Date.now() + 30_000;
    while (!item.done && Date.now() < deadline) {
      seen.push(item.value);
      if (item.value.data.task_id === id && item.value.data.to === "SUCCEEDED") break;
      item = await stream.next();
    }
    controller.abort();
    const mine = seen.filter((e) => e.data.task_id === id);
    assert.equal(mine.at(-1).data.to, "SUCCEEDED");
    assert.equal(mine.at(-1).event, "transition");
    assert.equal(typeof mine.at(-1).id, "number");
  });
});

test("a job submitted before a restart is waited for after it", async () => {
  const serve = await Serve.create();
  await serve.start();
  try {
    const capsule = new Capsule(serve.url, TOKEN);
    const id = await capsule.submit(SLOW(4), { idempotency_key: "restart-1" });
    await serve.stop();
    const restarted = serve.start();
    const envelope = await capsule.wait(id, { timeout: 180 });
    await restarted;
    assert.equal(envelope.success, true);
    assert.equal(envelope.result, "slept");
    assert.equal(await capsule.submit(SLOW(4), { idempotency_key: "restart-1" }), id);
  } finally {
    await serve.close();
  }
});
