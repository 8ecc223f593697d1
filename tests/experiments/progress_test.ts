import assert from "node:assert/strict";
import type { ProgressState } from "../../lib/experiments/mod.ts";
import {
  formatProgress,
  jupyterProgress,
  resolveProgress,
  terminalProgress,
} from "../../lib/experiments/progress.ts";

const base: ProgressState = {
  label: "ping-rtt",
  done: 0,
  total: 20,
  rows: 0,
  points: 4,
  seeds: 5,
  status: "running",
};

/** The states a sweep of `total` trials reports, one per trial, then done. */
function states(total: number): ProgressState[] {
  const list: ProgressState[] = [];
  for (let done = 0; done < total; done++) {
    list.push({ ...base, total, done, rows: done * 3 });
  }
  list.push({ ...base, total, done: total, rows: total * 3, status: "done" });
  return list;
}

/** A clock that advances 250 ms per reading. */
function fakeClock(): () => number {
  let now = 1000;
  return () => (now += 250);
}

Deno.test("formatProgress draws a bar while running", () => {
  assert.equal(
    formatProgress({ ...base, done: 5 }, { barWidth: 8 }),
    "ping-rtt [██░░░░░░]  5/20 trials",
  );
  assert.equal(formatProgress({ ...base, done: 5 }, { barWidth: 0 }), "ping-rtt  5/20 trials");
});

Deno.test("formatProgress ends in a done line with counts and, given a clock, the time", () => {
  const done = { ...base, done: 20, rows: 600, status: "done" } as const;
  assert.equal(
    formatProgress(done),
    "done: 20 trials (ping-rtt, 4 grid points × 5 seeds → 600 rows)",
  );
  assert.equal(
    formatProgress({ ...done, points: 1, seeds: 1, done: 1, total: 1, rows: 1 }, {
      elapsedMs: 1234,
    }),
    "done: 1 trial in 1.23 s (ping-rtt, 1 seed → 1 row)",
  );
  assert.equal(
    formatProgress({ ...base, done: 7, status: "failed" }),
    "failed: trial 8 of 20 threw (ping-rtt, 7 trials done)",
  );
});

Deno.test("terminalProgress redraws one line in place and ends it with a newline", () => {
  const written: string[] = [];
  const sink = terminalProgress({ write: (text) => written.push(text), interactive: true });
  for (const state of states(3)) sink.update(state);
  assert.equal(written.length, 4);
  for (const text of written.slice(0, 3)) {
    assert.ok(text.startsWith("\r") && !text.includes("\n"), JSON.stringify(text));
  }
  assert.equal(written[3], "\rdone: 3 trials (ping-rtt, 4 grid points × 5 seeds → 9 rows)\x1b[K\n");
});

Deno.test("terminalProgress prints a line per tenth when not interactive", () => {
  const written: string[] = [];
  const sink = terminalProgress({
    write: (text) => written.push(text),
    interactive: false,
    clock: fakeClock(),
  });
  for (const state of states(100)) sink.update(state);
  // Tenths 0 to 9 while running, then the done line.
  assert.equal(written.length, 11);
  assert.ok(written.every((text) => text.endsWith("\n") && !text.includes("\r")));
  assert.match(written[10] ?? "", /^done: 100 trials in \d+(\.\d+)? s \(ping-rtt/);
});

Deno.test("jupyterProgress shows one display and then updates it, ending in the done state", () => {
  const messages: { type: string; content: Record<string, unknown> }[] = [];
  const sink = jupyterProgress({
    broadcast: (type, content) => messages.push({ type, content }),
    clock: fakeClock(),
  });
  for (const state of states(4)) sink.update(state);
  assert.deepEqual(messages.map((message) => message.type), [
    "display_data",
    "update_display_data",
    "update_display_data",
    "update_display_data",
    "update_display_data",
  ]);
  const ids = new Set(
    messages.map((message) => (message.content.transient as { display_id: string }).display_id),
  );
  assert.equal(ids.size, 1);
  const last = messages.at(-1)?.content.data as Record<string, string>;
  assert.match(last["text/plain"] ?? "", /^done: 4 trials in 1\.25 s \(ping-rtt/);
  assert.match(last["text/html"] ?? "", /^<div class="sweep-progress">done: 4 trials/);
  const first = messages[0]?.content.data as Record<string, string>;
  assert.match(first["text/html"] ?? "", /<progress value="0" max="4">/);
});

Deno.test("jupyterProgress gives each sweep its own display id", () => {
  const ids: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const sink = jupyterProgress({
      broadcast: (_, content) => ids.push((content.transient as { display_id: string }).display_id),
    });
    sink.update(base);
  }
  assert.equal(ids.length, 2);
  assert.notEqual(ids[0], ids[1]);
});

Deno.test("resolveProgress keeps a sink, drops false and rejects anything else", () => {
  const sink = { update: () => {} };
  assert.equal(resolveProgress(sink, 5), sink);
  assert.equal(resolveProgress(false, 5), undefined);
  // Fewer trials than the threshold: no automatic display, wherever the test runs.
  assert.equal(resolveProgress(undefined, 1, 10), undefined);
  assert.throws(
    () => resolveProgress({} as never, 5),
    new TypeError("Cannot report progress: progress must be a boolean or a ProgressSink"),
  );
});

Deno.test("jupyterProgress redraws at most maxUpdates times while running", () => {
  const types: string[] = [];
  const sink = jupyterProgress({ broadcast: (type) => types.push(type), maxUpdates: 10 });
  for (const state of states(1000)) sink.update(state);
  // The first display, nine redraws (at 100, 200, ..., 900 of 1000), then done.
  assert.equal(types.length, 1 + 9 + 1);
  assert.equal(types.filter((type) => type === "display_data").length, 1);
});
