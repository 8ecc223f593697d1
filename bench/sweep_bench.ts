/**
 * A sweep run serially and on two Web Workers: the same rows, and the speed-up the
 * workers give, worker start-up included (each worker loads the whole catalog, about a
 * second, so the sweep is long enough for that to matter little). `tools/bench.ts` prints the parallel line
 * with `vs_baseline`, the speed-up over the serial sweep.
 *
 * @module
 */
import { raftFailover, sweep, sweepParallel } from "../lib/experiments/mod.ts";
import type { BenchReport } from "./report.ts";

/** Seeds of the benchmark sweep. */
export const SWEEP_SEEDS = 2_000;

const OPTIONS = { seeds: SWEEP_SEEDS, progress: false } as const;

/** One JSON line per way of running the sweep. */
export const REPORTS: readonly BenchReport[] = [
  { name: "sweep-serial", line: (meanNs) => line("sweep-serial", 1, meanNs) },
  {
    name: "sweep-parallel-2",
    baseline: "sweep-serial",
    line: (meanNs) => line("sweep-parallel-2", 2, meanNs),
  },
];

function line(name: string, workers: number, meanNs: number): Record<string, unknown> {
  return {
    name,
    experiment: raftFailover.name,
    seeds: SWEEP_SEEDS,
    workers,
    trials_per_s: Math.round(SWEEP_SEEDS / (meanNs / 1e9)),
  };
}

Deno.bench({
  name: "sweep-serial",
  group: "sweep",
  baseline: true,
  n: 2,
  warmup: 0,
  fn: () => {
    sweep(raftFailover, OPTIONS);
  },
});

Deno.bench({
  name: "sweep-parallel-2",
  group: "sweep",
  n: 2,
  warmup: 0,
  fn: async () => {
    await sweepParallel(raftFailover, { ...OPTIONS, workers: 2 });
  },
});
