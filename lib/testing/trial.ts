/**
 * A trial as data: how to build the system (a simulation with its nodes and clients),
 * the fault schedule, the named invariants checked during the run, the liveness
 * condition after the faults heal, and the checker of the clients' history. One
 * {@link runTrial} runs any protocol's trial the same way and reports any failure as one
 * {@link TrialFailure}.
 *
 * A run goes: build; schedule the nemesis; run until the last fault has healed; start
 * the liveness probe and run until it holds (bounded); run on to the trial's end; check
 * the final-state invariants; check the history.
 *
 * @module
 */
import type { z } from "zod";
import { parseConfig } from "../config/mod.ts";
import {
  checkLinearizable,
  type LinearizabilityResult,
  type ModelName,
} from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { SimulationError } from "../sim/errors.ts";
import type { Fault } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import type { Simulation } from "../sim/simulation.ts";
import { describeRecord } from "../sim/trace.ts";
import type { TrialFailure } from "./failure.ts";
import { type Invariant, watchInvariants } from "./invariant.ts";
import { applyNemesis, type NemesisAim, type NemesisPlanOptions, planNemesis } from "./nemesis.ts";
import { replayCommand } from "./replay.ts";

/**
 * A zod schema of a trial's parameters: an object whose fields all have defaults (the
 * same shape as an experiment's, so a trial is an experiment too).
 */
export type TrialParamsSchema = z.ZodObject;

/** What a trial builds: a simulation, and the clients' history if it records one. */
export interface TrialSystem {
  /** The simulation the trial runs. */
  // deno-lint-ignore no-explicit-any
  readonly simulation: Simulation<any>;
  /** The history the clients recorded (checked by the trial's history checker). */
  readonly history?: History;
}

/** What `build` and the other hooks of a trial are given. */
export interface TrialSetup<P> {
  /** The parameters, validated, defaults applied. */
  readonly params: P;
  /** The trial's seed: build the simulation with it. */
  readonly seed: number;
  /** Whether to keep the trace (false in sweeps). */
  readonly record: boolean;
  /** The line that replays this trial: give it to the simulation as its `replay`. */
  readonly replay: string;
}

/** The faults a trial injects: a plan drawn from the seed, aimed by a hook. */
export interface TrialNemesis extends NemesisPlanOptions {
  /** The nodes faults may hit (servers, not clients). */
  readonly nodes: readonly NodeId[];
  /** Chooses each fault's target as it starts (e.g. `aimAt(() => leader, 0.5)`). Default: any node. */
  readonly aim?: NemesisAim;
  /** Largest clock step, either way, in ms. Default 1000. */
  readonly maxClockJumpMs?: number;
}

/**
 * What must happen once the faults have healed: after `start`, `holds` must become true
 * within `withinMs`, or the trial fails with a liveness failure named `name`.
 */
export interface TrialLiveness<S, P> {
  /** What must happen, as failures name it ("a committed write after the faults healed"). */
  readonly name: string;
  /** The bound, in virtual ms from the moment the last fault healed. */
  readonly withinMs: (params: P, system: S) => number;
  /** Called after build, before the run (add a probe client). */
  readonly prepare?: (system: S, setup: TrialSetup<P>) => void;
  /** Called once the last fault has healed (submit the probe's operation). */
  readonly start?: (system: S) => void;
  /** Whether the condition holds (checked after every event while waiting). */
  readonly holds: (system: S) => boolean;
  /** The system's state in a few words, for the failure's message. */
  readonly explain?: (system: S) => string;
}

/** The verdict of a history checker on one history. */
export interface HistoryVerdict {
  /** The checker's name ("linearizability"). */
  readonly checker: string;
  /** True: the history passes; false: refuted; "unknown": the checker gave up. */
  readonly valid: boolean | "unknown";
  /** For a refuted history, what is wrong, in words. */
  readonly message?: string;
  /** For a refuted history, when the operation that shows it completed, in virtual ms. */
  readonly timeMs?: number;
  /** For a refuted history, the operations around the one that shows it. */
  readonly excerpt?: readonly string[];
  /** The linearizability checker's full result, when that was the checker. */
  readonly linearizability?: LinearizabilityResult;
}

/** A history checker: its name and a function from a history to a verdict. */
export interface HistoryChecker {
  /** The checker's name, as failures report it. */
  readonly name: string;
  /** Checks a history. */
  readonly check: (history: History) => HistoryVerdict;
}

/**
 * The linearizability checker for a model (`register`: one register; `kv`: a register
 * per key), as a trial's history checker.
 *
 * @example
 * ```ts
 * import { linearizability } from "./trial.ts";
 *
 * linearizability("kv").check([]).valid; // true
 * ```
 */
export function linearizability(model: ModelName = "register"): HistoryChecker {
  return {
    name: "linearizability",
    check: (history) => {
      const result = checkLinearizable(history, { model });
      const evidence = result.evidence;
      if (result.valid !== false) {
        return { checker: "linearizability", valid: result.valid, linearizability: result };
      }
      return {
        checker: "linearizability",
        valid: false,
        message: evidence?.summary ?? "the history is not linearizable",
        ...(evidence?.failedAtTime === undefined ? {} : { timeMs: evidence.failedAtTime }),
        excerpt: evidence === undefined ? [] : [
          ...evidence.linearized.slice(-4).map((op) => op.label),
          `✗ ${evidence.operation.label}`,
        ],
        linearizability: result,
      };
    },
  };
}

/** Everything a trial's `row` function can read. */
export interface TrialOutcome<S, P> {
  /** The seed. */
  readonly seed: number;
  /** The parameters, with defaults applied. */
  readonly params: P;
  /** The system as the run left it. */
  readonly system: S;
  /** The faults the nemesis applied, in order. */
  readonly faults: readonly Fault[];
  /** How the trial failed, or undefined. */
  readonly failure: TrialFailure | undefined;
  /** From the last fault's end to the moment the liveness condition held, in ms (null: never or no liveness). */
  readonly recoveryMs: number | null;
  /** The history checker's verdict (undefined: no history or no checker). */
  readonly history: HistoryVerdict | undefined;
}

/** How to run one protocol's trial; see {@link defineTrial}. */
export interface TrialSpec<Schema extends TrialParamsSchema, S extends TrialSystem, Row> {
  /** The trial's name: the experiment its replay line runs (`deno task exp run NAME`). */
  readonly name: string;
  /** The parameters' schema: every field has a default, so `{}` is a valid input. */
  readonly params: Schema;
  /** Builds the system for one seed: the simulation, its nodes and clients (the workload). */
  readonly build: (setup: TrialSetup<z.output<Schema>>) => S;
  /** The faults to inject, or undefined for none. Default none. */
  readonly nemesis?: (system: S, setup: TrialSetup<z.output<Schema>>) => TrialNemesis | undefined;
  /** Named invariants checked during the run. Default none. */
  readonly invariants?: readonly Invariant<S>[];
  /** What must happen once the faults have healed. Default: nothing is required. */
  readonly liveness?: TrialLiveness<S, z.output<Schema>>;
  /** Named invariants checked once, at the end of a run that did not fail (slow, direct checks). */
  readonly finalChecks?: readonly Invariant<S>[];
  /**
   * Checks the system's history: a checker, or false for none. Default: linearizability
   * of one register, when the system has a history.
   */
  readonly history?: HistoryChecker | false;
  /** The run goes on at least until this virtual time, in ms. Default: until the liveness check ends. */
  readonly untilMs?: (params: z.output<Schema>) => number;
  /** The experiment's row for one trial. */
  readonly row: (outcome: TrialOutcome<S, z.output<Schema>>) => Row;
  /**
   * The line that replays a trial. Default `deno task exp run NAME --seed N` with the
   * parameters that differ from their defaults.
   */
  readonly replay?: (params: z.output<Schema>, seed: number) => string;
}

/** A defined trial: its spec, with the parameter defaults worked out once. */
export interface Trial<Schema extends TrialParamsSchema, S extends TrialSystem, Row>
  extends TrialSpec<Schema, S, Row> {
  /** The parameters with every default applied. */
  readonly defaults: z.output<Schema>;
}

/**
 * Defines a trial. Checks the spec's shape and that the parameters' defaults parse; runs
 * nothing.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Simulation } from "../sim/simulation.ts";
 * import { invariant } from "./invariant.ts";
 * import { defineTrial, runTrial } from "./trial.ts";
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
 * runTrial(ticks, {}, 1).failure?.invariant; // "count within the limit"
 * runTrial(ticks, { limit: 5 }, 1).row; // { count: 5 }
 * ```
 */
export function defineTrial<Schema extends TrialParamsSchema, S extends TrialSystem, Row>(
  spec: TrialSpec<Schema, S, Row>,
): Trial<Schema, S, Row> {
  if (typeof spec.name !== "string" || spec.name === "") {
    throw new TypeError("Cannot define a trial: name must be a non-empty string");
  }
  for (const hook of ["build", "row"] as const) {
    if (typeof spec[hook] !== "function") {
      throw new TypeError(`Cannot define trial ${spec.name}: ${hook} must be a function`);
    }
  }
  const names = [...spec.invariants ?? [], ...spec.finalChecks ?? []].map((inv) => inv.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    throw new RangeError(`Cannot define trial ${spec.name}: two invariants are named "${twice}"`);
  }
  const defaults = parseConfig(spec.params, {}, "params") as z.output<Schema>;
  return { ...spec, defaults };
}

/** Options of {@link runTrial}. */
export interface RunTrialOptions {
  /** Keep the trace, to draw the run. Default false. */
  readonly record?: boolean;
  /** The replay line of a failure. Default: the trial's. */
  readonly replay?: string;
  /**
   * When an unrecorded run fails, run it again recording, to fill the failure's excerpt
   * with the last trace records. Default true.
   */
  readonly excerpt?: boolean;
}

/** A finished trial. */
export interface TrialResult<S, P, Row> extends TrialOutcome<S, P> {
  /** The trial's name. */
  readonly trial: string;
  /** The experiment's row. */
  readonly row: Row;
}

/** How many trace records a failure's excerpt keeps. */
const EXCERPT_RECORDS = 8;

/**
 * Runs one trial of `trial` with `params` (validated; a bad value throws a ConfigError
 * naming it) and `seed`. Never throws for a protocol failure: it comes back in `failure`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Simulation } from "../sim/simulation.ts";
 * import { invariant } from "./invariant.ts";
 * import { defineTrial, runTrial } from "./trial.ts";
 * import { describeFailure } from "./failure.ts";
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
 * const result = runTrial(ticks, { limit: 4 }, 7);
 * if (result.failure !== undefined) console.log(describeFailure(result.failure));
 * ```
 */
export function runTrial<Schema extends TrialParamsSchema, S extends TrialSystem, Row>(
  trial: Trial<Schema, S, Row>,
  params: z.input<Schema>,
  seed: number,
  options: RunTrialOptions = {},
): TrialResult<S, z.output<Schema>, Row> {
  const p = parseConfig(trial.params, params, "params") as z.output<Schema>;
  const record = options.record ?? false;
  const replay = options.replay ?? trial.replay?.(p, seed) ??
    replayCommand(trial.name, seed, { params: p, defaults: trial.defaults });
  const setup: TrialSetup<z.output<Schema>> = { params: p, seed, record, replay };
  const system = trial.build(setup);
  const simulation = system.simulation;
  const liveness = trial.liveness;
  liveness?.prepare?.(system, setup);
  const broken = watchInvariants(simulation, system, trial.invariants ?? []);

  const plan = trial.nemesis?.(system, setup);
  const steps = plan === undefined ? [] : planNemesis(plan, new Random(seed).child("nemesis"));
  const faults = plan === undefined ? [] : applyNemesis(
    simulation,
    steps,
    new Random(seed).child("nemesis-targets"),
    {
      nodes: plan.nodes,
      ...(plan.aim === undefined ? {} : { aim: plan.aim }),
      ...(plan.maxClockJumpMs === undefined ? {} : { maxClockJumpMs: plan.maxClockJumpMs }),
    },
  );

  const failed = (
    kind: TrialFailure["kind"],
    invariant: string,
    message: string,
    timeMs: number,
    excerpt: readonly string[] = [],
  ): TrialFailure => ({
    trial: trial.name,
    seed,
    timeMs,
    kind,
    invariant,
    message,
    excerpt,
    replay,
  });

  let failure: TrialFailure | undefined;
  let recoveryMs: number | null = null;
  const healedMs = steps.reduce((latest, step) => Math.max(latest, step.endMs), 0);
  const untilMs = trial.untilMs?.(p) ?? 0;
  try {
    simulation.runUntil(healedMs);
    if (liveness !== undefined) {
      liveness.start?.(system);
      const heldAt = simulation.runUntilTrue(() => liveness.holds(system), {
        withinMs: liveness.withinMs(p, system),
        description: liveness.name,
        ...(liveness.explain === undefined ? {} : { explain: () => liveness.explain!(system) }),
      });
      recoveryMs = heldAt - healedMs;
    }
    if (simulation.now < untilMs) simulation.runUntil(untilMs);
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const name = error.kind === "safety"
      ? broken()?.name ?? "simulation invariant"
      : error.kind === "liveness"
      ? liveness?.name ?? "liveness"
      : error.kind;
    const kind = error.kind === "safety" || error.kind === "liveness" ? error.kind : "exception";
    failure = failed(kind, name, error.message, error.timeMs, error.excerpt);
  }
  if (failure === undefined) {
    for (const check of trial.finalChecks ?? []) {
      const problem = check.check(system);
      if (problem !== undefined) {
        failure = failed("safety", check.name, problem, simulation.now, lastRecords(simulation));
        break;
      }
    }
  }
  // Checked whatever else went wrong: a run stopped by a broken invariant has a history
  // up to that moment, and it may already show the damage.
  const checker = trial.history === undefined ? linearizability() : trial.history;
  const history = checker === false || system.history === undefined
    ? undefined
    : checker.check(system.history);
  if (history?.valid === false && failure === undefined) {
    failure = failed(
      "history",
      checker === false ? "history" : checker.name,
      history.message ?? `${history.checker} refuted the history`,
      history.timeMs ?? simulation.now,
      history.excerpt ?? [],
    );
  }
  if (
    failure !== undefined && failure.kind !== "history" && !record && (options.excerpt ?? true)
  ) {
    // The run is a function of its seed: run it again, recording, for the last records.
    const again = runTrial(trial, p as z.input<Schema>, seed, {
      ...options,
      record: true,
      excerpt: false,
    }).failure;
    if (again !== undefined && again.kind === failure.kind) {
      failure = { ...failure, excerpt: again.excerpt };
    }
  }
  const outcome: TrialOutcome<S, z.output<Schema>> = {
    seed,
    params: p,
    system,
    faults,
    failure,
    recoveryMs,
    history,
  };
  return { trial: trial.name, ...outcome, row: trial.row(outcome) };
}

// deno-lint-ignore no-explicit-any
function lastRecords(simulation: Simulation<any>): string[] {
  return simulation.trace.records.slice(-EXCERPT_RECORDS).map(describeRecord);
}
