/**
 * Speed of the partitioning chapter's experiment: `ring-balance` at 1000 tokens per node
 * × 100 nodes with 10^6 keys (two rings built, 2·10^6 lookups, the arcs measured), and
 * the same for jump hash and rendezvous hashing. Target: about a second per trial.
 *
 * @module
 */
import { ringBalance } from "../lib/partitioning/mod.ts";
import type { BenchReport } from "./report.ts";

const SCENARIOS = [
  { name: "ring-balance-ring-1000x100-1e6", scheme: "ring", vnodes: 1000 },
  { name: "ring-balance-jump-100-1e6", scheme: "jump", vnodes: 1 },
  { name: "ring-balance-rendezvous-100-1e6", scheme: "rendezvous", vnodes: 1 },
] as const;

/** One JSON line per scenario: milliseconds per trial and keys placed per second. */
export const REPORTS: readonly BenchReport[] = SCENARIOS.map((scenario) => ({
  name: scenario.name,
  line: (meanNs) => ({
    name: scenario.name,
    ms_per_trial: Math.round(meanNs / 1e6),
    // Each trial places every key twice: before and after the join.
    keys_per_s: Math.round(2e6 / (meanNs / 1e9)),
  }),
}));

for (const scenario of SCENARIOS) {
  Deno.bench({
    name: scenario.name,
    group: "ring-balance",
    n: 5,
    fn: () => {
      ringBalance.run({ scheme: scenario.scheme, vnodes: scenario.vnodes, keys: 1_000_000 }, 1);
    },
  });
}
