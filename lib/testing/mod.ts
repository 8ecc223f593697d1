/**
 * The trial harness every protocol shares. A protocol writes only what is its own: how
 * to build its cluster and clients, its named invariants, where to aim faults, what
 * liveness means after faults heal, and its row; the harness runs the trial, injects a
 * nemesis drawn from the seed, checks the invariants during the run and the history at
 * the end, and reports any failure as one {@link TrialFailure} with its replay line.
 *
 * - {@link defineTrial} / {@link runTrial}: one trial as data, and one run of it.
 * - {@link invariant}: a named property checked after every event (or on a cadence).
 * - {@link planNemesis} / {@link applyNemesis} / {@link aimAt}: fault schedules from a seed,
 *   aimed by a hook ("hunt the leader"); {@link nemesisParams} / {@link nemesisFromParams}:
 *   the nemesis' knobs as trial parameters, declared once.
 * - {@link faultSweep} / {@link caughtWithin}: many seeds over fault profiles; a broken
 *   variant caught within a seed budget.
 * - {@link FakeContext}: a hand-driven node context for handler-level tests.
 * - {@link replayCommand}: the line that replays a trial.
 *
 * A trial becomes an experiment (`deno task exp run NAME`, one row per seed) with
 * `trialExperiment` in lib/experiments. A protocol's trial is usually a function of its
 * plug-in options (`raftKvTrial({ commitRule })`): defining a trial is cheap, running it
 * is what costs.
 *
 * ```ts ignore
 * import { caughtWithin, defineTrial, faultSweep, invariant } from "../lib/testing/mod.ts";
 * ```
 *
 * @module
 */
export * from "./fake_context.ts";
export * from "./failure.ts";
export * from "./fault_sweep.ts";
export * from "./invariant.ts";
export * from "./nemesis.ts";
export * from "./nemesis_params.ts";
export * from "./replay.ts";
export * from "./trial.ts";
