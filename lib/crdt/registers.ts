/**
 * Registers as CRDTs. A last-writer-wins register keeps the write with the largest
 * timestamp and silently drops the others, even writes that no replica had seen when
 * the winner was written. A multi-value register stamps writes with version vectors and
 * keeps every write no other write has seen (the siblings), so concurrent writes all
 * survive until a later write, which has seen them, replaces them.
 *
 * @module
 */
import { compareLwwStamps, type LwwStamp, type VectorTimestamp } from "../clocks/mod.ts";
import type { NodeId } from "../sim/node.ts";
import { canonicalJson, type Crdt } from "./crdt.ts";

/** A register write: the value and, for last-writer-wins, the writer's clock reading. */
export interface RegisterWrite {
  /** The value written. */
  readonly value: string;
  /** The writing replica's clock, in ms (only last-writer-wins reads it). */
  readonly timeMs: number;
}

/** A last-writer-wins register's state: the winning write, or null before any. */
export type LwwRegisterState = {
  readonly value: string;
  readonly stamp: LwwStamp;
} | null;

/**
 * The last-writer-wins register: stamps are (clock time, replica), so ties go to the
 * larger replica id and a replica whose clock is behind loses to older writes.
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * const a = update(lwwRegister, null, "a", { value: "x", timeMs: 10 });
 * const b = update(lwwRegister, null, "b", { value: "y", timeMs: 5 });
 * lwwRegister.value(lwwRegister.merge(a, b)); // "x": y is gone
 * ```
 */
export const lwwRegister: Crdt<LwwRegisterState, RegisterWrite, string | null> = {
  name: "lww-register",
  initial: () => null,
  delta: (_state, replica, write) => ({
    value: write.value,
    stamp: { timeMs: write.timeMs, logical: 0, node: replica },
  }),
  merge(a, b) {
    if (a === null) return b;
    if (b === null) return a;
    const order = compareLwwStamps(a.stamp, b.stamp);
    // Equal stamps with different values cannot come from one replica; order by value
    // anyway so that merge stays commutative on any input.
    if (order === 0) return a.value >= b.value ? a : b;
    return order > 0 ? a : b;
  },
  value: (state) => state?.value ?? null,
  randomOp: (random, _state, timeMs) => ({ value: `v${random.int(0, 100)}`, timeMs }),
};

/** One sibling of a multi-value register: a value and the version vector of its write. */
export interface Sibling {
  /** The value written. */
  readonly value: string;
  /** The write's version vector: which writes it had seen, itself included. */
  readonly clock: VectorTimestamp;
}

/** A multi-value register's state: siblings, none of which has seen another; sorted. */
export type MvRegisterState = readonly Sibling[];

/** Whether every entry of `a` is at most `b`'s and one is smaller (`compareVectors` "before"). */
function strictlyBefore(a: VectorTimestamp, b: VectorTimestamp): boolean {
  let smaller = false;
  for (const [id, n] of Object.entries(a)) {
    const m = b[id] ?? 0;
    if (n > m) return false;
    if (n < m) smaller = true;
  }
  if (smaller) return true;
  for (const [id, m] of Object.entries(b)) if (m > (a[id] ?? 0)) return true;
  return false;
}

/** Keeps the siblings no other sibling dominates, without duplicates, in a fixed order. */
function antichain(siblings: readonly Sibling[]): Sibling[] {
  const kept = new Map<string, Sibling>();
  for (const s of siblings) {
    // Same as compareVectors(...) === "before", without its input validation per pair.
    const dominated = siblings.some((t) => strictlyBefore(s.clock, t.clock));
    if (!dominated) kept.set(canonicalJson(s), s);
  }
  return [...kept.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

/**
 * The multi-value register (Dynamo's versioned values): a write at replica r gets the
 * entrywise maximum of the siblings' vectors with r's entry increased, so it replaces
 * exactly the siblings its replica had seen. A read returns every sibling's value.
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * const a = update(mvRegister, [], "a", { value: "x", timeMs: 0 });
 * const b = update(mvRegister, [], "b", { value: "y", timeMs: 0 });
 * mvRegister.value(mvRegister.merge(a, b)); // ["x", "y"]: siblings, both kept
 * ```
 */
export const mvRegister: Crdt<MvRegisterState, RegisterWrite, readonly string[]> = {
  name: "mv-register",
  initial: () => [],
  delta(state, replica: NodeId, write) {
    const clock: Record<NodeId, number> = {};
    for (const s of state) {
      for (const [id, n] of Object.entries(s.clock)) clock[id] = Math.max(clock[id] ?? 0, n);
    }
    clock[replica] = (clock[replica] ?? 0) + 1;
    return [{ value: write.value, clock }];
  },
  merge: (a, b) => antichain([...a, ...b]),
  value: (state) => [...new Set(state.map((s) => s.value))].sort(),
  randomOp: (random, _state, timeMs) => ({ value: `v${random.int(0, 100)}`, timeMs }),
};
