/**
 * Speed of chapter 10's experiments: one `cap-partition` run with the defaults per store
 * (five servers, four clients, a 3-second partition, the history checked) and one
 * `pacelc-latency` run per read path. Target: tens of milliseconds per seed (about 15 on
 * an idle core), so the chapter's sweeps of 72 CAP runs and 100 PACELC runs re-run in a
 * second or two.
 *
 * @module
 */
import { capPartition, pacelcLatency } from "../lib/experiments/mod.ts";
import { CAP_STORES, PACELC_READS } from "../lib/cap/mod.ts";
import type { BenchReport } from "./report.ts";

const CAP = CAP_STORES.map((store) => ({ name: `cap-partition-${store}`, store }));
const PACELC = PACELC_READS.map((reads) => ({ name: `pacelc-latency-${reads}`, reads }));

/** One JSON line per scenario: milliseconds per trial. */
export const REPORTS: readonly BenchReport[] = [...CAP, ...PACELC].map(({ name }) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round(meanNs / 1e6) }),
}));

for (const { name, store } of CAP) {
  Deno.bench({
    name,
    group: "cap-partition",
    n: 10,
    fn: () => void capPartition.run({ store }, 1),
  });
}
for (const { name, reads } of PACELC) {
  Deno.bench({
    name,
    group: "pacelc-latency",
    n: 10,
    fn: () => void pacelcLatency.run({ reads }, 1),
  });
}
