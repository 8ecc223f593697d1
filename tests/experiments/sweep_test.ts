import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { ConfigError, integerAtLeast, probability } from "../../lib/config/mod.ts";
import {
  defineExperiment,
  pingRtt,
  type ProgressState,
  seedList,
  sweep,
  sweepAsync,
  TrialError,
} from "../../lib/experiments/mod.ts";
import {
  deriveSeed,
  MAX_SWEEP_TRIALS,
  planSweep,
  runSweepPlan,
} from "../../lib/experiments/sweep.ts";
import { Random } from "../../lib/sim/mod.ts";

/** Flips `flips` coins with bias `p`; one row per flip, so row counts are checkable. */
const coins = defineExperiment({
  name: "coins",
  title: "Biased coin flips",
  params: z.strictObject({
    flips: integerAtLeast(1).default(2),
    p: probability().default(0.5),
    tag: z.string().default("x"),
    shape: z.object({ size: integerAtLeast(1) }).default({ size: 1 }),
  }),
  trial: ({ flips, p }, seed) => {
    const random = new Random(seed);
    return Array.from({ length: flips }, (_, flip) => ({ flip, heads: random.chance(p) }));
  },
});

const silent = { progress: false } as const;

function issuesOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail("expected a ConfigError");
}

Deno.test("sweep runs every grid point with every seed, grid point outer and seed inner", () => {
  const rows = sweep(coins, {
    grid: { flips: [1, 2], tag: ["a", "b", "c"] },
    seeds: 2,
    seed: 10,
    ...silent,
  });
  // 2 × 3 points × 2 seeds, and each trial gives `flips` rows.
  assert.equal(rows.length, 3 * 2 * 1 + 3 * 2 * 2);
  const trials = rows.filter((row) => row.flip === 0).map((row) =>
    `${row.flips}${row.tag}${row.seed}`
  );
  assert.deepEqual(trials, [
    "1a10",
    "1a11",
    "1b10",
    "1b11",
    "1c10",
    "1c11",
    "2a10",
    "2a11",
    "2b10",
    "2b11",
    "2c10",
    "2c11",
  ]);
});

Deno.test("sweep puts seed, then swept params, then the trial's fields in each row", () => {
  const rows = sweep(coins, { grid: { p: [0.25] }, params: { flips: 1 }, seeds: [42], ...silent });
  assert.equal(rows.length, 1);
  assert.deepEqual(Object.keys(rows[0] ?? {}), ["seed", "p", "flip", "heads"]);
  assert.equal(rows[0]?.seed, 42);
  assert.equal(rows[0]?.p, 0.25);
});

Deno.test("sweep writes object grid values as JSON text", () => {
  const rows = sweep(coins, { grid: { shape: [{ size: 2 }] }, params: { flips: 1 }, ...silent });
  assert.equal(rows[0]?.shape, '{"size":2}');
});

Deno.test("sweep lets a trial's own field win over a swept column of the same name", () => {
  const echo = defineExperiment({
    name: "echo",
    title: "Reports its own seed and k",
    params: z.strictObject({ k: z.number().default(1) }),
    trial: ({ k }, seed) => [{ k: k * 10, seed: seed + 1000 }],
  });
  const [row] = sweep(echo, { grid: { k: [2] }, seeds: [5], ...silent });
  assert.deepEqual(row, { seed: 1005, k: 20 });
  assert.deepEqual(Object.keys(row ?? {}), ["seed", "k"]);
});

Deno.test("sweep gives the same rows for the same inputs", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 4 }), (seed, n) => {
      const options = { grid: { p: [0.1, 0.9] }, seeds: n, seed, ...silent };
      assert.deepEqual(sweep(coins, options), sweep(coins, options));
    }),
    { numRuns: 30 },
  );
});

Deno.test("sweep runs the same seeds at every grid point", () => {
  const rows = sweep(coins, {
    grid: { tag: ["a", "b"] },
    params: { flips: 20 },
    seeds: 1,
    ...silent,
  });
  const heads = (tag: string) => rows.filter((row) => row.tag === tag).map((row) => row.heads);
  assert.deepEqual(heads("a"), heads("b"));
});

Deno.test("sweep validates every grid value before running a trial", () => {
  let trials = 0;
  const counted = defineExperiment({
    name: "counted",
    title: "Counts its trials",
    params: z.strictObject({ k: integerAtLeast(1).default(1), m: z.number().default(0) }),
    trial: () => {
      trials++;
      return [];
    },
  });
  const issues = issuesOf(() =>
    sweep(counted, { grid: { k: [3, 2, 0], m: [1, 2] }, seeds: 3, ...silent })
  );
  assert.deepEqual(issues, ["grid.k[2]: must be at least 1, got 0"]);
  assert.equal(trials, 0);
});

Deno.test("planSweep names shared params, nested grid fields and unknown names by path", () => {
  assert.deepEqual(issuesOf(() => planSweep(coins, { params: { flips: 0 } })), [
    "params.flips: must be at least 1, got 0",
  ]);
  assert.deepEqual(
    issuesOf(() => planSweep(coins, { grid: { shape: [{ size: 1 }, { size: 0 }] } })),
    [
      "grid.shape[1].size: must be at least 1, got 0",
    ],
  );
  assert.deepEqual(issuesOf(() => planSweep(coins, { params: { flip: 3 } as never })), [
    'params.flip: is not a known field; did you mean "flips"?',
  ]);
  assert.deepEqual(issuesOf(() => planSweep(coins, { grid: { pp: [1] } as never })), [
    'grid.pp: is not a known field; did you mean "p"?',
  ]);
  assert.deepEqual(issuesOf(() => planSweep(coins, { grid: { p: [] } })), [
    "grid.p: must be a non-empty list of values, got []",
  ]);
  assert.deepEqual(issuesOf(() => planSweep(coins, { params: { p: 0.1 }, grid: { p: [0.2] } })), [
    "grid.p: is also given in params; give it in one place",
  ]);
});

Deno.test("planSweep reports unknown names even when the experiment's schema is not strict", () => {
  const loose = defineExperiment({
    name: "loose",
    title: "A non-strict schema",
    params: z.object({ timeoutMs: z.number().default(1) }),
    trial: () => [],
  });
  assert.deepEqual(issuesOf(() => planSweep(loose, { params: { timeout: 5 } as never })), [
    'params.timeout: is not a known field; did you mean "timeoutMs"?',
  ]);
});

Deno.test("planSweep counts trials as grid points times seeds", () => {
  const plan = planSweep(coins, { grid: { flips: [1, 2, 3], p: [0, 1] }, seeds: 4 });
  assert.equal(plan.points.length, 6);
  assert.equal(plan.trials, 24);
  assert.deepEqual(plan.points[5]?.cells, { flips: 3, p: 1 });
  assert.deepEqual(plan.points[5]?.params, { flips: 3, p: 1, tag: "x", shape: { size: 1 } });
});

Deno.test("sweep wraps a failing trial in a TrialError naming its seed and grid point", () => {
  const failing = defineExperiment({
    name: "failing",
    title: "Fails on seed 3",
    params: z.strictObject({ k: z.number().default(1) }),
    trial: ({ k }, seed) => {
      if (seed === 3) throw new Error("boom");
      return [{ k }];
    },
  });
  const states: ProgressState[] = [];
  assert.throws(
    () =>
      sweep(failing, { grid: { k: [7] }, seeds: 5, progress: { update: (s) => states.push(s) } }),
    (error: unknown) => {
      assert.ok(error instanceof TrialError);
      assert.equal(error.message, "Cannot run a trial of failing (seed 3, k 7): boom");
      assert.equal(error.seed, 3);
      assert.equal((error.cause as Error).message, "boom");
      return true;
    },
  );
  assert.equal(states.at(-1)?.status, "failed");
  assert.equal(states.at(-1)?.done, 2);
});

Deno.test("sweep reports progress from 0 to done, at most about a hundred times", () => {
  const states: ProgressState[] = [];
  const rows = sweep(coins, {
    grid: { flips: [1, 2] },
    seeds: 250,
    progress: { update: (state) => states.push(state) },
  });
  const first = states[0], last = states.at(-1);
  assert.deepEqual(first, {
    label: "coins",
    done: 0,
    total: 500,
    rows: 0,
    points: 2,
    seeds: 250,
    status: "running",
  });
  assert.equal(last?.status, "done");
  assert.equal(last?.done, 500);
  assert.equal(last?.rows, rows.length);
  assert.ok(states.length <= 102, `${states.length} updates`);
  assert.ok(states.length >= 50, `${states.length} updates`);
  for (let i = 1; i < states.length; i++) {
    assert.ok((states[i]?.done ?? 0) > (states[i - 1]?.done ?? 0), "done only grows");
  }
  assert.equal(states.filter((state) => state.status !== "running").length, 1);
});

Deno.test("sweep reports progress on every trial of a short sweep", () => {
  const done: number[] = [];
  sweep(coins, { seeds: 3, progress: { update: (state) => done.push(state.done) } });
  assert.deepEqual(done, [0, 1, 2, 3]);
});

Deno.test("seedList counts seeds from the first one or copies a list", () => {
  assert.deepEqual(seedList(3), [1, 2, 3]);
  assert.deepEqual(seedList(2, 0), [0, 1]);
  assert.deepEqual(seedList([9, 4]), [9, 4]);
  assert.deepEqual(issuesOf(() => seedList(0)), [
    "seeds: must be a whole number at least 1 or a list of seeds, got 0",
  ]);
  assert.deepEqual(issuesOf(() => seedList([1, -1])), [
    "seeds[1]: must be a whole number from 0 to 4294967295, got -1",
  ]);
  assert.deepEqual(issuesOf(() => seedList(2, 0xffffffff)), [
    "seeds: must leave the last seed at most 4294967295, got 2 seeds from 4294967295",
  ]);
  assert.deepEqual(issuesOf(() => seedList(1, 1.5)), [
    "seed: must be a whole number from 0 to 4294967295, got 1.5",
  ]);
});

Deno.test("deriveSeed gives a 32-bit seed that depends on the seed and the label", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.string(), (seed, label) => {
      const derived = deriveSeed(seed, label);
      assert.ok(Number.isInteger(derived) && derived >= 0 && derived <= 0xffffffff);
      assert.equal(deriveSeed(seed, label), derived);
    }),
  );
  assert.notEqual(deriveSeed(1, "a"), deriveSeed(1, "b"));
  assert.notEqual(deriveSeed(1, "a"), deriveSeed(2, "a"));
});

Deno.test("sweepAsync gives the same rows and progress as sweep", async () => {
  const options = { grid: { p: [0.2, 0.8] }, seeds: 30 };
  const syncStates: ProgressState[] = [];
  const asyncStates: ProgressState[] = [];
  const expected = sweep(coins, { ...options, progress: { update: (s) => syncStates.push(s) } });
  const rows = await sweepAsync(coins, {
    ...options,
    progress: { update: (s) => asyncStates.push(s) },
  });
  assert.deepEqual(rows, expected);
  assert.deepEqual(asyncStates, syncStates);
  assert.equal(asyncStates.at(-1)?.status, "done");
});

Deno.test("sweepAsync rejects with a TrialError when a trial throws", async () => {
  const failing = defineExperiment({
    name: "failing",
    title: "Always fails",
    params: z.strictObject({}),
    trial: () => {
      throw new RangeError("nope");
    },
  });
  const states: ProgressState[] = [];
  await assert.rejects(
    sweepAsync(failing, { progress: { update: (s) => states.push(s) } }),
    (error: unknown) => error instanceof TrialError && error.seed === 1,
  );
  assert.deepEqual(states.map((state) => state.status), ["running", "failed"]);
});

Deno.test("sweepAsync refuses a bad grid before running anything", async () => {
  await assert.rejects(
    sweepAsync(coins, { grid: { flips: [0] }, progress: false }),
    new ConfigError([{ path: "grid.flips[0]", message: "must be at least 1, got 0" }]),
  );
});

Deno.test("planSweep refuses sweeps over more than MAX_SWEEP_TRIALS trials, before allocating", () => {
  assert.throws(() => seedList(100_000_000), {
    name: "ConfigError",
    message: /^seeds: must be at most 1000000 in one sweep/,
  });
  assert.throws(
    () => planSweep(pingRtt, { grid: { nodes: [2, 3, 4, 5] }, seeds: MAX_SWEEP_TRIALS / 2 }),
    { message: /^grid: asks for 4 points × 500000 seeds = 2000000 trials, more than the 1000000/ },
  );
  assert.equal(seedList(MAX_SWEEP_TRIALS).length, MAX_SWEEP_TRIALS);
});

Deno.test("runSweepPlan hands each trial's rows to onRows, in the serial order, and keeps none", () => {
  const plan = planSweep(pingRtt, { grid: { nodes: [2, 3] }, seeds: 3, params: { pings: 2 } });
  const streamed: unknown[] = [];
  const kept = runSweepPlan(pingRtt, plan, { onRows: (rows) => streamed.push(...rows) });
  assert.deepEqual(kept, []);
  assert.deepEqual(streamed, runSweepPlan(pingRtt, plan));
});
