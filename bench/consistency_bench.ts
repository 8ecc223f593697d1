/**
 * The weak-model checkers on a 4,000-operation history of the session-guarantees
 * experiment (eight clients for two seconds, every guarantee off): one iteration checks
 * it against one model, evidence shrinking included. Targets: each well under a second.
 *
 * @module
 */
import { checkConsistency, type ConsistencyModel } from "../lib/check/mod.ts";
import type { History } from "../lib/history/mod.ts";
import { SESSION_TRIAL } from "../lib/replication/mod.ts";
import { runTrial } from "../lib/testing/mod.ts";
import type { BenchReport } from "./report.ts";

const MODELS: readonly ConsistencyModel[] = [
  "sequential",
  "causal",
  "session-guarantees",
  "writes-follow-reads",
];

let history: History | undefined;
function big(): History {
  history ??= runTrial(SESSION_TRIAL, {
    clients: 8,
    durationMs: 2000,
    readYourWrites: false,
    monotonicReads: false,
    monotonicWrites: false,
    writesFollowReads: false,
  }, 1).system.history;
  return history;
}

const name = (model: ConsistencyModel) => `consistency-${model}`;

/** One JSON line per model: the operations checked and the time to check them once. */
export const REPORTS: readonly BenchReport[] = MODELS.map((model) => ({
  name: name(model),
  line: (meanNs) => ({
    name: name(model),
    operations: big().length / 2,
    ms: Math.round(meanNs / 1e5) / 10,
  }),
}));

for (const model of MODELS) {
  Deno.bench({
    name: name(model),
    warmup: 2,
    n: 10,
    fn: (b) => {
      const input = big();
      b.start();
      const result = checkConsistency(input, model);
      b.end();
      if (result.valid !== false) {
        throw new Error(`Cannot trust the benchmark: ${model} checked ${result.valid}`);
      }
    },
  });
}
