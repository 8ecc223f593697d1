/**
 * Exercises of chapter 13 with their self-checks:
 *
 * 1. **Write the participant's recovery rule** ({@link checkRecoveryRule}): what a 2PC
 *    participant does about a transaction it has not finished, after a restart and
 *    while it waits. Checked by a sweep of two-phase commit runs with crashes and
 *    partitions, the reader's rule in every participant.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { faultSweep } from "../testing/fault_sweep.ts";
import { atomicCommitTrial } from "../transactions/atomic_commit_trial.ts";
import type { RecoveryRule } from "../transactions/two_phase_commit.ts";
import { ExerciseResult, notAFunction } from "./result.ts";

/** Options of {@link checkRecoveryRule}. */
export interface RecoveryRuleCheckOptions {
  /** Runs to try (seeds 1, 2, ..., alternating crashes and partitions). Default 100. */
  readonly seeds?: number;
}

/**
 * Checks a recovery rule `({ state, waitedMs }) => "ask-coordinator" | "commit" | "abort"
 * | "wait"`: runs two-phase commit with the rule in every participant, under crashes and
 * under partitions. Passes when every run stays atomic and every prepared participant
 * learns its outcome once the faults heal.
 *
 * @example
 * ```ts
 * checkRecoveryRule(() => "abort").passed; // false: a prepared participant gave up alone
 * ```
 */
export function checkRecoveryRule(
  rule: RecoveryRule,
  options: RecoveryRuleCheckOptions = {},
): ExerciseResult {
  const title = "Write the participant's recovery rule";
  if (typeof rule !== "function") {
    return notAFunction(title, "({ state, waitedMs }) => action", rule);
  }
  const seeds = options.seeds ?? 100;
  let result;
  try {
    result = faultSweep(atomicCommitTrial({ recoveryRule: rule }), {
      seeds,
      profiles: { crashes: { faults: "crashes" }, partitions: { faults: "partitions" } },
      params: { protocol: "2pc", runMs: 1500 },
      stopAtFirstFailure: true,
      excerpt: false,
    });
  } catch (error) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`The rule threw: ${error instanceof Error ? error.message : String(error)}.`],
    });
  }
  const failure = result.failures[0];
  if (failure === undefined) {
    const rows = result.rows;
    const longest = Math.max(...rows.map((row) => row.blockedMs));
    return new ExerciseResult({
      passed: true,
      title,
      details: [
        `${seeds} runs with crashes and partitions: every transaction atomic, every prepared ` +
        `participant learned its outcome. The longest wait was ${Math.round(longest)} ms: ` +
        "the price of never deciding alone.",
      ],
    });
  }
  const hint = failure.invariant === "atomicity"
    ? "A prepared participant promised to do what the coordinator decides: it cannot know " +
      "that decision by waiting, so it must not commit or abort on its own."
    : failure.kind === "liveness"
    ? "A participant that waits in silence may never hear the decision (it was down when " +
      "the coordinator sent it): ask the coordinator, again and again."
    : failure.kind === "exception"
    ? "The rule must return one of ask-coordinator, commit, abort or wait."
    : "The rule let a participant break a property of atomic commit.";
  return new ExerciseResult({
    passed: false,
    title,
    details: [`Run ${failure.seed}: ${failure.message.split("\n")[0]}`, hint],
    counterexample: { seed: failure.seed, invariant: failure.invariant },
  });
}
