/**
 * The `swim-faults` experiment: the {@link swimTrial} as one row per seed, so a failing
 * seed of the trial replays with `deno task exp run swim-faults --seed N`.
 *
 * @module
 */
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { swimTrial } from "./swim_trial.ts";

/**
 * `swim-faults`: SWIM with members crashing and pausing at random; one row per seed with
 * the wrong confirmations and false positives seen, and whether a check failed.
 *
 * @example
 * ```ts
 * const [row] = swimFaults.run({ pauses: 1 }, 1);
 * ```
 */
export const swimFaults = trialExperiment(swimTrial, {
  title: "SWIM under crashes, pauses and loss: wrong confirmations and convergence",
  description: "Members crash for good or pause once at random; the trial checks that " +
    "every confirmed-dead member was crashed and that, after the last fault, every live " +
    "member sees the others as they are.",
  chapter: "18_failure_detection",
});
