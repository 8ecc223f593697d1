/**
 * A trial of the harness (lib/testing) as an experiment: one row per seed, the trial's
 * row, so `deno task exp run NAME` replays exactly what a failed trial's replay line says.
 *
 * @module
 */
import type { z } from "zod";
import { runTrial, type Trial, type TrialParamsSchema, type TrialSystem } from "../testing/mod.ts";
import { defineExperiment, type Experiment, type Row } from "./experiment.ts";

/** What an experiment adds to a trial: words for humans. */
export interface TrialExperimentOptions {
  /** One line for humans. */
  readonly title: string;
  /** What it measures and how, in a few sentences. */
  readonly description?: string;
  /** The chapter that plots it ("05_raft_log_replication"). */
  readonly chapter?: string;
}

/**
 * The experiment named after `trial` whose one row per seed is the trial's row. A failed
 * trial is a row too (say so in a column, as `raft-kv`'s `violation` does), so a sweep
 * over seeds shows failures instead of stopping at the first.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Simulation } from "../sim/simulation.ts";
 * import { defineTrial } from "../testing/mod.ts";
 * import { trialExperiment } from "./trial_experiment.ts";
 *
 * const idle = defineTrial({
 *   name: "idle",
 *   params: z.strictObject({ untilMs: z.number().default(10) }),
 *   build: ({ seed }) => ({ simulation: new Simulation({ seed }) }),
 *   untilMs: (params) => params.untilMs,
 *   row: ({ system, failure }) => ({ endMs: system.simulation.now, failed: failure !== undefined }),
 * });
 * const experiment = trialExperiment(idle, { title: "Nothing happens, in time" });
 * experiment.run({}, 1); // [{ endMs: 10, failed: false }]
 * ```
 */
export function trialExperiment<
  Schema extends TrialParamsSchema,
  S extends TrialSystem,
  R extends Row,
>(
  trial: Trial<Schema, S, R>,
  options: TrialExperimentOptions,
): Experiment<Schema, R> {
  return defineExperiment({
    name: trial.name,
    title: options.title,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.chapter === undefined ? {} : { chapter: options.chapter }),
    params: trial.params,
    // The row is all an experiment keeps: no re-run to fill a failure's excerpt.
    trial: (params: z.output<Schema>, seed: number) => [
      runTrial(trial, params as z.input<Schema>, seed, { excerpt: false }).row,
    ],
  });
}
