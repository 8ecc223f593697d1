/**
 * Speed of the CRDT chapter's experiment: one `crdt-convergence` run with the defaults
 * (four replicas, about 200 updates, a partition) for the OR-Set and RGA text, whole-state
 * and delta gossip. Target: tens of milliseconds per seed, so the chapter's sweep of 60
 * runs re-runs in about a second.
 *
 * @module
 */
import { crdtConvergence } from "../lib/crdt/mod.ts";
import type { BenchReport } from "./report.ts";

const SCENARIOS = (["or-set", "rga"] as const).flatMap((crdt) =>
  (["full", "delta"] as const).map((gossip) => ({
    name: `crdt-convergence-${crdt}-${gossip}`,
    crdt,
    gossip,
  }))
);

/** One JSON line per scenario: milliseconds per trial. */
export const REPORTS: readonly BenchReport[] = SCENARIOS.map(({ name }) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round(meanNs / 1e6) }),
}));

for (const { name, crdt, gossip } of SCENARIOS) {
  Deno.bench({
    name,
    group: "crdt-convergence",
    n: 10,
    fn: () => void crdtConvergence.run({ crdt, gossip }, 1),
  });
}
