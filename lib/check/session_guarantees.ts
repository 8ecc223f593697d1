/**
 * The four session guarantees of Terry, Demers, Petersen, Spreitzer, Theimer and Welch
 * ("Session guarantees for weakly consistent replicated data", PDIS 1994), checked on a
 * differentiated history (each value written once per key). A session is a process.
 *
 * @module
 */
import { label, processName, type WeakVerdict } from "./causal.ts";
import { INITIAL, type WeakHistory } from "./weak_history.ts";

/** The four session guarantees. */
export type SessionGuarantee =
  | "read-your-writes"
  | "monotonic-reads"
  | "monotonic-writes"
  | "writes-follow-reads";

/** The session guarantees, in the order Terry et al. present them. */
export const SESSION_GUARANTEES: readonly SessionGuarantee[] = [
  "read-your-writes",
  "monotonic-reads",
  "writes-follow-reads",
  "monotonic-writes",
];

/** Why a write is required at a read: the operations that make it so. */
interface Requirement {
  /** The write the read must reflect. */
  readonly write: number;
  /** Operations that make it required (the session's own write, an earlier read, ...). */
  readonly because: readonly number[];
}

/** What {@link checkSessionGuarantee} found, with how many reads broke the guarantee. */
export type SessionVerdict = WeakVerdict & {
  /** Reads that did not reflect a write the guarantee required of them. */
  readonly violations: number;
};

/**
 * Whether every session of a differentiated history keeps `guarantee`.
 *
 * Terry et al. define the guarantees on the servers a session talks to ("the server
 * includes the session's writes"). A history records only what reads returned, so each
 * guarantee is read here as a set of writes each read must reflect, in the style of
 * Jepsen's and of Viotti and Vukolić's (ACM Computing Surveys 49(1), 2016) definitions:
 *
 * - read-your-writes: a read reflects every earlier write of its own session;
 * - monotonic reads: a read reflects every write an earlier read of its session returned;
 * - monotonic writes: once a session has read a write w2 (this read or an earlier one),
 *   its reads reflect every write that w2's session made before w2 (all processes see a
 *   session's writes in the order it made them);
 * - writes follow reads: once a session has read a write w2, its reads reflect every
 *   write that w2's session had read before it wrote w2.
 *
 * Only writes to the read's own key can be seen in a register's value. A read of key x
 * reflects a write w to x when it returns w or a write that comes after w in the
 * session's order of x's writes. Like causal memory, each session may order concurrent
 * writes its own way, so the guarantee holds when every session has an order of each
 * key's writes, the initial value first, that puts each write a read must reflect no
 * later than the write it returned: a read of the initial value that must reflect a
 * write, or such "no later than" constraints that form a cycle, is a violation. Causal
 * memory implies all four.
 *
 * Given several guarantees, one order per session and key must satisfy all their
 * requirements at once (and with read-your-writes among them, the session's own writes
 * count as seen: what must precede them under monotonic writes or writes follow reads
 * comes first in its order): stronger than each guarantee alone (a session that reads a
 * session's second write and then its first passes monotonic reads alone and monotonic
 * writes alone, but not both together), and still weaker than causal memory, which
 * follows chains of sessions and reads transitively.
 */
export function checkSessionGuarantee(
  weak: WeakHistory,
  guarantee: SessionGuarantee | readonly SessionGuarantee[],
): SessionVerdict {
  const guarantees: readonly SessionGuarantee[] = typeof guarantee === "string"
    ? [guarantee]
    : guarantee;
  const name = guarantees.length === 1
    ? guarantees[0]!.replaceAll("-", " ")
    : guarantees.length === SESSION_GUARANTEES.length
    ? "the four session guarantees together"
    : guarantees.map((g) => g.replaceAll("-", " ")).join(" with ");
  const requires = guarantees.length === 1 ? "requires" : "require";
  // Per write: the writes its session made before it, and the writes its session had read.
  const writesBefore = new Map<number, number[]>();
  const readsBefore = new Map<number, { write: number; read: number }[]>();
  for (const session of weak.sessions) {
    const written: number[] = [];
    const read: { write: number; read: number }[] = [];
    for (const id of session) {
      const op = weak.ops[id]!;
      if (op.f === "write") {
        writesBefore.set(id, written.slice());
        readsBefore.set(id, read.slice());
        written.push(id);
      } else if (op.readsFrom !== INITIAL) read.push({ write: op.readsFrom, read: id });
    }
  }
  const wants = (g: SessionGuarantee) => guarantees.includes(g);
  let violations = 0;
  let first: { ops: number[]; summary: string } | undefined;
  const n = weak.ops.length;
  for (const [p, session] of weak.sessions.entries()) {
    // This session's view, per key: a graph of "no later than" edges between writes. The
    // writes a read must reflect only grow along a session, so instead of an edge from
    // each of them to every later read's write, each read gets a node standing for "all
    // writes required so far on this key": the previous read's node, and the writes
    // required since, point to it; it points to the write the read returned. Nodes from
    // n up are those read nodes. A cycle through two different writes is a violation.
    const graphs = new Map<number, Graph>();
    const graphOf = (key: number) => {
      let graph = graphs.get(key);
      if (graph === undefined) graphs.set(key, graph = new Graph(n));
      return graph;
    };
    const required = new Set<number>();
    const observed = new Set<number>();
    const require = (write: number, because: readonly number[]) => {
      if (required.has(write)) return;
      required.add(write);
      graphOf(weak.ops[write]!.key).require(write, because);
    };
    const observe = (seen: number, read: number) => {
      if (observed.has(seen)) return;
      observed.add(seen);
      if (wants("monotonic-writes")) {
        for (const w of writesBefore.get(seen)!) require(w, [w, seen, read]);
      }
      if (wants("writes-follow-reads")) {
        for (const r of readsBefore.get(seen)!) require(r.write, [r.write, r.read, seen, read]);
      }
    };
    for (const id of session) {
      const op = weak.ops[id]!;
      if (op.f === "write") {
        // With read-your-writes in the same view, the session sees its own writes: the
        // writes that must precede them (monotonic writes, writes follow reads) come first.
        if (wants("read-your-writes") && guarantees.length > 1) {
          const before: { write: number; because: number[] }[] = [];
          if (wants("monotonic-writes")) {
            for (const w of writesBefore.get(id)!) before.push({ write: w, because: [w, id] });
          }
          if (wants("writes-follow-reads")) {
            for (const r of readsBefore.get(id)!) {
              before.push({ write: r.write, because: [r.write, r.read, id] });
            }
          }
          const graph = graphOf(op.key);
          for (const { write, because } of before) {
            if (weak.ops[write]!.key !== op.key || write === id) continue;
            const path = graph.pathBetweenWrites(id, write);
            if (path !== undefined) {
              violations++;
              first ??= {
                ops: [...because, ...path],
                summary: `${label(weak, write)} must come before ${label(weak, id)} in ${
                  processName(weak, p)
                }'s view, and after it too: ${name} cannot both hold`,
              };
              continue;
            }
            graph.edge(write, id, because);
          }
        }
        if (wants("read-your-writes")) require(id, [id]);
        continue;
      }
      if (op.readsFrom !== INITIAL) observe(op.readsFrom, id);
      const graph = graphOf(op.key);
      if (op.readsFrom === INITIAL) {
        const owed = graph.anyRequired();
        if (owed !== undefined) {
          violations++;
          first ??= {
            ops: [...owed.because, id],
            summary: `${label(weak, id)} returns the initial value, but ${name} ${requires} it ` +
              `to reflect ${label(weak, owed.write)}`,
          };
        }
      } else {
        const path = graph.read(id, op.readsFrom);
        if (path !== undefined) {
          violations++;
          const owed = path.owed;
          first ??= {
            ops: [...path.ops, id, op.readsFrom],
            summary: `${label(weak, id)} returns ${label(weak, op.readsFrom)}, but ${name} ` +
              `${requires} it to reflect ${label(weak, owed)}, which ${
                processName(weak, p)
              }'s view must put after that write`,
          };
        }
      }
      if (wants("monotonic-reads") && op.readsFrom !== INITIAL) {
        require(op.readsFrom, [op.readsFrom, id]);
      }
    }
  }
  if (first === undefined) return { valid: true, violations };
  return {
    valid: false,
    ops: [...new Set(first.ops)].sort((a, b) => a - b),
    summary: first.summary,
    violations,
  };
}

/**
 * One session's view of one key: "no later than" edges among writes (ids below n) and
 * read nodes (ids from n), each edge with the operations that justify it.
 */
class Graph {
  readonly #n: number;
  readonly #out = new Map<number, Map<number, readonly number[]>>();
  /** Writes required since the last read node, waiting to point to the next one. */
  #pending: { write: number; because: readonly number[] }[] = [];
  /** Every write required so far (for reads of the initial value). */
  #firstRequired: { write: number; because: readonly number[] } | undefined;
  /** The latest read node, or -1. */
  #last = -1;
  #next: number;

  constructor(n: number) {
    this.#n = n;
    this.#next = n;
  }

  /** The write `write` must be reflected by every later read of this key. */
  require(write: number, because: readonly number[]): void {
    this.#pending.push({ write, because });
    this.#firstRequired ??= { write, because };
  }

  /** A required write, if any (a read of the initial value owes it). */
  anyRequired(): { write: number; because: readonly number[] } | undefined {
    return this.#firstRequired;
  }

  /** An edge `from` → `to` (from no later than to). */
  edge(from: number, to: number, because: readonly number[]): void {
    let out = this.#out.get(from);
    if (out === undefined) this.#out.set(from, out = new Map());
    if (!out.has(to)) out.set(to, because);
  }

  /**
   * A read returned `write`: every write required so far must be no later than it.
   * Returns the reasons of a cycle through `write` and another write, if the new
   * constraints close one (they are then left out), else undefined.
   */
  read(read: number, write: number): { ops: number[]; owed: number } | undefined {
    const node = this.#next++;
    if (this.#last >= 0) this.edge(this.#last, node, []);
    for (const { write: w, because } of this.#pending) this.edge(w, node, because);
    this.#pending = [];
    this.#last = node;
    // A path from the returned write back to the read node through another write.
    const back = this.#search(write, node);
    if (back !== undefined) return back;
    this.edge(node, write, [read]);
    return undefined;
  }

  /** A path from write `from` to write `to` (distinct), as its reasons, or undefined. */
  pathBetweenWrites(from: number, to: number): number[] | undefined {
    return this.#search(from, to)?.ops;
  }

  /**
   * Breadth-first search from `from` to `to` that must pass through a write other than
   * `from` (or end at one). Returns the reasons along the path and the first such write.
   */
  #search(from: number, to: number): { ops: number[]; owed: number } | undefined {
    // State: node, and whether a write other than `from` was passed (1) or not (0).
    const key = (node: number, passed: number) => node * 2 + passed;
    const previous = new Map<number, { state: number; because: readonly number[] }>();
    const start = key(from, 0);
    const visited = new Set([start]);
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const node = state >> 1;
      const passed = state & 1;
      if (node === to && (passed === 1 || (to < this.#n && to !== from))) {
        const ops: number[] = [];
        let owed = to < this.#n ? to : -1;
        for (let at = state; at !== start;) {
          const step = previous.get(at)!;
          ops.push(...step.because);
          const atNode = at >> 1;
          if (atNode < this.#n && atNode !== from) owed = atNode;
          at = step.state;
        }
        return { ops, owed };
      }
      for (const [next, because] of this.#out.get(node) ?? []) {
        const nextPassed = passed === 1 || (next < this.#n && next !== from) ? 1 : 0;
        const nextState = key(next, nextPassed);
        if (visited.has(nextState)) continue;
        visited.add(nextState);
        previous.set(nextState, { state, because });
        queue.push(nextState);
      }
    }
    return undefined;
  }
}
