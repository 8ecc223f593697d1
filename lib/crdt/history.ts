/**
 * Replica histories for checking CRDTs: a list of steps (an update at a replica, or a
 * replica merging another's state), run against a CRDT, and the OR-Set's specification
 * (Shapiro et al. 2011) checked at every step. Property tests generate the steps; the
 * chapter's exercise check draws them from a seeded stream.
 *
 * @module
 */
import type { Random } from "../sim/random.ts";
import { type AnyCrdt, canonicalJson, type Crdt } from "./crdt.ts";
import type { OrSetState, SetOp } from "./sets.ts";

/** One step of a history over replicas numbered 0, 1, ... */
export type HistoryStep<Op> =
  | { readonly kind: "update"; readonly replica: number; readonly op: Op }
  | { readonly kind: "merge"; readonly replica: number; readonly from: number };

/** What running a history left. */
export interface HistoryRun<State> {
  /** Each replica's final state. */
  readonly states: readonly State[];
  /** Every state any replica held, in order (the initial one first). */
  readonly seen: readonly State[];
  /** Every update's delta, in the order made. */
  readonly deltas: readonly State[];
}

/** Replica ids used by histories: "r0", "r1", ... */
export const historyReplica = (index: number): string => `r${index}`;

/**
 * Runs `steps` on `replicas` replicas of `crdt`, all starting at the initial state.
 *
 * @example
 * ```ts
 * import { gCounter } from "./counters.ts";
 *
 * runHistory(gCounter, 2, [{ kind: "update", replica: 0, op: 1 }, { kind: "merge", replica: 1, from: 0 }]);
 * ```
 */
export function runHistory<S, O, V>(
  crdt: Crdt<S, O, V>,
  replicas: number,
  steps: readonly HistoryStep<O>[],
): HistoryRun<S> {
  const states = Array.from({ length: replicas }, () => crdt.initial());
  const seen: S[] = [crdt.initial()];
  const deltas: S[] = [];
  for (const step of steps) {
    const state = states[step.replica] as S;
    if (step.kind === "update") {
      const delta = crdt.delta(state, historyReplica(step.replica), step.op);
      deltas.push(delta);
      states[step.replica] = crdt.merge(state, delta);
    } else {
      states[step.replica] = crdt.merge(state, states[step.from] as S);
    }
    seen.push(states[step.replica] as S);
  }
  return { states, seen, deltas };
}

/** Options of {@link randomHistory}. */
export interface RandomHistoryOptions {
  /** Replicas. Default 3. */
  readonly replicas?: number;
  /** Steps. Default 30. */
  readonly steps?: number;
  /** Probability that a step is a merge. Default 0.3. */
  readonly mergeProbability?: number;
}

/**
 * A random history for `crdt`, drawing each update with `crdt.randomOp` at the state the
 * replica holds then (so removes name elements it has).
 */
export function randomHistory(
  crdt: AnyCrdt,
  random: Random,
  options: RandomHistoryOptions = {},
): HistoryStep<unknown>[] {
  const replicas = options.replicas ?? 3;
  const states = Array.from({ length: replicas }, () => crdt.initial());
  const steps: HistoryStep<unknown>[] = [];
  for (let i = 0; i < (options.steps ?? 30); i++) {
    const replica = random.int(0, replicas);
    if (replicas > 1 && random.chance(options.mergeProbability ?? 0.3)) {
      const from = (replica + random.int(1, replicas)) % replicas;
      steps.push({ kind: "merge", replica, from });
      states[replica] = crdt.merge(states[replica], states[from]);
    } else {
      const op = crdt.randomOp(random, states[replica], i);
      steps.push({ kind: "update", replica, op });
      states[replica] = crdt.merge(
        states[replica],
        crdt.delta(states[replica], historyReplica(replica), op),
      );
    }
  }
  return steps;
}

/** A place where a set's value left its specification. */
export interface OrSetViolation {
  /** Index of the step after which the value was wrong. */
  readonly step: number;
  /** The replica. */
  readonly replica: number;
  /** What the specification says the replica should read. */
  readonly expected: readonly string[];
  /** What it read. */
  readonly actual: readonly string[];
}

/**
 * Runs `steps` on `crdt` and checks each replica's value after every step against the
 * OR-Set specification: an element is present when the replica knows an add of it that
 * no remove it knows had observed (a remove observes the adds its replica knew). Returns
 * the first violation, or undefined.
 *
 * @example
 * ```ts
 * import { makeOrSet, orSet, type SetOp } from "./sets.ts";
 *
 * // Replica 0 adds x and removes it; replica 1 adds x concurrently, then merges.
 * const steps: HistoryStep<SetOp>[] = [
 *   { kind: "update", replica: 0, op: { kind: "add", element: "x" } },
 *   { kind: "update", replica: 0, op: { kind: "remove", element: "x" } },
 *   { kind: "update", replica: 1, op: { kind: "add", element: "x" } },
 *   { kind: "merge", replica: 1, from: 0 },
 * ];
 * checkOrSetHistory(orSet, 2, steps); // undefined
 * checkOrSetHistory(makeOrSet({ removeBy: "element" }), 2, steps);
 * // { step: 3, replica: 1, expected: ["x"], actual: [] }: the remove took b's unseen add
 * ```
 */
export function checkOrSetHistory(
  crdt: Crdt<OrSetState, SetOp, readonly string[]>,
  replicas: number,
  steps: readonly HistoryStep<SetOp>[],
): OrSetViolation | undefined {
  type Event =
    | { readonly kind: "add"; readonly element: string }
    | { readonly kind: "remove"; readonly element: string; readonly observed: ReadonlySet<number> };
  const events: Event[] = [];
  const known = Array.from({ length: replicas }, () => new Set<number>());
  const states = Array.from({ length: replicas }, () => crdt.initial());
  const spec = (r: number): string[] => {
    const covered = new Set<number>();
    for (const id of known[r] as Set<number>) {
      const event = events[id] as Event;
      if (event.kind === "remove") { for (const a of event.observed) covered.add(a); }
    }
    const present = new Set<string>();
    for (const id of known[r] as Set<number>) {
      const event = events[id] as Event;
      if (event.kind === "add" && !covered.has(id)) present.add(event.element);
    }
    return [...present].sort();
  };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as HistoryStep<SetOp>;
    const r = step.replica;
    const mine = known[r] as Set<number>;
    if (step.kind === "update") {
      const id = events.length;
      if (step.op.kind === "add") events.push({ kind: "add", element: step.op.element });
      else {
        const element = step.op.element;
        const observed = new Set(
          [...mine].filter((a) => events[a]?.kind === "add" && events[a]?.element === element),
        );
        events.push({ kind: "remove", element, observed });
      }
      mine.add(id);
      const state = states[r] as OrSetState;
      states[r] = crdt.merge(state, crdt.delta(state, historyReplica(r), step.op));
    } else {
      for (const id of known[step.from] as Set<number>) mine.add(id);
      states[r] = crdt.merge(states[r] as OrSetState, states[step.from] as OrSetState);
    }
    const expected = spec(r);
    const actual = [...crdt.value(states[r] as OrSetState)].sort();
    if (canonicalJson(expected) !== canonicalJson(actual)) {
      return { step: i, replica: r, expected, actual };
    }
  }
  return undefined;
}
