/**
 * Named invariants: a property of a running system, checked while it runs, that names
 * itself when it breaks. The harness registers each with the simulation and remembers
 * which one broke, so a failure carries the invariant's name as data.
 *
 * @module
 */
import type { Simulation } from "../sim/simulation.ts";

/**
 * A property of system `S` that must hold throughout a run. `check` returns a sentence
 * describing a violation, or undefined while all is well.
 */
export interface Invariant<S> {
  /** The property's name, as failures report it ("election safety", "one leader per term"). */
  readonly name: string;
  /** Returns what is wrong, in a sentence, or undefined when the property holds. */
  readonly check: (system: S) => string | undefined;
  /**
   * Check every this many virtual ms instead of after every event (for a check too slow
   * to run millions of times). Default: after every event.
   */
  readonly everyMs?: number;
}

/** Options of {@link invariant}. */
export interface InvariantOptions {
  /** Check every this many virtual ms instead of after every event. Default: every event. */
  readonly everyMs?: number;
}

/**
 * A named invariant of system `S`.
 *
 * @example
 * ```ts
 * import { invariant } from "./invariant.ts";
 *
 * const bounded = invariant("count stays at most 3", (system: { count: number }) =>
 *   system.count > 3 ? `count is ${system.count}` : undefined
 * );
 * bounded.check({ count: 5 }); // "count is 5"
 * ```
 */
export function invariant<S>(
  name: string,
  check: (system: S) => string | undefined,
  options: InvariantOptions = {},
): Invariant<S> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError("Cannot define an invariant: its name must be a non-empty string");
  }
  if (typeof check !== "function") {
    throw new TypeError(`Cannot define invariant "${name}": check must be a function`);
  }
  const everyMs = options.everyMs;
  if (everyMs !== undefined && !(Number.isFinite(everyMs) && everyMs > 0)) {
    throw new RangeError(
      `Cannot define invariant "${name}": everyMs must be a positive number, got ${everyMs}`,
    );
  }
  return everyMs === undefined ? { name, check } : { name, check, everyMs };
}

/** The first invariant that broke in a run: its name and what it saw. */
export interface BrokenInvariant {
  /** The invariant's name. */
  readonly name: string;
  /** What was wrong. */
  readonly message: string;
  /** When it was seen, in virtual ms. */
  readonly timeMs: number;
}

/**
 * Registers `invariants` with `simulation`, checked against `system` after every event
 * (or every `everyMs` of virtual time for those that ask), and returns a function that
 * tells which one broke first. A broken invariant fails the run with a safety error, as
 * any invariant of the simulation does; the returned function names it without reading
 * the error's text.
 *
 * A cadenced invariant keeps one event pending at all times, so a run that waits for an
 * empty agenda (`runUntilQuiet`) never gets there: use bounded runs with it.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/simulation.ts";
 * import { invariant, watchInvariants } from "./invariant.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const state = { count: 0 };
 * const broken = watchInvariants(sim, state, [
 *   invariant("count stays at most 3", (s) => s.count > 3 ? `count is ${s.count}` : undefined),
 * ]);
 * sim.at(5, () => state.count = 4);
 * try {
 *   sim.runUntil(10);
 * } catch {
 *   broken()?.name; // "count stays at most 3"
 * }
 * ```
 */
export function watchInvariants<S>(
  // deno-lint-ignore no-explicit-any
  simulation: Simulation<any>,
  system: S,
  invariants: readonly Invariant<S>[],
): () => BrokenInvariant | undefined {
  let first: BrokenInvariant | undefined;
  const seen = new Set<string>();
  for (const inv of invariants) {
    if (seen.has(inv.name)) {
      throw new RangeError(`Cannot watch invariant "${inv.name}": two invariants share its name`);
    }
    seen.add(inv.name);
    const note = (message: string | undefined) => {
      if (message !== undefined) {
        first ??= { name: inv.name, message, timeMs: simulation.now };
      }
      return message;
    };
    const everyMs = inv.everyMs;
    if (everyMs === undefined) {
      simulation.addInvariant(inv.name, () => note(inv.check(system)));
      continue;
    }
    // Checked on a cadence: the tick stores what it saw, and the simulation's own
    // after-every-event check reports it, so the failure is a safety error like any other
    // (and `first` names the invariant the simulation actually reported).
    let seenNow: string | undefined;
    const tick = () => {
      seenNow = inv.check(system);
      if (seenNow === undefined) simulation.at(simulation.now + everyMs, tick);
    };
    simulation.addInvariant(inv.name, () => note(seenNow));
    simulation.at(simulation.now, tick);
  }
  return () => first;
}
