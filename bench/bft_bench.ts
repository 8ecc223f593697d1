/**
 * Speed of the PBFT trials: one `pbft` trial with its defaults (four replicas, one
 * equivocating, two clients, a second of pauses and isolations, invariants after every
 * event), and one fault-free trial of sixteen replicas (the n² end of the cost figure).
 * `tools/bench.ts` turns each benchmark's time per iteration into trials per second.
 *
 * @module
 */
import { pbftTrial } from "../lib/bft/mod.ts";
import { runTrial } from "../lib/testing/mod.ts";
import type { BenchReport } from "./report.ts";

let seed = 0;

Deno.bench({
  name: "pbft-trial",
  group: "bft",
  fn: () => {
    runTrial(pbftTrial, {}, ++seed);
  },
});

Deno.bench({
  name: "pbft-n16-fault-free",
  group: "bft",
  fn: () => {
    runTrial(pbftTrial, { n: 16, byzantine: 0, faultsPerSecond: 0, lossProbability: 0 }, ++seed);
  },
});

/** One JSON line per benchmark: trials per second from the mean time per iteration. */
export const REPORTS: readonly BenchReport[] = [
  {
    name: "pbft-trial",
    line: (meanNs) => ({ name: "pbft-trial", trials_per_s: Math.round(1e9 / meanNs) }),
  },
  {
    name: "pbft-n16-fault-free",
    line: (meanNs) => ({ name: "pbft-n16-fault-free", trials_per_s: Math.round(1e9 / meanNs) }),
  },
];
