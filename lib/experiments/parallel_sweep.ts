/**
 * Sweeps on every core: the trials of a sweep run in Web Workers, and the rows come back
 * exactly as the serial {@link sweep} gives them, in the same order. Trials are
 * independent and deterministic, so where one runs changes nothing but the time.
 *
 * @module
 */
import { experiments as catalog } from "./catalog.ts";
import type { Experiment, ParamsSchema, Row } from "./experiment.ts";
import { type ProgressSink, resolveProgress } from "./progress.ts";
import {
  AUTO_PROGRESS_MIN_TRIALS,
  planSweep,
  type SweepOptions,
  type SweepRow,
  TrialError,
} from "./sweep.ts";
import type { WorkerResult, WorkerTask } from "./sweep_worker.ts";

/** Options for {@link sweepParallel}: those of a sweep, plus how many workers. */
export interface ParallelSweepOptions<S extends ParamsSchema = ParamsSchema>
  extends SweepOptions<S> {
  /** Workers to run trials on. Default: the machine's logical cores. */
  readonly workers?: number;
  /**
   * Trials a worker receives at a time (fewer messages, coarser balance). Default: about
   * a sixteenth of each worker's share, from 1 to 64.
   */
  readonly batch?: number;
}

/**
 * {@link sweep} on several cores: the same validation, the same rows in the same order,
 * the same {@link TrialError} for the first trial (in sweep order) that throws. Workers
 * load the experiment by its catalog name, so it must be registered in the catalog.
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 *
 * const rows = await sweepParallel(pingRtt, { grid: { nodes: [3, 5] }, seeds: 50 });
 * ```
 */
export async function sweepParallel<S extends ParamsSchema, R extends Row>(
  experiment: Experiment<S, R>,
  options: ParallelSweepOptions<S> = {},
): Promise<SweepRow<R>[]> {
  if (!catalog.some((registered) => registered === (experiment as unknown))) {
    throw new RangeError(
      `Cannot sweep ${experiment.name} in parallel: workers load experiments by catalog ` +
        "name, and this one is not in the catalog (register it in lib/experiments/catalog.ts)",
    );
  }
  const workerCount = options.workers ?? navigator.hardwareConcurrency ?? 1;
  const plan = planSweep(experiment, options);
  const batch = options.batch ??
    Math.max(1, Math.min(64, Math.ceil(plan.trials / (workerCount * 16))));
  for (const [name, value] of [["workers", workerCount], ["batch", batch]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot sweep in parallel: ${name} must be a whole number at least 1, got ${value}`,
      );
    }
  }
  const sink: ProgressSink | undefined = resolveProgress(
    options.progress,
    plan.trials,
    AUTO_PROGRESS_MIN_TRIALS,
  );
  const trials = plan.points.flatMap((point) => plan.seeds.map((seed) => ({ point, seed })));
  const results: (readonly Row[] | undefined)[] = new Array(trials.length);
  const errors = new Map<number, string>();
  let done = 0;
  let rowCount = 0;
  const every = Math.max(1, Math.ceil(trials.length / 100));
  const report = (status: "running" | "done" | "failed") =>
    sink?.update({
      label: experiment.name,
      done,
      total: trials.length,
      rows: rowCount,
      points: plan.points.length,
      seeds: plan.seeds.length,
      status,
    });
  report("running");

  let nextTrial = 0;
  const takeBatch = (): WorkerTask | undefined => {
    // After a failure no new trials start; those before it still finish, so the error
    // reported is the first in sweep order, as in a serial sweep.
    const firstError = errors.size === 0 ? Infinity : Math.min(...errors.keys());
    if (nextTrial >= trials.length || nextTrial > firstError) return undefined;
    const end = Math.min(trials.length, nextTrial + batch);
    const task: WorkerTask = {
      experiment: experiment.name,
      trials: trials.slice(nextTrial, end).map(({ point, seed }, offset) => ({
        index: nextTrial + offset,
        input: point.input,
        seed,
      })),
    };
    nextTrial = end;
    return task;
  };

  const url = new URL("./sweep_worker.ts", import.meta.url).href;
  const workers = Array.from(
    { length: Math.min(workerCount, Math.ceil(trials.length / batch)) },
    () => new Worker(url, { type: "module" }),
  );
  try {
    await Promise.all(workers.map((worker) =>
      new Promise<void>((resolve, reject) => {
        const send = () => {
          const task = takeBatch();
          if (task === undefined) resolve();
          else worker.postMessage(task);
        };
        worker.onmessage = (event: MessageEvent<WorkerResult[]>) => {
          for (const result of event.data) {
            if ("error" in result) errors.set(result.index, result.error);
            else {
              results[result.index] = result.rows;
              rowCount += result.rows.length;
            }
            done++;
            if (done % every === 0 && done < trials.length) report("running");
          }
          send();
        };
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`Cannot run ${experiment.name} in a worker: ${event.message}`));
        };
        send();
      })
    ));
  } finally {
    for (const worker of workers) worker.terminate();
  }
  if (errors.size > 0) {
    const index = Math.min(...errors.keys());
    const trial = trials[index]!;
    report("failed");
    throw new TrialError(
      experiment.name,
      { seed: trial.seed, cells: trial.point.cells },
      new Error(errors.get(index)),
    );
  }
  const rows: SweepRow<R>[] = [];
  trials.forEach(({ point, seed }, index) => {
    for (const row of results[index] as readonly Row[]) {
      rows.push({ seed, ...point.cells, ...row } as SweepRow<R>);
    }
  });
  report("done");
  return rows;
}
