/**
 * A history of reads and writes prepared for the checkers of models weaker than
 * linearizability: the operations that took effect, each process's operations in session
 * order, and for every read the write it read from. Those checkers ignore real time, so
 * what a read saw must be inferred from its value: this needs every value to be written
 * at most once per key (a "differentiated" history, in the words of Bouajjani et al.,
 * POPL 2017). When values repeat, preparation says so instead of guessing.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import {
  type History,
  type PairedOperation,
  pairOperations,
  type ProcessId,
} from "../history/operation.ts";
import { ModelError } from "./search.ts";
import type { ModelName } from "./linearizability.ts";

/** Read-from of a read that returned the initial value (null): no write. */
export const INITIAL = -1;

/** One operation that took effect (or, for an unknown write, that a read proves did). */
export interface WeakOperation {
  /** Its position in {@link WeakHistory.ops}. */
  readonly id: number;
  /** The paired operation from the history. */
  readonly pair: PairedOperation;
  /** Its process, as a position in {@link WeakHistory.processes}. */
  readonly process: number;
  /** Read or write. */
  readonly f: "read" | "write";
  /** Its key, as a position in {@link WeakHistory.keys}. */
  readonly key: number;
  /** For a read: the id of the write it read from, or {@link INITIAL}. -1 for a write. */
  readonly readsFrom: number;
}

/** A history ready for the weak-model checkers. */
export interface WeakHistory {
  /** Every operation that took effect, in invoke order. */
  readonly ops: readonly WeakOperation[];
  /** Process ids, in order of first appearance. */
  readonly processes: readonly ProcessId[];
  /** Each process's operation ids, in session (invoke) order. */
  readonly sessions: readonly (readonly number[])[];
  /** The keys (undefined for a single register), in order of first appearance. */
  readonly keys: readonly (string | undefined)[];
  /** The model the history was read against. */
  readonly model: ModelName;
}

/** Why a history cannot be prepared: values repeat, or a read returns a value never written. */
export type WeakProblem =
  | { readonly kind: "ambiguous"; readonly reason: string }
  | { readonly kind: "thin-air"; readonly read: PairedOperation; readonly reason: string };

/**
 * Prepares a history for the weak-model checkers. Failed operations are dropped (they
 * took no effect), and so are reads whose outcome is unknown (they returned nothing).
 * A write with an unknown outcome is kept when some read returned its value (it took
 * effect) and dropped otherwise (it may never have). Records of process `"nemesis"` are
 * ignored. Returns a {@link WeakProblem} when a value is written twice to a key (or null
 * is written: null is the initial value), so which write a read saw is ambiguous, or
 * when a read returns a value no write wrote.
 *
 * Throws a HistoryError for a malformed history and a ModelError for a function other
 * than read and write, or a key in a register history.
 */
export function prepareWeakHistory(
  history: History,
  model?: ModelName,
): WeakHistory | WeakProblem {
  const pairs = pairOperations(history).filter((pair) =>
    pair.process !== "nemesis" && pair.outcome !== "fail"
  );
  const keyed = pairs.find((pair) => pair.key !== undefined);
  const chosen = model ?? (keyed === undefined ? "register" : "kv");
  if (chosen === "register" && keyed !== undefined) {
    throw new ModelError(
      keyed.invokeIndex,
      `has key ${formatValue(keyed.key)}, but a register has no keys (use the kv model)`,
    );
  }
  for (const pair of pairs) {
    if (pair.f !== "read" && pair.f !== "write") {
      throw new ModelError(
        pair.invokeIndex,
        `f "${pair.f}" is neither read nor write: the weaker models are checked on ` +
          "reads and writes only",
      );
    }
  }
  // Which write wrote each (key, value): two writes of one value make reads ambiguous.
  const writers = new Map<string | undefined, Map<string, PairedOperation>>();
  for (const pair of pairs) {
    if (pair.f !== "write") continue;
    if (pair.value === null) {
      return {
        kind: "ambiguous",
        reason: `operation ${pair.invokeIndex} writes null, the initial value, so a read of ` +
          "null could have seen either",
      };
    }
    let byValue = writers.get(pair.key);
    if (byValue === undefined) writers.set(pair.key, byValue = new Map());
    const value = valueKey(pair.value);
    const earlier = byValue.get(value);
    if (earlier !== undefined) {
      const where = pair.key === undefined ? "" : ` to key ${formatValue(pair.key)}`;
      return {
        kind: "ambiguous",
        reason: `operations ${earlier.invokeIndex} and ${pair.invokeIndex} both write ` +
          `${formatValue(pair.value)}${where}, so which one a read saw is unknown ` +
          "(these checkers need each value written once per key)",
      };
    }
    byValue.set(value, pair);
  }
  const readValues = new Set<string>();
  for (const pair of pairs) {
    if (pair.f !== "read" || pair.outcome !== "ok" || pair.output === null) continue;
    const source = writers.get(pair.key)?.get(valueKey(pair.output));
    if (source === undefined) {
      const where = pair.key === undefined ? "" : ` of key ${formatValue(pair.key)}`;
      return {
        kind: "thin-air",
        read: pair,
        reason: `operation ${pair.invokeIndex} reads ${
          formatValue(pair.output)
        }${where}, a value no operation writes`,
      };
    }
    readValues.add(`${source.invokeIndex}`);
  }
  const kept = pairs.filter((pair) =>
    pair.f === "read"
      ? pair.outcome === "ok"
      : pair.outcome === "ok" || readValues.has(`${pair.invokeIndex}`)
  );
  const processIndex = new Map<ProcessId, number>();
  const keyIndex = new Map<string | undefined, number>();
  const idOfInvoke = new Map<number, number>();
  kept.forEach((pair, id) => idOfInvoke.set(pair.invokeIndex, id));
  const ops: WeakOperation[] = [];
  const sessions: number[][] = [];
  for (const [id, pair] of kept.entries()) {
    let process = processIndex.get(pair.process);
    if (process === undefined) {
      processIndex.set(pair.process, process = processIndex.size);
      sessions.push([]);
    }
    let key = keyIndex.get(pair.key);
    if (key === undefined) keyIndex.set(pair.key, key = keyIndex.size);
    let readsFrom = -1;
    if (pair.f === "read") {
      readsFrom = pair.output === null ? INITIAL : idOfInvoke.get(
        writers.get(pair.key)!.get(valueKey(pair.output))!.invokeIndex,
      )!;
    }
    ops.push({ id, pair, process, f: pair.f as "read" | "write", key, readsFrom });
    sessions[process]!.push(id);
  }
  return {
    ops,
    processes: [...processIndex.keys()],
    sessions,
    keys: [...keyIndex.keys()],
    model: chosen,
  };
}

/** Whether preparation failed. */
export function isWeakProblem(value: WeakHistory | WeakProblem): value is WeakProblem {
  return "kind" in value;
}

/** Values compared structurally (the history's values are JSON). */
function valueKey(value: unknown): string {
  return JSON.stringify(value) ?? "undefined";
}

/**
 * Bitsets of `n` bits in 32-bit words, one row per operation: the relations (causal
 * order, "must come before") the checkers close transitively.
 */
export class BitMatrix {
  /** Bits per row. */
  readonly n: number;
  /** Words per row. */
  readonly words: number;
  /** The rows, one after another. */
  readonly bits: Uint32Array;

  /** An empty n × n relation. */
  constructor(n: number) {
    this.n = n;
    this.words = Math.ceil(n / 32);
    this.bits = new Uint32Array(this.words * n);
  }

  /** Whether row `a` has bit `b` (a relates to b). */
  has(a: number, b: number): boolean {
    return (this.bits[a * this.words + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  }

  /** Sets bit `b` of row `a`. */
  set(a: number, b: number): void {
    this.bits[a * this.words + (b >>> 5)]! |= 1 << (b & 31);
  }

  /** Row `a` |= row `b`. Returns whether row `a` changed. */
  orRow(a: number, b: number): boolean {
    const w = this.words;
    let changed = false;
    for (let i = 0; i < w; i++) {
      const before = this.bits[a * w + i]!;
      const after = before | this.bits[b * w + i]!;
      if (after !== before) {
        this.bits[a * w + i] = after;
        changed = true;
      }
    }
    return changed;
  }
}

/**
 * The causal order of Ahamad et al. (1995): the transitive closure of session order and
 * writes-into (a write precedes every read that returns its value), as a matrix where
 * row a has bit b when a precedes b. Returns a cycle (operation ids) instead when the two
 * relations together are cyclic (a read that, through its own session, precedes the write
 * it read from): then no model here holds.
 */
export function causalOrder(
  weak: WeakHistory,
): { order: BitMatrix } | { cycle: number[] } {
  const n = weak.ops.length;
  const successors: number[][] = Array.from({ length: n }, () => []);
  for (const session of weak.sessions) {
    for (let i = 1; i < session.length; i++) successors[session[i - 1]!]!.push(session[i]!);
  }
  for (const op of weak.ops) {
    if (op.f === "read" && op.readsFrom !== INITIAL) successors[op.readsFrom]!.push(op.id);
  }
  // Topological order by depth-first search; a back edge is a cycle.
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const topo: number[] = [];
  const parent = new Int32Array(n).fill(-1);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const out = successors[frame.node]!;
      if (frame.next < out.length) {
        const to = out[frame.next++]!;
        if (state[to] === 1) {
          const cycle = [to];
          for (let at = frame.node; at !== to; at = parent[at]!) cycle.push(at);
          return { cycle: cycle.reverse() };
        }
        if (state[to] === 0) {
          state[to] = 1;
          parent[to] = frame.node;
          stack.push({ node: to, next: 0 });
        }
      } else {
        state[frame.node] = 2;
        topo.push(frame.node);
        stack.pop();
      }
    }
  }
  // topo holds nodes after all their successors: close in that order.
  const order = new BitMatrix(n);
  for (const node of topo) {
    for (const to of successors[node]!) {
      order.set(node, to);
      order.orRow(node, to);
    }
  }
  return { order };
}
