/**
 * The quorum store's sweeps as the tests run them, on the shared trial harness: a clean
 * sweep must find nothing over its seeds; a broken variant must be caught within a seed
 * budget.
 */
import assert from "node:assert/strict";
import type { DistributionInput } from "../../lib/mod.ts";
import {
  QUORUM_TRIAL,
  quorumSweep,
  type QuorumTrialParamsInput,
} from "../../lib/replication/mod.ts";
import {
  caughtWithin as harnessCaughtWithin,
  describeFailure,
  type TrialFailure,
} from "../../lib/testing/mod.ts";

/** A latency with a slow path: one message in ten takes 20–60 ms instead of 1–5 ms. */
export const SLOW_PATH: DistributionInput = {
  kind: "mixture",
  components: [
    { weight: 0.9, distribution: { kind: "uniform", minMs: 1, maxMs: 5 } },
    { weight: 0.1, distribution: { kind: "uniform", minMs: 20, maxMs: 60 } },
  ],
};

/** Runs `seeds` seeds of `params` and asserts every promise held on each. */
export function assertCleanSweep(params: QuorumTrialParamsInput, seeds: number): void {
  const result = quorumSweep(params, { seeds });
  const failure = result.failures[0];
  assert.equal(
    failure,
    undefined,
    failure === undefined ? "" : describeFailure(failure),
  );
  assert.equal(result.trials, seeds);
  assert.equal(result.unknown, 0, "every history was checked to a verdict");
  assert.ok(result.ok > 10 * seeds, `the clients got work done (${result.ok} ok)`);
}

/** The harness's `caughtWithin` for the quorum trial: the first failure within `budget` seeds. */
export function caughtWithin(params: QuorumTrialParamsInput, budget: number): TrialFailure {
  return harnessCaughtWithin(QUORUM_TRIAL, budget, { params, excerpt: false });
}
