// An agent-style job: one child task per item, each in its own sandbox with its own limits, run in parallel with
// Promise.all. A child that fails (here: one that loops until its fuel runs out) comes back as a failed envelope.
import { task } from "capsule";

export const score = task({ name: "score", compute: "LOW", ram: "32MB", timeout: "10s", maxRetries: 0 }, (item) => {
  if (item === "loop") {
    for (;;) {}
  }
  return { item, score: item.length * 2 };
});

export const main = task({ name: "main", compute: "MEDIUM", ram: "128MB", timeout: "60s" }, async (...items) => {
  if (items.length === 0) {
    items = ["alpha", "beta", "loop", "gamma"];
  }
  const envelopes = await Promise.all(items.map((item) => score(item)));
  const done = envelopes.filter((e) => e.success).map((e) => e.result);
  const failed = Object.fromEntries(items.map((item, i) => [item, envelopes[i]]).filter(([, e]) => !e.success)
    .map(([item, e]) => [item, e.error.error_type]));
  return { scored: done, failed, total: done.reduce((sum, d) => sum + d.score, 0) };
});
