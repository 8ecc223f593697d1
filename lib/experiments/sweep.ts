/**
 * The sweep runner: runs an experiment over a list of seeds and a grid of parameter
 * values and returns one tidy list of rows, each tagged with the seed and the swept
 * parameters that produced it, ready for Plot (`fy: "nodes"`, `stroke: "seed"`).
 *
 * @module
 */
import type { z } from "zod";
import { ConfigError, type ConfigIssue, describeIssue, formatValue } from "../config/mod.ts";
import { Random } from "../sim/mod.ts";
import type { Cell, Experiment, ParamsSchema, Row } from "./experiment.ts";
import { type ProgressSink, type ProgressState, resolveProgress } from "./progress.ts";

/** The largest seed: seeds are whole numbers from 0 to 2^32 - 1. */
export const MAX_SEED = 0xffffffff;

/**
 * Most trials (grid points × seeds) one sweep may hold: its seeds and points are lists in
 * memory, and a million trials of even a fast experiment take hours. Longer studies run
 * as several sweeps over consecutive seed ranges.
 */
export const MAX_SWEEP_TRIALS = 1_000_000;

/** Values to sweep, per parameter: `{ nodes: [3, 5, 7] }`. */
export type SweepGrid<S extends ParamsSchema = ParamsSchema> = {
  readonly [K in keyof z.input<S>]?: readonly z.input<S>[K][];
};

/** Options for {@link sweep} and {@link planSweep}. */
export interface SweepOptions<S extends ParamsSchema = ParamsSchema> {
  /** Parameters every trial shares. Fields not given take the experiment's defaults. */
  readonly params?: Partial<z.input<S>>;
  /**
   * Values to try per parameter. The sweep runs the cartesian product: keys in the order
   * written, the first key outermost and the last one varying fastest. A key may not also
   * appear in `params`.
   */
  readonly grid?: SweepGrid<S>;
  /**
   * The seeds of every grid point: a count (`20` means `seed`, `seed + 1`, ...,
   * `seed + 19`) or an explicit list. Default 1.
   */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly seed?: number;
  /**
   * Where to report progress: a sink, `true` to show it wherever the sweep runs (the
   * notebook's output, else stderr), `false` for none. Default: shown in a notebook or on
   * a terminal's stderr for sweeps of at least {@link AUTO_PROGRESS_MIN_TRIALS} trials,
   * silent otherwise (pipes, CI).
   */
  readonly progress?: ProgressSink | boolean;
}

/** Sweeps of at least this many trials show progress by default. */
export const AUTO_PROGRESS_MIN_TRIALS = 10;

/** One point of the parameter grid, validated. */
export interface SweepPoint<S extends ParamsSchema = ParamsSchema> {
  /** The point's position in the grid's order, from 0. */
  readonly index: number;
  /** The swept parameters' values at this point, as row cells (objects as JSON text). */
  readonly cells: Readonly<Record<string, Cell>>;
  /** What the user wrote: the shared parameters plus this point's grid values. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The validated parameters the trials of this point receive (defaults applied). */
  readonly params: z.output<S>;
}

/** A validated sweep, ready to run: every grid point and every seed. */
export interface SweepPlan<S extends ParamsSchema = ParamsSchema> {
  /** The grid points in run order (one point, with no swept cells, when there is no grid). */
  readonly points: readonly SweepPoint<S>[];
  /** The seeds each point runs, in order. */
  readonly seeds: readonly number[];
  /** Trials in the sweep: points × seeds. */
  readonly trials: number;
}

/**
 * A row of a sweep: the trial's row plus `seed` and the swept parameters. Columns come in
 * the order seed, swept parameters, then the trial's own fields.
 */
export type SweepRow<R extends Row = Row> = R & { readonly seed: number } & Row;

/**
 * A trial of a sweep threw. The message names the experiment, the seed and the grid
 * point, then gives the original error's message (a SimulationError's ends with the line
 * that replays the run); the original error is the `cause`.
 */
export class TrialError extends Error {
  /** The experiment's name. */
  readonly experiment: string;
  /** The seed of the trial that failed. */
  readonly seed: number;
  /** The swept parameters of the trial that failed. */
  readonly cells: Readonly<Record<string, Cell>>;

  /** Wraps `cause`, the error the trial of `experiment` with `seed` at `cells` threw. */
  constructor(
    experiment: string,
    trial: { readonly seed: number; readonly cells: Readonly<Record<string, Cell>> },
    cause: unknown,
  ) {
    const where = [`seed ${trial.seed}`];
    for (const [key, value] of Object.entries(trial.cells)) where.push(`${key} ${value}`);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot run a trial of ${experiment} (${where.join(", ")}): ${reason}`, { cause });
    this.name = "TrialError";
    this.experiment = experiment;
    this.seed = trial.seed;
    this.cells = trial.cells;
  }
}

/**
 * The seeds of a sweep: `count` consecutive seeds from `first`, or the explicit list.
 * Throws a ConfigError naming `seeds` or `seed` when one is not a whole number from 0 to
 * 2^32 - 1 or the count is not at least 1.
 *
 * @example
 * ```ts
 * seedList(3);          // [1, 2, 3]
 * seedList(3, 10);      // [10, 11, 12]
 * seedList([7, 42]);    // [7, 42]
 * ```
 */
export function seedList(seeds: number | readonly number[] = 1, first = 1): number[] {
  const issues: ConfigIssue[] = [];
  const isSeed = (value: unknown) =>
    typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_SEED;
  const seedRule = `must be a whole number from 0 to ${MAX_SEED}`;
  if (Array.isArray(seeds)) {
    if (seeds.length === 0) issues.push({ path: "seeds", message: "must hold at least one seed" });
    if (seeds.length > MAX_SWEEP_TRIALS) {
      throw new ConfigError([{
        path: "seeds",
        message: `must hold at most ${MAX_SWEEP_TRIALS} seeds in one sweep, got ${seeds.length}`,
      }]);
    }
    seeds.forEach((seed, index) => {
      if (!isSeed(seed)) {
        issues.push({ path: `seeds[${index}]`, message: `${seedRule}, got ${formatValue(seed)}` });
      }
    });
    if (issues.length > 0) throw new ConfigError(issues);
    return [...seeds];
  }
  if (typeof seeds !== "number" || !Number.isInteger(seeds) || seeds < 1) {
    issues.push({
      path: "seeds",
      message: `must be a whole number at least 1 or a list of seeds, got ${formatValue(seeds)}`,
    });
  }
  if (!isSeed(first)) {
    issues.push({ path: "seed", message: `${seedRule}, got ${formatValue(first)}` });
  }
  if (issues.length === 0 && (seeds as number) > MAX_SWEEP_TRIALS) {
    issues.push({
      path: "seeds",
      message: `must be at most ${MAX_SWEEP_TRIALS} in one sweep (run consecutive ranges ` +
        `with --seed for more), got ${seeds}`,
    });
  }
  if (issues.length === 0 && first + (seeds as number) - 1 > MAX_SEED) {
    issues.push({
      path: "seeds",
      message: `must leave the last seed at most ${MAX_SEED}, got ${seeds} seeds from ${first}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Array.from({ length: seeds as number }, (_, index) => first + index);
}

/**
 * A seed derived from `seed` and a `label`: a whole number from 0 to 2^32 - 1 that
 * depends on both, for an experiment that needs independent seeds inside one trial
 * (one per replica, one per workload). Same inputs, same seed.
 *
 * @example
 * ```ts
 * const seed = 1;
 * const workloadSeed = deriveSeed(seed, "workload");
 * const faultSeed = deriveSeed(seed, "faults");
 * ```
 */
export function deriveSeed(seed: number, label: string): number {
  return new Random(seed, `derive:${label}`).uint32();
}

/**
 * Validates a sweep without running it: the seeds, then every parameter combination,
 * so a bad value fails before any trial runs. Errors are ConfigErrors naming the value:
 * `params.k: must be at least 1, got 0` for a shared parameter, `grid.k[2]: ...` for the
 * third value of a swept one, `params.foo: is not a known field` for a name the
 * experiment does not have (whether or not its schema is strict).
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 *
 * const plan = planSweep(pingRtt, { grid: { nodes: [3, 5] }, seeds: 10 });
 * plan.trials; // 20
 * ```
 */
export function planSweep<S extends ParamsSchema>(
  experiment: Experiment<S, Row>,
  options: SweepOptions<S> = {},
): SweepPlan<S> {
  const seeds = seedList(options.seeds ?? 1, options.seed ?? 1);
  const params = (options.params ?? {}) as Record<string, unknown>;
  const grid = (options.grid ?? {}) as Record<string, unknown>;
  const schema = experiment.params;
  const shape = schema.shape as Record<string, z.core.$ZodType>;
  const issues: ConfigIssue[] = [];

  if (!isPlainObject(params)) {
    throw new ConfigError([{
      path: "params",
      message: `must be an object, got ${formatValue(params)}`,
    }]);
  }
  if (!isPlainObject(grid)) {
    throw new ConfigError([{
      path: "grid",
      message: `must be an object, got ${formatValue(grid)}`,
    }]);
  }
  for (const key of Object.keys(params)) {
    if (!Object.hasOwn(shape, key)) issues.push(unknownKey("params", key, schema));
  }
  for (const [key, values] of Object.entries(grid)) {
    if (!Object.hasOwn(shape, key)) issues.push(unknownKey("grid", key, schema));
    else if (Object.hasOwn(params, key)) {
      issues.push({
        path: `grid.${key}`,
        message: "is also given in params; give it in one place",
      });
    } else if (!Array.isArray(values) || values.length === 0) {
      issues.push({
        path: `grid.${key}`,
        message: `must be a non-empty list of values, got ${formatValue(values)}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const keys = Object.keys(grid);
  const lists = keys.map((key) => grid[key] as readonly unknown[]);
  const pointCount = lists.reduce((product, list) => product * list.length, 1);
  if (pointCount * seeds.length > MAX_SWEEP_TRIALS) {
    throw new ConfigError([{
      path: "grid",
      message: `asks for ${pointCount} points × ${seeds.length} seeds = ` +
        `${pointCount * seeds.length} trials, more than the ${MAX_SWEEP_TRIALS} one sweep may run`,
    }]);
  }
  const points: SweepPoint<S>[] = [];
  const seen = new Set<string>();
  for (const indices of cartesian(lists.map((list) => list.length))) {
    const input: Record<string, unknown> = { ...params };
    const cells: Record<string, Cell> = {};
    keys.forEach((key, k) => {
      const value = (lists[k] as readonly unknown[])[indices[k] as number];
      input[key] = value;
      cells[key] = toCell(value);
    });
    const result = schema.safeParse(input, { reportInput: true });
    if (result.success) {
      points.push({ index: points.length, cells, input, params: result.data });
      continue;
    }
    for (const issue of result.error.issues) {
      const described = describeSweepIssue(issue, { keys, indices, shape, schema });
      const text = `${described.path}: ${described.message}`;
      if (!seen.has(text)) {
        seen.add(text);
        issues.push(described);
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { points, seeds, trials: points.length * seeds.length };
}

/**
 * Runs `experiment` once per grid point and seed and returns every row, each tagged with
 * its `seed` and the swept parameters' values (objects as JSON text).
 *
 * - Validation first: every parameter combination and seed is checked before any trial
 *   runs (see {@link planSweep} for the error paths).
 * - Order: grid point outer, seed inner; within a trial, the trial's own row order.
 *   Every grid point runs the same seeds (common random numbers), so differences between
 *   points come from the parameters, not from the luck of the draw.
 * - Columns: `seed`, the swept parameters, then the trial's fields. When a trial row
 *   already has one of those keys, the trial's value wins (the column keeps its place).
 * - Same experiment and options, same rows, in the same order.
 * - A trial that throws stops the sweep with a {@link TrialError} naming its seed and
 *   grid point; progress then ends in the "failed" state.
 * - In a notebook, {@link sweepAsync} does the same and also makes sure the saved output
 *   keeps the final progress line.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plot } from "../viz/figure.ts";
 * import { pingRtt } from "./ping_rtt.ts";
 *
 * const rows = sweep(pingRtt, { grid: { lossProbability: [0, 0.1] }, seeds: 5 });
 * plot({ marks: [Plot.boxX(rows, { x: "rttMs", y: "lossProbability" })] });
 * ```
 */
export function sweep<S extends ParamsSchema, R extends Row>(
  experiment: Experiment<S, R>,
  options: SweepOptions<S> = {},
): SweepRow<R>[] {
  const plan = planSweep(experiment, options);
  return runSweepPlan(experiment, plan, { progress: options.progress });
}

/** Options for {@link runSweepPlan}. */
export interface RunSweepPlanOptions<R extends Row = Row> {
  /** Where to report progress; see {@link SweepOptions.progress}. */
  readonly progress?: ProgressSink | boolean | undefined;
  /**
   * Receives each trial's rows, in order, as soon as the trial ends; they are then not
   * kept, and the sweep returns an empty list. For long sweeps that write rows out.
   */
  readonly onRows?: ((rows: readonly SweepRow<R>[]) => void) | undefined;
}

/**
 * Runs a sweep validated by {@link planSweep}: what {@link sweep} does after validation.
 * Useful to tell a bad parameter (thrown by `planSweep`) from a failing trial (thrown
 * here as a {@link TrialError}).
 */
export function runSweepPlan<S extends ParamsSchema, R extends Row>(
  experiment: Experiment<S, R>,
  plan: SweepPlan<S>,
  options: RunSweepPlanOptions<R> = {},
): SweepRow<R>[] {
  const sink = resolveProgress(options.progress, plan.trials, AUTO_PROGRESS_MIN_TRIALS);
  const steps = sweepSteps(experiment, plan, sink, options.onRows);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link sweep}, giving the event loop a turn after each progress update: the same rows,
 * validation and errors, as a promise. In a notebook, Deno's kernel sends display
 * updates in the background; these turns let every update, the final "done" line
 * included, go out before the cell finishes, so the saved notebook keeps that line.
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 *
 * const rows = await sweepAsync(pingRtt, { grid: { nodes: [3, 5, 9] }, seeds: 50 });
 * ```
 */
export async function sweepAsync<S extends ParamsSchema, R extends Row>(
  experiment: Experiment<S, R>,
  options: SweepOptions<S> = {},
): Promise<SweepRow<R>[]> {
  const plan = planSweep(experiment, options);
  const sink = resolveProgress(options.progress, plan.trials, AUTO_PROGRESS_MIN_TRIALS);
  const steps = sweepSteps(experiment, plan, sink);
  for (;;) {
    let step: IteratorResult<void, SweepRow<R>[]>;
    try {
      step = steps.next();
    } catch (error) {
      if (sink !== undefined) await eventLoopTurn(); // let the "failed" state out first
      throw error;
    }
    if (sink !== undefined) await eventLoopTurn();
    if (step.done) return step.value;
  }
}

/**
 * The sweep's loop: runs every trial in order, pausing (yielding) after each progress
 * report so an async caller can let the display catch up. Throws a TrialError, after a
 * "failed" report, when a trial throws.
 */
function* sweepSteps<S extends ParamsSchema, R extends Row>(
  experiment: Experiment<S, R>,
  plan: SweepPlan<S>,
  sink: ProgressSink | undefined,
  onRows?: (rows: readonly SweepRow<R>[]) => void,
): Generator<void, SweepRow<R>[]> {
  const total = plan.trials;
  // At most about a hundred updates, however long the sweep: a notebook or a terminal
  // redraw per trial would cost more than a fast trial does.
  const every = Math.max(1, Math.ceil(total / 100));
  const rows: SweepRow<R>[] = [];
  let rowCount = 0;
  const report = (done: number, status: ProgressState["status"]) =>
    sink?.update({
      label: experiment.name,
      done,
      total,
      rows: rowCount,
      points: plan.points.length,
      seeds: plan.seeds.length,
      status,
    });
  report(0, "running");
  yield;
  let done = 0;
  for (const point of plan.points) {
    for (const seed of plan.seeds) {
      let trialRows: R[];
      try {
        trialRows = experiment.trial(point.params, seed);
      } catch (error) {
        report(done, "failed");
        throw new TrialError(experiment.name, { seed, cells: point.cells }, error);
      }
      const tagged = trialRows.map((row) => ({ seed, ...point.cells, ...row }) as SweepRow<R>);
      rowCount += tagged.length;
      if (onRows !== undefined) onRows(tagged);
      else for (const row of tagged) rows.push(row);
      done++;
      if (done % every === 0 && done < total) {
        report(done, "running");
        yield;
      }
    }
  }
  report(done, "done");
  return rows;
}

/**
 * Resolves after one turn of the event loop, so pending I/O (a notebook display update)
 * goes out. A message channel rather than a timer: no timers in the library.
 */
function eventLoopTurn(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

// ---- helpers ---------------------------------------------------------------------------

/** A grid value as a row cell: primitives as they are, anything else as JSON text. */
function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return JSON.stringify(value) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every combination of indices for lists of the given lengths, the last varying fastest. */
function* cartesian(lengths: readonly number[]): Generator<number[]> {
  const indices = lengths.map(() => 0);
  for (;;) {
    yield indices.slice();
    let position = lengths.length - 1;
    while (position >= 0) {
      indices[position] = (indices[position] as number) + 1;
      if ((indices[position] as number) < (lengths[position] as number)) break;
      indices[position] = 0;
      position--;
    }
    if (position < 0) return;
  }
}

function unknownKey(root: string, key: string, schema: ParamsSchema): ConfigIssue {
  const issue = {
    code: "unrecognized_keys",
    keys: [key],
    path: [],
    message: "",
    input: undefined,
  } as unknown as z.core.$ZodIssue;
  return describeIssue(issue, { root, schema });
}

interface SweepIssueContext {
  readonly keys: readonly string[];
  readonly indices: readonly number[];
  readonly shape: Record<string, z.core.$ZodType>;
  readonly schema: ParamsSchema;
}

/** Names an issue by where the bad value was written: `grid.k[2]...` or `params.k...`. */
function describeSweepIssue(issue: z.core.$ZodIssue, context: SweepIssueContext): ConfigIssue {
  const head = issue.path[0];
  const k = typeof head === "string" ? context.keys.indexOf(head) : -1;
  if (k < 0) return describeIssue(issue, { root: "params", schema: context.schema });
  const key = head as string;
  return describeIssue(
    { ...issue, path: issue.path.slice(1) } as z.core.$ZodIssue,
    { root: `grid.${key}[${context.indices[k]}]`, schema: context.shape[key] },
  );
}
