/**
 * A trial over many seeds and fault profiles: {@link faultSweep} returns tidy rows (one
 * per seed) and every failure with its replay line; {@link caughtWithin} is how a test
 * proves a deliberately broken variant is caught within a budget of seeds.
 *
 * @module
 */
import type { z } from "zod";
import { parseConfig } from "../config/mod.ts";
import { describeFailure, type TrialFailure } from "./failure.ts";
import {
  runTrial,
  type Trial,
  type TrialParamsSchema,
  type TrialResult,
  type TrialSystem,
} from "./trial.ts";

/**
 * Fault profiles: named parameter sets that stress different parts of a protocol, or a
 * list of them (then named by their index).
 */
export type FaultProfiles<Input> =
  | Readonly<Record<string, Input>>
  | readonly Input[];

/** Options of {@link faultSweep}. */
export interface FaultSweepOptions<
  Input,
  Result = TrialResult<unknown, unknown, unknown>,
> {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /**
   * Profiles to cycle through: seed `s` runs profile number `s % count`, with `params` on
   * top. Default one profile, the trial's defaults.
   */
  readonly profiles?: FaultProfiles<Input>;
  /** Parameters on top of every profile. Default none. */
  readonly params?: Input;
  /** Stop at the first failure. Default false. */
  readonly stopAtFirstFailure?: boolean;
  /** Keep each trial's trace. Default false. */
  readonly record?: boolean;
  /** Fill each failure's excerpt by running it again, recording. Default true. */
  readonly excerpt?: boolean;
  /** Called after each trial (progress, collecting more than the row). */
  readonly onTrial?: (result: Result, profile: string) => void;
}

/** One row of a sweep: the trial's row with its seed and profile in front. */
export type FaultSweepRow<Row> = { readonly seed: number; readonly profile: string } & Row;

/** What a sweep found. */
export interface FaultSweepResult<Row> {
  /** Trials run. */
  readonly trials: number;
  /** Every failure, in seed order (at most one with `stopAtFirstFailure`). */
  readonly failures: readonly TrialFailure[];
  /** Trials whose history checker gave up (neither proven nor refuted). */
  readonly unknown: number;
  /** One row per trial, in seed order. */
  readonly rows: readonly FaultSweepRow<Row>[];
}

/**
 * Runs `trial` over many seeds, cycling through fault profiles. Every profile is
 * validated before the first trial runs.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Simulation } from "../sim/simulation.ts";
 * import { invariant } from "./invariant.ts";
 * import { defineTrial } from "./trial.ts";
 * import { faultSweep } from "./fault_sweep.ts";
 *
 * // Ticks once a millisecond; the invariant says the count stays within the limit.
 * type Ticks = { simulation: Simulation; count: number; limit: number };
 * const ticks = defineTrial({
 *   name: "ticks",
 *   params: z.strictObject({ limit: z.number().default(3) }),
 *   build: ({ params, seed, record, replay }): Ticks => {
 *     const state = { simulation: new Simulation({ seed, record, replay }), count: 0, ...params };
 *     for (let t = 1; t <= 5; t++) state.simulation.at(t, () => state.count++);
 *     return state;
 *   },
 *   invariants: [
 *     invariant("count within the limit", (s: Ticks) =>
 *       s.count > s.limit ? `count is ${s.count}` : undefined),
 *   ],
 *   untilMs: () => 10,
 *   row: ({ system }) => ({ count: system.count }),
 * });
 * const result = faultSweep(ticks, {
 *   seeds: 10,
 *   profiles: { small: { limit: 3 }, large: { limit: 10 } },
 * });
 * result.failures.map((failure) => failure.seed); // the seeds of profile "small": [2, 4, ...]
 * ```
 */
export function faultSweep<Schema extends TrialParamsSchema, S extends TrialSystem, Row>(
  trial: Trial<Schema, S, Row>,
  options: FaultSweepOptions<z.input<Schema>, TrialResult<S, z.output<Schema>, Row>> = {},
): FaultSweepResult<Row> {
  const seeds = sweepSeeds(options.seeds, options.firstSeed);
  const profiles = profileList(options.profiles).map(([name, profile]) =>
    [
      name,
      parseConfig(
        trial.params,
        { ...profile as object, ...options.params as object },
        `profiles.${name}`,
      ),
    ] as const
  );
  const failures: TrialFailure[] = [];
  const rows: FaultSweepRow<Row>[] = [];
  let unknown = 0;
  for (const seed of seeds) {
    const [name, params] = profiles[seed % profiles.length]!;
    const result = runTrial(trial, params as z.input<Schema>, seed, {
      ...(options.record === undefined ? {} : { record: options.record }),
      ...(options.excerpt === undefined ? {} : { excerpt: options.excerpt }),
    });
    rows.push({ seed, profile: name, ...result.row });
    if (result.history?.valid === "unknown") unknown++;
    options.onTrial?.(result, name);
    if (result.failure !== undefined) {
      failures.push(result.failure);
      if (options.stopAtFirstFailure) break;
    }
  }
  return { trials: rows.length, failures, unknown, rows };
}

/** Options of {@link caughtWithin}. */
export interface CaughtWithinOptions<Input> {
  /** The first seed. Default 1. */
  readonly firstSeed?: number;
  /** Profiles to cycle through, as in {@link faultSweep}. Default the trial's defaults. */
  readonly profiles?: FaultProfiles<Input>;
  /** Parameters on top of every profile (the broken variant's switch). */
  readonly params?: Input;
  /** Fill the failure's excerpt by running it again, recording. Default true. */
  readonly excerpt?: boolean;
}

/**
 * Proves a broken variant is caught: sweeps seeds `firstSeed` to `firstSeed + budget - 1`
 * and returns the first failure. Throws an Error naming the budget when no seed fails, so
 * a mutation test reads `const failure = caughtWithin(trial, 200, { params: { bug: true } })`
 * and then asserts what kind of failure it is.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Simulation } from "../sim/simulation.ts";
 * import { invariant } from "./invariant.ts";
 * import { defineTrial } from "./trial.ts";
 * import { caughtWithin } from "./fault_sweep.ts";
 *
 * // Ticks once a millisecond; the invariant says the count stays within the limit.
 * type Ticks = { simulation: Simulation; count: number; limit: number };
 * const ticks = defineTrial({
 *   name: "ticks",
 *   params: z.strictObject({ limit: z.number().default(3) }),
 *   build: ({ params, seed, record, replay }): Ticks => {
 *     const state = { simulation: new Simulation({ seed, record, replay }), count: 0, ...params };
 *     for (let t = 1; t <= 5; t++) state.simulation.at(t, () => state.count++);
 *     return state;
 *   },
 *   invariants: [
 *     invariant("count within the limit", (s: Ticks) =>
 *       s.count > s.limit ? `count is ${s.count}` : undefined),
 *   ],
 *   untilMs: () => 10,
 *   row: ({ system }) => ({ count: system.count }),
 * });
 * const failure = caughtWithin(ticks, 50, { params: { limit: 1 } });
 * failure.seed; // 1: every seed shows this bug
 * ```
 */
export function caughtWithin<Schema extends TrialParamsSchema, S extends TrialSystem, Row>(
  trial: Trial<Schema, S, Row>,
  budget: number,
  options: CaughtWithinOptions<z.input<Schema>> = {},
): TrialFailure {
  if (!(Number.isInteger(budget) && budget >= 1)) {
    throw new RangeError(
      `Cannot sweep for a failure: budget must be a whole number at least 1, got ${budget}`,
    );
  }
  const first = options.firstSeed ?? 1;
  const result = faultSweep(trial, {
    seeds: budget,
    firstSeed: first,
    stopAtFirstFailure: true,
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.excerpt === undefined ? {} : { excerpt: options.excerpt }),
  });
  const failure = result.failures[0];
  if (failure === undefined) {
    throw new Error(
      `Cannot catch the variant of ${trial.name} within ${budget} seeds ` +
        `(${first} to ${first + budget - 1}): every trial passed`,
    );
  }
  return failure;
}

/** {@link describeFailure} for each failure, separated by blank lines ("" for none). */
export function describeFailures(failures: readonly TrialFailure[]): string {
  return failures.map((failure) => describeFailure(failure)).join("\n\n");
}

function sweepSeeds(seeds: number | readonly number[] | undefined, first = 1): number[] {
  if (Array.isArray(seeds)) {
    const bad = seeds.find((seed) => !(Number.isInteger(seed) && seed >= 0));
    if (bad !== undefined) {
      throw new RangeError(`Cannot sweep: seeds must be whole numbers at least 0, got ${bad}`);
    }
    return [...seeds];
  }
  const count = (seeds as number | undefined) ?? 100;
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`Cannot sweep: seeds must be a whole number at least 0, got ${count}`);
  }
  if (!(Number.isInteger(first) && first >= 0)) {
    throw new RangeError(`Cannot sweep: firstSeed must be a whole number at least 0, got ${first}`);
  }
  return Array.from({ length: count }, (_, i) => first + i);
}

function profileList<Input>(profiles: FaultProfiles<Input> | undefined): [string, Input][] {
  if (profiles === undefined) return [["default", {} as Input]];
  const list: [string, Input][] = Array.isArray(profiles)
    ? profiles.map((profile, i) => [String(i), profile])
    : Object.entries(profiles as Readonly<Record<string, Input>>);
  if (list.length === 0) {
    throw new RangeError("Cannot sweep: profiles must hold at least one parameter set");
  }
  return list;
}
