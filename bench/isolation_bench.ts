/**
 * Speed of the isolation chapter: one `isolation-anomalies` run (a store, three clients,
 * the checker) per concurrency control (target: a few ms, so the chapter's 320-run matrix
 * redraws in about a second), and the checker alone on a long random history (2,000
 * transactions from 20 clients at read committed).
 *
 * @module
 */
import { checkTransactions, isolationAnomalies, runIsolation } from "../lib/transactions/mod.ts";
import type { BenchReport } from "./report.ts";

const LEVELS = ["none", "read-committed", "snapshot-isolation", "serializable"] as const;
const long = runIsolation(
  {
    isolation: "read-committed",
    anomaly: "random",
    clients: 20,
    txnsPerClient: 100,
    runMs: 60_000,
  },
  1,
).txnHistory;
const longTxns = long.filter((op) => op.type === "invoke").length;

/** One JSON line per scenario. */
export const REPORTS: readonly BenchReport[] = [
  ...LEVELS.map((isolation) => ({
    name: `isolation-anomalies-${isolation}`,
    line: (meanNs: number) => ({
      name: `isolation-anomalies-${isolation}`,
      ms_per_seed: Math.round(meanNs / 1e4) / 100,
    }),
  })),
  {
    name: "txn-checker-long-history",
    line: (meanNs: number) => ({
      name: "txn-checker-long-history",
      transactions: longTxns,
      ms: Math.round(meanNs / 1e6),
    }),
  },
];

for (const isolation of LEVELS) {
  let seed = 0;
  Deno.bench({
    name: `isolation-anomalies-${isolation}`,
    group: "isolation-anomalies",
    fn: () => void isolationAnomalies.run({ isolation, anomaly: "random" }, ++seed),
  });
}
Deno.bench({
  name: "txn-checker-long-history",
  n: 5,
  fn: () => void checkTransactions(long),
});
