/**
 * The body of a parallel sweep's Web Worker: it loads experiments from the catalog by
 * name (a function cannot cross to a worker, a name can), runs the trials it is sent and
 * posts their rows back. See {@link sweepParallel}.
 *
 * @module
 */
import { findExperiment } from "./catalog.ts";
import type { Row } from "./experiment.ts";

/** A batch of trials for a worker: the experiment's catalog name and what to run. */
export interface WorkerTask {
  /** The experiment's catalog name. */
  readonly experiment: string;
  /** The trials: position in the sweep, the grid point's parameters as written, the seed. */
  readonly trials: readonly {
    readonly index: number;
    readonly input: Readonly<Record<string, unknown>>;
    readonly seed: number;
  }[];
}

/** A worker's answer for one trial: its rows, or the error it threw. */
export type WorkerResult =
  | { readonly index: number; readonly rows: readonly Row[] }
  | { readonly index: number; readonly error: string };

/** Runs a batch of trials; one result per trial, in the batch's order. */
export function runWorkerTask(task: WorkerTask): WorkerResult[] {
  const experiment = findExperiment(task.experiment);
  return task.trials.map(({ index, input, seed }) => {
    try {
      return { index, rows: experiment.trial(experiment.parseParams(input), seed) };
    } catch (error) {
      return { index, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

// Inside a worker (not when a test imports this module), answer each batch posted.
const scope = globalThis as unknown as {
  onmessage?: ((event: MessageEvent<WorkerTask>) => void) | null;
  postMessage?: (message: unknown) => void;
  document?: unknown;
};
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (event) => scope.postMessage?.(runWorkerTask(event.data));
}
