/**
 * Speed of the failure-detection chapter's experiments: one `swim-detection` trial of 64
 * members (target: tens of ms), a push rumor among 4,096 nodes (target: a few ms), and the
 * phi detector scored on a 420 s arrival trace (target: a few ms).
 *
 * @module
 */
import {
  arrivalTrace,
  evaluateDetector,
  spreadRumor,
  swimDetection,
} from "../lib/membership/mod.ts";
import type { BenchReport } from "./report.ts";

const msLine = (name: string) => (meanNs: number) => ({
  name,
  ms_per_trial: Math.round(meanNs / 1e4) / 100,
});

/** One JSON line per scenario: milliseconds per trial. */
export const REPORTS: readonly BenchReport[] = [
  "swim-detection-n64",
  "gossip-push-n4096",
  "phi-accrual-trace-420s",
].map((name) => ({ name, line: msLine(name) }));

const trace = arrivalTrace({}, 1);

Deno.bench({
  name: "swim-detection-n64",
  group: "membership",
  n: 20,
  fn: () => void swimDetection.run({ n: 64 }, 1),
});
Deno.bench({
  name: "gossip-push-n4096",
  group: "membership",
  n: 50,
  fn: () => void spreadRumor({ n: 4096, mode: "push" }, 1),
});
Deno.bench({
  name: "phi-accrual-trace-420s",
  group: "membership",
  n: 50,
  fn: () => void evaluateDetector(trace, { kind: "phi", threshold: 8 }),
});
