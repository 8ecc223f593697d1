/**
 * One report for every way a trial can fail, whatever the protocol: the seed, the
 * virtual time, the kind of failure, the name of what broke, the last few records before
 * it, and the line that replays the trial.
 *
 * @module
 */

/**
 * How a trial failed:
 * - `safety`: a named invariant broke during the run (or in the final check);
 * - `liveness`: after the faults healed, the liveness condition did not hold in time;
 * - `history`: the history checker refuted the clients' history (not linearizable, ...);
 * - `exception`: the run itself failed (a node's handler threw, or the event budget ran
 *   out).
 */
export type TrialFailureKind = "safety" | "liveness" | "history" | "exception";

/** Every failure kind, in the order above. */
export const TRIAL_FAILURE_KINDS: readonly TrialFailureKind[] = [
  "safety",
  "liveness",
  "history",
  "exception",
];

/** A failed trial, as data. */
export interface TrialFailure {
  /** The trial's name (the experiment its replay line runs). */
  readonly trial: string;
  /** The trial's seed. */
  readonly seed: number;
  /** When it failed, in virtual ms (for a history failure: when the bad operation completed). */
  readonly timeMs: number;
  /** How it failed. */
  readonly kind: TrialFailureKind;
  /**
   * What broke, by name: the invariant (safety), the liveness condition (liveness), the
   * history checker (history, e.g. "linearizability"), or for an exception
   * `node-exception` (a handler threw) or `bound-exceeded` (the event budget ran out).
   */
  readonly invariant: string;
  /** What happened, in words (for a simulation error: its whole message). */
  readonly message: string;
  /**
   * The last few records before the failure: trace lines for a run that failed, the
   * operations around the refuted one for a history failure.
   */
  readonly excerpt: readonly string[];
  /** The command that replays the trial. */
  readonly replay: string;
}

/**
 * A failure in a few lines: kind and name, seed, time, the message's first line, the
 * excerpt, and the replay line last.
 *
 * @example
 * ```ts
 * import { describeFailure } from "./failure.ts";
 *
 * describeFailure({
 *   trial: "counter", seed: 3, timeMs: 12.5, kind: "safety", invariant: "never negative",
 *   message: "count is -1", excerpt: [], replay: "deno task exp run counter --seed 3",
 * });
 * // "safety (never negative), seed 3 at 12.500 ms: count is -1\n  replay: deno task exp run counter --seed 3"
 * ```
 */
export function describeFailure(
  failure: TrialFailure,
  options: { readonly excerpt?: boolean } = {},
): string {
  const first = failure.message.split("\n")[0];
  const lines = [
    `${failure.kind} (${failure.invariant}), seed ${failure.seed} at ` +
    `${failure.timeMs.toFixed(3)} ms: ${first}`,
  ];
  if ((options.excerpt ?? true) && failure.excerpt.length > 0) {
    lines.push("  last records:", ...failure.excerpt.map((line) => `    ${line}`));
  }
  lines.push(`  replay: ${failure.replay}`);
  return lines.join("\n");
}

/**
 * A trial failed where failing is not expected (an experiment's run, a test that wants a
 * clean trial). Its message is {@link describeFailure}'s text.
 */
export class TrialFailedError extends Error {
  /** The failure. */
  readonly failure: TrialFailure;

  /** An error carrying `failure`. */
  constructor(failure: TrialFailure) {
    super(describeFailure(failure));
    this.name = "TrialFailedError";
    this.failure = failure;
  }
}
