/**
 * The common shape of every state-based CRDT here, in its delta-state form (Almeida,
 * Shoker and Baquero, 2018): states form a join-semilattice, `merge` is the least upper
 * bound, and an update is a small state (a delta) that is joined into the replica's state.
 * Sending the whole state or only the deltas converges the same way; deltas are cheaper.
 *
 * Every function is pure: states are plain JSON values, never mutated, so replicas can
 * share them and a run is a deterministic function of its inputs.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";

/**
 * A state-based CRDT: a join-semilattice of states with an initial bottom element, a
 * delta-mutator per update, and a read-out.
 *
 * Laws every implementation must keep (the tests check them with random states): `merge`
 * is commutative, associative and idempotent, and `merge(s, delta(s, r, op))` is at least
 * `s` (updates only move up the lattice). Together they make replicas that have received
 * the same updates, in any order and any number of times, hold the same state.
 */
export interface Crdt<State, Op, Value> {
  /** A short name ("or-set"). */
  readonly name: string;
  /** The bottom of the lattice: the state of a replica that has seen nothing. */
  initial(): State;
  /**
   * The delta of applying `op` at `replica` whose state is `state`: a state that, joined
   * into `state`, performs the update. Operations that depend on what the replica has
   * seen (an OR-Set's remove) read it from `state`.
   */
  delta(state: State, replica: NodeId, op: Op): State;
  /** The least upper bound of two states. */
  merge(a: State, b: State): State;
  /** What a reader sees. */
  value(state: State): Value;
  /** A random update that makes sense at `state` (for workloads and property tests). */
  randomOp(random: Random, state: State, timeMs: number): Op;
}

/** A CRDT of any state, operation and value, as catalogs hold them. */
// deno-lint-ignore no-explicit-any
export type AnyCrdt = Crdt<any, any, any>;

/**
 * Applies `op` at `replica`: joins the op's delta into the state.
 *
 * @example
 * ```ts
 * import { gCounter } from "./counters.ts";
 *
 * let s = gCounter.initial();
 * s = update(gCounter, s, "a", 2);
 * gCounter.value(s); // 2
 * ```
 */
export function update<S, O, V>(crdt: Crdt<S, O, V>, state: S, replica: NodeId, op: O): S {
  return crdt.merge(state, crdt.delta(state, replica, op));
}

/**
 * JSON with object keys sorted at every level: equal states (as values) give equal
 * strings, whatever order their keys were built in. What convergence checks compare and
 * what message sizes count.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The size of `value` as canonical JSON, in bytes (UTF-8): what sending it costs. */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(canonicalJson(value)).length;
}

/** Whether two states are equal as values. */
export function sameState(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The sorted union of two sorted lists of distinct strings. Returns `a` itself when `b`
 * adds nothing, so callers can tell a join that changed nothing by identity.
 */
export function unionSorted(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i], y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x as string);
      i++;
    } else if (x === undefined || y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  return out.length === a.length ? a : out;
}

/**
 * The union of two records whose shared keys hold equal values (ids mapped to what they
 * name). Returns `a` itself when `b` adds no key, so a join that changed nothing is
 * recognisable by identity and costs no copy.
 */
export function unionRecords<V>(
  a: Readonly<Record<string, V>>,
  b: Readonly<Record<string, V>>,
): Readonly<Record<string, V>> {
  for (const key in b) if (!Object.hasOwn(a, key)) return { ...a, ...b };
  return a;
}
