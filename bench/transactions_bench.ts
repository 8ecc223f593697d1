/**
 * Speed of the saga chapter's experiments: one `saga-money` seed unchecked (20 orders,
 * 5 s of virtual time; target: about 10 ms, so the chapter's 100-seed sweep takes about a
 * second) and one checked trial seed (invariants every 10 ms, stops once every saga has
 * settled; target: about 10 ms, so the 1,000-seed test sweep stays within seconds per file).
 *
 * @module
 */
import { runTrial } from "../lib/testing/mod.ts";
import { sagaMoney, sagaMoneyTrial } from "../lib/transactions/mod.ts";
import type { BenchReport } from "./report.ts";

/** One JSON line per scenario: milliseconds per seed. */
export const REPORTS: readonly BenchReport[] = ["saga-money", "saga-money-checked"].map((name) => ({
  name,
  line: (meanNs: number) => ({ name, ms_per_seed: Math.round((meanNs / 1e6) * 10) / 10 }),
}));

Deno.bench({
  name: "saga-money",
  group: "transactions",
  n: 30,
  fn: () => void sagaMoney.run({}, 1),
});
Deno.bench({
  name: "saga-money-checked",
  group: "transactions",
  n: 30,
  fn: () => void runTrial(sagaMoneyTrial, {}, 1),
});
