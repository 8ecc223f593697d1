/**
 * Speed of the resilience experiments: Brooker's backoff model at its headline point (100
 * clients, 100 runs, one strategy per benchmark), and one ten-second `overload` run with a
 * metastable failure (the slowest overload case: the queue grows to ~18,000). The chapter
 * re-runs cells like these, so each should take about a second or less.
 *
 * @module
 */
import { backoff, BACKOFF_STRATEGIES, overload } from "../lib/resilience/mod.ts";
import type { BenchReport } from "./report.ts";

/** Runs per backoff point, as in the blog. */
const RUNS = 100;

for (const strategy of BACKOFF_STRATEGIES) {
  Deno.bench({
    name: `backoff-100x100-${strategy}`,
    group: "backoff",
    n: 3,
    warmup: 1,
    fn: () => {
      for (let seed = 1; seed <= RUNS; seed++) backoff.run({ clients: 100, strategy }, seed);
    },
  });
}

Deno.bench({
  name: "overload-metastable-10s",
  group: "overload",
  n: 5,
  warmup: 1,
  fn: () => {
    overload.run({ spikeDurationMs: 1000 }, 1);
  },
});

/** One JSON line per benchmark: milliseconds per point (100 runs) or per run. */
export const REPORTS: readonly BenchReport[] = [
  ...BACKOFF_STRATEGIES.map((strategy): BenchReport => ({
    name: `backoff-100x100-${strategy}`,
    line: (meanNs) => ({
      name: "backoff-100-clients-100-runs",
      strategy,
      ms: Math.round(meanNs / 1e6),
    }),
  })),
  {
    name: "overload-metastable-10s",
    line: (meanNs) => ({ name: "overload-metastable-10s", ms: Math.round(meanNs / 1e6) }),
  },
];
