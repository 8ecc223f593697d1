/**
 * Counters as CRDTs. A G-Counter keeps one entry per replica, each incremented only by
 * its own replica, so the join is the entrywise maximum and the value the sum. A
 * PN-Counter is two G-Counters, one for increments and one for decrements.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { Crdt } from "./crdt.ts";

/** A G-Counter's state: per replica, the total it has added. Absent entries are 0. */
export type GCounterState = Readonly<Record<NodeId, number>>;

function maxMerge(a: GCounterState, b: GCounterState): GCounterState {
  const out: Record<NodeId, number> = { ...a };
  for (const [id, n] of Object.entries(b)) out[id] = Math.max(out[id] ?? 0, n);
  return out;
}

function sumMerge(a: GCounterState, b: GCounterState): GCounterState {
  const out: Record<NodeId, number> = { ...a };
  for (const [id, n] of Object.entries(b)) out[id] = (out[id] ?? 0) + n;
  return out;
}

function total(state: GCounterState): number {
  let sum = 0;
  for (const n of Object.values(state)) sum += n;
  return sum;
}

/**
 * The grow-only counter. An op is a non-negative amount to add.
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * const a = update(gCounter, gCounter.initial(), "a", 2);
 * const b = update(gCounter, gCounter.initial(), "b", 3);
 * gCounter.value(gCounter.merge(a, b)); // 5
 * ```
 */
export const gCounter: Crdt<GCounterState, number, number> = {
  name: "g-counter",
  initial: () => ({}),
  delta(state, replica, amount) {
    if (!(amount >= 0)) {
      throw new RangeError(`Cannot increment a G-Counter by ${amount}: it only grows`);
    }
    return { [replica]: (state[replica] ?? 0) + amount };
  },
  merge: maxMerge,
  value: total,
  randomOp: (random) => random.int(1, 4),
};

/** A PN-Counter's state: what each replica added (`p`) and subtracted (`n`). */
export interface PnCounterState {
  /** Increments, per replica. */
  readonly p: GCounterState;
  /** Decrements, per replica (as positive amounts). */
  readonly n: GCounterState;
}

/** Options of {@link makePnCounter}. */
export interface PnCounterOptions {
  /**
   * How entries are joined: "max" (correct) or "sum", a broken variant that adds the
   * entries instead, so hearing the same state twice counts its updates twice.
   */
  readonly mergeBy?: "max" | "sum";
}

/**
 * A PN-Counter, correct unless `mergeBy: "sum"`. An op is any whole amount (negative
 * to decrement).
 */
export function makePnCounter(
  options: PnCounterOptions = {},
): Crdt<PnCounterState, number, number> {
  const join = options.mergeBy === "sum" ? sumMerge : maxMerge;
  return {
    name: options.mergeBy === "sum" ? "pn-counter (sum merge)" : "pn-counter",
    initial: () => ({ p: {}, n: {} }),
    delta(state, replica, amount) {
      return amount >= 0
        ? { p: { [replica]: (state.p[replica] ?? 0) + amount }, n: {} }
        : { p: {}, n: { [replica]: (state.n[replica] ?? 0) - amount } };
    },
    merge: (a, b) => ({ p: join(a.p, b.p), n: join(a.n, b.n) }),
    value: (state) => total(state.p) - total(state.n),
    randomOp: (random) => random.int(-3, 4) || 1,
  };
}

/**
 * The increment/decrement counter.
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * let s = update(pnCounter, pnCounter.initial(), "a", 5);
 * s = update(pnCounter, s, "b", -2);
 * pnCounter.value(s); // 3
 * ```
 */
export const pnCounter: Crdt<PnCounterState, number, number> = makePnCounter();
