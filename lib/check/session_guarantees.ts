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
  for (const [p, session] of weak.sessions.entries()) {
    // Per key: "a must be no later than b" edges of this session's view, with reasons.
    const edges = new Map<number, Map<number, Map<number, readonly number[]>>>();
    const ownWrites: number[] = [];
    const returned: { write: number; read: number }[] = [];
    const observed: { write: number; read: number }[] = [];
    for (const id of session) {
      const op = weak.ops[id]!;
      if (op.f === "write") {
        ownWrites.push(id);
        // With read-your-writes in the same view, the session sees its own writes: the
        // writes that must precede them (monotonic writes, writes follow reads) come first.
        if (wants("read-your-writes")) {
          const before: { write: number; because: number[] }[] = [];
          if (wants("monotonic-writes")) {
            for (const w of writesBefore.get(id)!) before.push({ write: w, because: [w, id] });
          }
          if (wants("writes-follow-reads")) {
            for (const r of readsBefore.get(id)!) {
              before.push({ write: r.write, because: [r.write, r.read, id] });
            }
          }
          for (const { write, because } of before) {
            if (weak.ops[write]!.key !== op.key || write === id) continue;
            let byKey = edges.get(op.key);
            if (byKey === undefined) edges.set(op.key, byKey = new Map());
            const path = findPath(byKey, id, write);
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
            let out = byKey.get(write);
            if (out === undefined) byKey.set(write, out = new Map());
            if (!out.has(id)) out.set(id, because);
          }
        }
        continue;
      }
      if (op.readsFrom !== INITIAL) observed.push({ write: op.readsFrom, read: id });
      const required: Requirement[] = [];
      if (wants("read-your-writes")) {
        for (const w of ownWrites) required.push({ write: w, because: [w] });
      }
      if (wants("monotonic-reads")) {
        for (const r of returned) required.push({ write: r.write, because: [r.write, r.read] });
      }
      for (const seen of observed) {
        if (wants("monotonic-writes")) {
          for (const w of writesBefore.get(seen.write)!) {
            required.push({ write: w, because: [w, seen.write, seen.read] });
          }
        }
        if (wants("writes-follow-reads")) {
          for (const r of readsBefore.get(seen.write)!) {
            required.push({ write: r.write, because: [r.write, r.read, seen.write, seen.read] });
          }
        }
      }
      if (op.readsFrom !== INITIAL) returned.push({ write: op.readsFrom, read: id });
      let broken: { ops: number[]; summary: string } | undefined;
      for (const { write, because } of required) {
        if (weak.ops[write]!.key !== op.key || write === op.readsFrom) continue;
        if (op.readsFrom === INITIAL) {
          broken ??= {
            ops: [...because, id],
            summary: `${
              label(weak, id)
            } returns the initial value, but ${name} requires it to reflect ${label(weak, write)}`,
          };
          continue;
        }
        let byKey = edges.get(op.key);
        if (byKey === undefined) edges.set(op.key, byKey = new Map());
        // write must be no later than readsFrom; a path back from readsFrom is a cycle.
        const path = findPath(byKey, op.readsFrom, write);
        if (path !== undefined) {
          broken ??= {
            ops: [...because, id, op.readsFrom, ...path],
            summary: `${label(weak, id)} returns ${
              label(weak, op.readsFrom)
            }, but ${name} requires it to reflect ${label(weak, write)}, which ${
              processName(weak, p)
            }'s earlier reads put after that write`,
          };
          continue;
        }
        let out = byKey.get(write);
        if (out === undefined) byKey.set(write, out = new Map());
        if (!out.has(op.readsFrom)) out.set(op.readsFrom, [...because, id]);
      }
      if (broken !== undefined) {
        violations++;
        first ??= broken;
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

/** The reasons along a path of edges from `from` to `to`, or undefined when there is none. */
function findPath(
  edges: Map<number, Map<number, readonly number[]>>,
  from: number,
  to: number,
): number[] | undefined {
  const previous = new Map<number, { node: number; because: readonly number[] }>();
  const queue = [from];
  const visited = new Set([from]);
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === to) {
      const ops: number[] = [to];
      for (let at = to; at !== from;) {
        const step = previous.get(at)!;
        ops.push(...step.because, step.node);
        at = step.node;
      }
      return ops;
    }
    for (const [next, because] of edges.get(node) ?? []) {
      if (visited.has(next)) continue;
      visited.add(next);
      previous.set(next, { node, because });
      queue.push(next);
    }
  }
  return undefined;
}
