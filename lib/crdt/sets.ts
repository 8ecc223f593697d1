/**
 * Sets as CRDTs, of strings. A G-Set only grows. A 2P-Set adds a grow-only set of
 * removed elements (tombstones), so an element once removed can never come back. An
 * OR-Set (observed-remove) tags every add uniquely and a remove deletes only the tags its
 * replica has seen, so an add concurrent with a remove survives ("add wins") and an
 * element can be added again after a remove.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import { type Crdt, unionRecords, unionSorted } from "./crdt.ts";

/** A set update: add or remove one element. */
export type SetOp =
  | { readonly kind: "add"; readonly element: string }
  | { readonly kind: "remove"; readonly element: string };

/** The elements random workloads draw from: few, so adds and removes collide. */
export const SET_ELEMENTS: readonly string[] = ["a", "b", "c", "d", "e"];

function randomSetOp(random: Random, present: readonly string[]): SetOp {
  if (present.length > 0 && random.chance(0.4)) {
    return { kind: "remove", element: present[random.int(0, present.length)] as string };
  }
  return { kind: "add", element: SET_ELEMENTS[random.int(0, SET_ELEMENTS.length)] as string };
}

/** A G-Set's state: its elements, sorted. */
export type GSetState = readonly string[];

/**
 * The grow-only set: only adds (a remove throws).
 *
 * @example
 * ```ts
 * gSet.value(gSet.merge(["a"], ["b"])); // ["a", "b"]
 * ```
 */
export const gSet: Crdt<GSetState, SetOp, readonly string[]> = {
  name: "g-set",
  initial: () => [],
  delta(_state, _replica, op) {
    if (op.kind !== "add") throw new RangeError("Cannot remove from a G-Set: it only grows");
    return [op.element];
  },
  merge: unionSorted,
  value: (state) => state,
  randomOp: (random) => ({
    kind: "add",
    element: SET_ELEMENTS[random.int(0, SET_ELEMENTS.length)] as string,
  }),
};

/** A 2P-Set's state: every element ever added, and every element ever removed. */
export interface TwoPhaseSetState {
  /** Elements added, sorted. */
  readonly added: readonly string[];
  /** Elements removed (tombstones), sorted. */
  readonly removed: readonly string[];
}

/**
 * The two-phase set: an element is in it when added and never removed. A remove of an
 * element the replica does not hold is ignored (it would remove a future add).
 */
export const twoPhaseSet: Crdt<TwoPhaseSetState, SetOp, readonly string[]> = {
  name: "2p-set",
  initial: () => ({ added: [], removed: [] }),
  delta(state, _replica, op) {
    if (op.kind === "add") return { added: [op.element], removed: [] };
    return state.added.includes(op.element)
      ? { added: [], removed: [op.element] }
      : { added: [], removed: [] };
  },
  merge: (a, b) => ({
    added: unionSorted(a.added, b.added),
    removed: unionSorted(a.removed, b.removed),
  }),
  value: (state) => state.added.filter((e) => !state.removed.includes(e)),
  randomOp: (random, state) =>
    randomSetOp(random, state.added.filter((e) => !state.removed.includes(e))),
};

/**
 * An OR-Set's state: every add as a unique tag ("r2.5": replica r2's fifth add) mapped to
 * its element, and the tags removed. `removedElements` is used only by the broken
 * remove-by-element variant and is empty otherwise.
 */
export interface OrSetState {
  /** Tag → element, for every add ever seen. */
  readonly adds: Readonly<Record<string, string>>;
  /** Tags removed (tombstones), sorted. */
  readonly removed: readonly string[];
  /** Elements removed as such (broken variant only), sorted. */
  readonly removedElements: readonly string[];
}

/** Options of {@link makeOrSet}. */
export interface OrSetOptions {
  /**
   * What a remove deletes: the add tags the replica has observed ("tags", correct) or
   * the element itself ("element", a broken variant that also deletes adds it never saw,
   * concurrent or later ones).
   */
  readonly removeBy?: "tags" | "element";
}

/** The next tag of `replica`: one more than the largest it has issued. */
function nextTag(state: OrSetState, replica: NodeId): string {
  let max = 0;
  const prefix = `${replica}.`;
  const scan = (tag: string) => {
    if (tag.startsWith(prefix)) max = Math.max(max, Number(tag.slice(prefix.length)));
  };
  for (const tag of Object.keys(state.adds)) scan(tag);
  return `${replica}.${max + 1}`;
}

/** The tags of `element` that are added and not removed in `state`. */
export function liveTags(state: OrSetState, element: string): string[] {
  const removed = new Set(state.removed);
  return Object.entries(state.adds)
    .filter(([tag, e]) => e === element && !removed.has(tag))
    .map(([tag]) => tag)
    .sort();
}

/** The OR-Set's read-out: elements with a live tag (and, broken variant, not removed as such). */
function orSetValue(state: OrSetState): readonly string[] {
  const removed = new Set(state.removed);
  const present = new Set<string>();
  for (const [tag, element] of Object.entries(state.adds)) {
    if (!removed.has(tag) && !state.removedElements.includes(element)) present.add(element);
  }
  return [...present].sort();
}

/** The reference OR-Set join: union of adds, union of removed tags. */
export function mergeOrSet(a: OrSetState, b: OrSetState): OrSetState {
  const adds = unionRecords(a.adds, b.adds);
  const removed = unionSorted(a.removed, b.removed);
  const removedElements = unionSorted(a.removedElements, b.removedElements);
  // Nothing new: return `a` itself, so replicas skip re-hashing an unchanged state.
  if (adds === a.adds && removed === a.removed && removedElements === a.removedElements) return a;
  return { adds, removed, removedElements };
}

/** An OR-Set, correct unless `removeBy: "element"`. */
export function makeOrSet(options: OrSetOptions = {}): Crdt<OrSetState, SetOp, readonly string[]> {
  const byElement = options.removeBy === "element";
  return {
    name: byElement ? "or-set (remove by element)" : "or-set",
    initial: () => ({ adds: {}, removed: [], removedElements: [] }),
    delta(state, replica, op) {
      if (op.kind === "add") {
        return {
          adds: { [nextTag(state, replica)]: op.element },
          removed: [],
          removedElements: [],
        };
      }
      if (byElement) return { adds: {}, removed: [], removedElements: [op.element] };
      // Only the adds this replica has observed: a concurrent add elsewhere survives.
      return { adds: {}, removed: liveTags(state, op.element), removedElements: [] };
    },
    merge: mergeOrSet,
    value: orSetValue,
    randomOp: (random, state) => randomSetOp(random, orSetValue(state)),
  };
}

/**
 * The observed-remove set (add wins).
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * const base = update(orSet, orSet.initial(), "a", { kind: "add", element: "x" });
 * const removed = update(orSet, base, "a", { kind: "remove", element: "x" });
 * const readded = update(orSet, base, "b", { kind: "add", element: "x" }); // concurrent
 * orSet.value(orSet.merge(removed, readded)); // ["x"]: the add b made was never observed
 * ```
 */
export const orSet: Crdt<OrSetState, SetOp, readonly string[]> = makeOrSet();
