/**
 * A replicated growable array (RGA, Roh et al. 2011) for collaborative text, in
 * state-based form. Each inserted character gets a unique id (a Lamport counter and the
 * replica) and remembers the character it was typed after. The text is a tree walk: the
 * children of a character come right after it, newest id first, each followed by its own
 * subtree. Deleting leaves a tombstone, since later inserts may point at the character.
 *
 * Why runs do not interleave: a run typed left to right is a chain (each character after
 * the previous one), and a chain is one subtree, so two replicas typing at the same spot
 * concurrently end with one run entirely before the other.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import { type Crdt, unionRecords, unionSorted } from "./crdt.ts";

/** A text edit at a replica, by position in the text the replica sees. */
export type TextOp =
  | {
    /** Insert `char` so that it becomes the character at `index` (0 = the start). */
    readonly kind: "insert";
    readonly index: number;
    readonly char: string;
  }
  | {
    /** Delete the character at `index`. */
    readonly kind: "delete";
    readonly index: number;
  };

/** One inserted character: what it follows ("" for the start of the text) and itself. */
export interface RgaNode {
  /** The id of the character it was typed after, or "" for the start. */
  readonly after: string;
  /** The character. */
  readonly char: string;
}

/** An RGA's state: every character ever inserted, by id ("3@r1"), and the deleted ids. */
export interface RgaState {
  /** Id → inserted character. */
  readonly nodes: Readonly<Record<string, RgaNode>>;
  /** Ids of deleted characters (tombstones), sorted. */
  readonly deleted: readonly string[];
}

function parseId(id: string): [number, string] {
  const at = id.indexOf("@");
  return [Number(id.slice(0, at)), id.slice(at + 1)];
}

/** Newest first: larger counter, then larger replica id. */
function newerFirst(a: string, b: string): number {
  const [ca, ra] = parseId(a), [cb, rb] = parseId(b);
  if (ca !== cb) return cb - ca;
  return ra < rb ? 1 : ra > rb ? -1 : 0;
}

/** Every character id in text order, deleted ones included. */
function walk(state: RgaState): string[] {
  const children = new Map<string, string[]>();
  for (const [id, node] of Object.entries(state.nodes)) {
    const list = children.get(node.after) ?? [];
    list.push(id);
    children.set(node.after, list);
  }
  for (const list of children.values()) list.sort(newerFirst);
  const order: string[] = [];
  // Depth-first, pre-order, with an explicit stack: a long typed run is a deep chain.
  const stack = [...(children.get("") ?? [])].reverse();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    order.push(id);
    const kids = children.get(id);
    if (kids !== undefined) {
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as string);
    }
  }
  return order;
}

/** The ids of the visible characters, in text order. */
export function visibleIds(state: RgaState): string[] {
  const deleted = new Set(state.deleted);
  return walk(state).filter((id) => !deleted.has(id));
}

/**
 * The RGA text CRDT.
 *
 * @example
 * ```ts
 * import { update } from "./crdt.ts";
 *
 * let s = rga.initial();
 * s = update(rga, s, "a", { kind: "insert", index: 0, char: "h" });
 * s = update(rga, s, "a", { kind: "insert", index: 1, char: "i" });
 * rga.value(s); // "hi"
 * ```
 */
export const rga: Crdt<RgaState, TextOp, string> = {
  name: "rga",
  initial: () => ({ nodes: {}, deleted: [] }),
  delta(state, replica: NodeId, op) {
    const visible = visibleIds(state);
    if (!Number.isInteger(op.index) || op.index < 0) {
      throw new RangeError(`Cannot edit text at index ${op.index}: not a position`);
    }
    if (op.kind === "delete") {
      const id = visible[op.index];
      if (id === undefined) {
        throw new RangeError(
          `Cannot delete at index ${op.index}: the text has ${visible.length} characters`,
        );
      }
      return { nodes: {}, deleted: [id] };
    }
    if (op.index > visible.length) {
      throw new RangeError(
        `Cannot insert at index ${op.index}: the text has ${visible.length} characters`,
      );
    }
    let counter = 0;
    for (const id of Object.keys(state.nodes)) counter = Math.max(counter, parseId(id)[0]);
    const after = op.index === 0 ? "" : visible[op.index - 1] as string;
    return { nodes: { [`${counter + 1}@${replica}`]: { after, char: op.char } }, deleted: [] };
  },
  merge(a, b) {
    const nodes = unionRecords(a.nodes, b.nodes), deleted = unionSorted(a.deleted, b.deleted);
    return nodes === a.nodes && deleted === a.deleted ? a : { nodes, deleted };
  },
  value(state) {
    return visibleIds(state).map((id) => state.nodes[id]?.char ?? "").join("");
  },
  randomOp(random, state) {
    const length = visibleIds(state).length;
    if (length > 0 && random.chance(0.3)) return { kind: "delete", index: random.int(0, length) };
    return {
      kind: "insert",
      index: random.int(0, length + 1),
      char: "abcdefgh"[random.int(0, 8)] as string,
    };
  },
};

/**
 * Types `text` into `state` at replica `replica`, one character at a time from `index`:
 * what a person typing a word does.
 *
 * @example
 * ```ts
 * rga.value(typeText(rga.initial(), "a", 0, "hello")); // "hello"
 * ```
 */
export function typeText(state: RgaState, replica: NodeId, index: number, text: string): RgaState {
  let s = state;
  [...text].forEach((char, i) => {
    s = rga.merge(s, rga.delta(s, replica, { kind: "insert", index: index + i, char }));
  });
  return s;
}
