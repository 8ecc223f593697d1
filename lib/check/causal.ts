/**
 * Causal memory (Ahamad, Neiger, Burns, Kohli and Hutto, "Causal memory: definitions,
 * implementation, and programming", Distributed Computing 9(1), 1995), checked on a
 * differentiated history (each value written once per key) in polynomial time with the
 * characterisation of Bouajjani, Enea, Guerraoui and Hamza ("On verifying causal
 * consistency", POPL 2017).
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import { BitMatrix, causalOrder, INITIAL, type WeakHistory } from "./weak_history.ts";

/** What a weak-model check found: holds, or a violation with the operations behind it. */
export type WeakVerdict =
  | { readonly valid: true }
  | { readonly valid: "unknown"; readonly reason: string }
  | {
    readonly valid: false;
    /** Operation ids that show the violation (not yet minimal). */
    readonly ops: readonly number[];
    /** One sentence. */
    readonly summary: string;
  };

/**
 * Whether a differentiated history is causal memory. The causal order is session order
 * and writes-into (a write precedes each read of its value), closed transitively. The
 * history is causal when every process has its own view: one order of all writes and of
 * its own operations that extends the causal order and in which each of its reads
 * returns the value of the latest preceding write to its key (or null, with none).
 * Different processes may see concurrent writes in different orders.
 *
 * The check, for each process p, takes the causal past of p's last operation and closes
 * "must precede" under one rule (Bouajjani et al.'s hb_o): when a write w' to key x
 * precedes a read r of p that returned the write w to x, then w' precedes w. It reports a
 * violation when the causal order is cyclic, when "must precede" becomes cyclic (a write
 * sits between a read and the write it read from in every view), or when a read of p
 * returned null after a write to its key precedes it.
 */
export function checkCausalMemory(weak: WeakHistory): WeakVerdict {
  const closed = causalOrder(weak);
  if ("cycle" in closed) {
    return {
      valid: false,
      ops: closed.cycle,
      summary: "session order and writes-into form a cycle: a read precedes, through its " +
        "own session, the write whose value it returned",
    };
  }
  const co = closed.order;
  const n = weak.ops.length;
  for (const [p, session] of weak.sessions.entries()) {
    if (session.length === 0) continue;
    const last = session[session.length - 1]!;
    // The view of p: writes in the causal past of its last operation, and its own ops.
    const inView = new Uint8Array(n);
    for (const op of weak.ops) {
      if ((op.f === "write" && (op.id === last || co.has(op.id, last))) || op.process === p) {
        inView[op.id] = 1;
      }
    }
    const members = weak.ops.filter((op) => inView[op.id] === 1).map((op) => op.id);
    const hb = new BitMatrix(n);
    for (const a of members) {
      for (const b of members) if (co.has(a, b)) hb.set(a, b);
    }
    const reads = session.filter((id) => weak.ops[id]!.f === "read");
    const writesOf = (key: number) =>
      members.filter((id) => weak.ops[id]!.f === "write" && weak.ops[id]!.key === key);
    let changed = true;
    while (changed) {
      changed = false;
      for (const r of reads) {
        const read = weak.ops[r]!;
        const w = read.readsFrom;
        if (w === INITIAL) continue;
        for (const other of writesOf(read.key)) {
          if (other === w || !hb.has(other, r) || hb.has(other, w)) continue;
          if (hb.has(w, other)) {
            return {
              valid: false,
              ops: pastOf(weak, co, last),
              summary: `${label(weak, r)} returns ${label(weak, w)}, but in ${
                processName(weak, p)
              }'s view ${label(weak, other)} must come after that write and before the read`,
            };
          }
          // other must precede w: so must everything that precedes other.
          hb.set(other, w);
          hb.orRow(other, w);
          for (const u of members) {
            if (hb.has(u, other)) {
              hb.set(u, w);
              hb.orRow(u, w);
            }
          }
          changed = true;
        }
      }
    }
    for (const r of reads) {
      const read = weak.ops[r]!;
      if (read.readsFrom !== INITIAL) continue;
      const before = writesOf(read.key).find((w) => hb.has(w, r));
      if (before !== undefined) {
        return {
          valid: false,
          ops: pastOf(weak, co, last),
          summary: `${label(weak, r)} returns the initial value although ${
            label(weak, before)
          } precedes it in its view`,
        };
      }
    }
  }
  return { valid: true };
}

/** The causal past of `id` (itself included): where a violation at `id` can come from. */
export function pastOf(weak: WeakHistory, co: BitMatrix, id: number): number[] {
  return weak.ops.filter((op) => op.id === id || co.has(op.id, id)).map((op) => op.id);
}

/** `p1 read k → 3` style label of a weak operation. */
export function label(weak: WeakHistory, id: number): string {
  const pair = weak.ops[id]!.pair;
  const process = typeof pair.process === "number" ? `p${pair.process}` : String(pair.process);
  const key = pair.key === undefined ? "" : ` ${pair.key}`;
  return pair.f === "read"
    ? `${process} read${key} → ${formatValue(pair.output)}`
    : `${process} write${key} ${formatValue(pair.value)}`;
}

/** The process's name as labels show it. */
export function processName(weak: WeakHistory, p: number): string {
  const id = weak.processes[p]!;
  return typeof id === "number" ? `p${id}` : String(id);
}
