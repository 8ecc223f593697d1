import assert from "node:assert/strict";
import { z } from "zod";
import {
  defineExperiment,
  pingRtt,
  raftFailover,
  sweep,
  sweepParallel,
} from "../../lib/experiments/mod.ts";
import { runWorkerTask } from "../../lib/experiments/sweep_worker.ts";

Deno.test("sweepParallel gives exactly the serial sweep's rows, in the same order", async () => {
  const options = { grid: { nodes: [2, 4] }, params: { pings: 3 }, seeds: 25, progress: false };
  const serial = sweep(pingRtt, options);
  // Batches of 3 over 50 trials: uneven shares, so workers finish out of order.
  assert.deepEqual(await sweepParallel(pingRtt, { ...options, workers: 3, batch: 3 }), serial);
  const raft = { seeds: 6, progress: false } as const;
  assert.deepEqual(
    await sweepParallel(raftFailover, { ...raft, workers: 2, batch: 1 }),
    sweep(raftFailover, raft),
  );
});

Deno.test("sweepParallel validates before starting workers and needs a catalog experiment", async () => {
  await assert.rejects(() => sweepParallel(pingRtt, { params: { nodes: 1 }, workers: 2 }), {
    name: "ConfigError",
  });
  await assert.rejects(() => sweepParallel(pingRtt, { workers: 0 }), {
    message: /^Cannot sweep in parallel: workers must be a whole number at least 1, got 0/,
  });
  const local = defineExperiment({
    name: "local",
    title: "Not registered",
    params: z.strictObject({}),
    trial: () => [{ x: 1 }],
  });
  await assert.rejects(() => sweepParallel(local, { workers: 2 }), {
    message: /^Cannot sweep local in parallel: workers load experiments by catalog name/,
  });
});

Deno.test("A worker task runs trials by catalog name and reports each trial's error", () => {
  const [ok, bad] = runWorkerTask({
    experiment: "ping-rtt",
    trials: [
      { index: 0, input: { pings: 1 }, seed: 1 },
      { index: 1, input: { pings: 0 }, seed: 1 },
    ],
  });
  assert.deepEqual(ok, { index: 0, rows: pingRtt.run({ pings: 1 }, 1) });
  assert.ok(bad !== undefined && "error" in bad && /params\.pings/.test(bad.error));
});
