/**
 * Clients of the transactional store: each runs transactions one after another, one
 * micro-operation per round trip with a pause to think between them, and records a
 * Jepsen-style transaction history. Workloads are shaped to give one anomaly its chance
 * (two transactions that read the same key and then append to it, for a lost update), or
 * are a random list-append mix.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import type { MicroOp, TxnOperation } from "./txn_history.ts";
import type { TxnMessage } from "./txn_store.ts";

/** The workloads: one per anomaly, and a random mix. */
export type TxnWorkload =
  | "lost-update"
  | "write-skew"
  | "read-skew"
  | "dirty-read"
  | "random"
  | "registers";

/** The workloads, in the order the chapter shows them. */
export const TXN_WORKLOADS: readonly TxnWorkload[] = [
  "dirty-read",
  "lost-update",
  "read-skew",
  "write-skew",
  "random",
  "registers",
];

/** One planned transaction. */
export interface PlannedTxn {
  /** Its micro-operations (reads with null). */
  readonly ops: readonly MicroOp[];
  /** Whether the client aborts it after its last operation. */
  readonly abort: boolean;
}

/**
 * Plans the next transaction of `workload`; `nextValue` gives values unique in the run.
 *
 * - `lost-update`: read a key, append to it;
 * - `write-skew`: read x and y, append to one of them;
 * - `read-skew`: half read x and y, half append to both;
 * - `dirty-read`: half read x and y, half append to x, y and x again and then, with
 *   `abortProbability`, abort;
 * - `random`: one to four reads and appends over x, y and z;
 * - `registers`: one to three reads and writes of registers a and b, aborted with
 *   `abortProbability` / 4 (a register read shows whose write it saw, not which versions
 *   came before, so the checker sees wr edges, aborted and intermediate reads).
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 * let n = 0;
 * planTxn("lost-update", new Random(1), () => ++n).ops.length; // 2
 * ```
 */
export function planTxn(
  workload: TxnWorkload,
  random: Random,
  nextValue: () => number,
  abortProbability = 0.5,
): PlannedTxn {
  const r = (key: string): MicroOp => ["r", key, null];
  const append = (key: string): MicroOp => ["append", key, nextValue()];
  switch (workload) {
    case "lost-update": {
      const key = random.chance(0.5) ? "x" : "y";
      return { ops: [r(key), append(key)], abort: false };
    }
    case "write-skew":
      return { ops: [r("x"), r("y"), append(random.chance(0.5) ? "x" : "y")], abort: false };
    case "read-skew":
      return random.chance(0.5)
        ? { ops: [r("x"), r("y")], abort: false }
        : { ops: [append("x"), append("y")], abort: false };
    case "dirty-read":
      return random.chance(0.5)
        ? { ops: [r("x"), r("y")], abort: false }
        : { ops: [append("x"), append("y"), append("x")], abort: random.chance(abortProbability) };
    case "random": {
      const count = random.int(1, 5);
      const ops = Array.from({ length: count }, () => {
        const key = ["x", "y", "z"][random.int(0, 3)]!;
        return random.chance(0.5) ? r(key) : append(key);
      });
      return { ops, abort: false };
    }
    case "registers": {
      const ops = Array.from({ length: random.int(1, 4) }, (): MicroOp => {
        const key = random.chance(0.5) ? "a" : "b";
        return random.chance(0.5) ? r(key) : ["w", key, nextValue()];
      });
      return { ops, abort: random.chance(abortProbability / 4) };
    }
  }
}

/** Options of {@link TxnClient}. */
export interface TxnClientOptions {
  /** The store. */
  readonly store: NodeId;
  /** This client's process number in the history. */
  readonly process: number;
  /** Transactions to run (not counting the final read). */
  readonly txns: number;
  /** The workload. */
  readonly workload: TxnWorkload;
  /** The chance a `dirty-read` writer aborts. */
  readonly abortProbability: number;
  /** Longest pause between operations and between transactions, in ms. */
  readonly thinkMs: number;
  /** Keys to read in one last transaction, so every append is seen. Default none. */
  readonly finalReadKeys?: readonly string[];
  /** Where to record the history (shared by every client of a run). */
  readonly history: TxnOperation[];
  /** Values unique across the run. */
  readonly nextValue: () => number;
}

type ClientTimer = { readonly type: "next" };

/** A client running its transactions one after another. */
export class TxnClient implements Node<TxnMessage, ClientTimer> {
  /** Whether it has run every transaction. */
  done = false;
  readonly #ctx: NodeContext<TxnMessage, ClientTimer>;
  readonly #options: TxnClientOptions;
  #count = 0;
  #txn = "";
  #plan: PlannedTxn | undefined;
  #results: MicroOp[] = [];
  #step = 0;

  /** A client that starts after a short random pause. */
  constructor(ctx: NodeContext<TxnMessage, ClientTimer>, options: TxnClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Begins. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.thinkMs), { type: "next" });
  }

  /** Replies from the store. */
  onMessage(_from: NodeId, message: TxnMessage): void {
    if (!("txn" in message) || message.txn !== this.#txn || this.#plan === undefined) return;
    if (message.type === "OpDone") {
      const op = this.#plan.ops[message.index]!;
      this.#results.push(op[0] === "r" ? ["r", op[1], message.value] : op);
      this.#step++;
      this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.thinkMs), { type: "next" });
    } else if (message.type === "Committed" || message.type === "Aborted") {
      this.#record(message.type === "Committed" ? "ok" : "fail");
    }
  }

  /** The next operation, commit, or transaction. */
  onTimer(): void {
    if (this.#plan === undefined) return this.#begin();
    if (this.#step < this.#plan.ops.length) {
      this.#ctx.send(this.#options.store, {
        type: "Op",
        txn: this.#txn,
        index: this.#step,
        op: this.#plan.ops[this.#step]!,
      });
      return;
    }
    this.#ctx.send(this.#options.store, {
      type: this.#plan.abort ? "Abort" : "Commit",
      txn: this.#txn,
    });
    // A transaction the client aborts ends here; the store's reply is ignored.
    if (this.#plan.abort) this.#record("fail");
  }

  #begin(): void {
    const o = this.#options;
    const final = this.#count === o.txns && (o.finalReadKeys?.length ?? 0) > 0;
    if (this.#count >= o.txns && !final) {
      this.done = true;
      return;
    }
    this.#count++;
    this.#plan = final
      ? { ops: o.finalReadKeys!.map((key): MicroOp => ["r", key, null]), abort: false }
      : planTxn(o.workload, this.#ctx.random, o.nextValue, o.abortProbability);
    this.#txn = `${this.#ctx.id}.${this.#count}`;
    this.#results = [];
    this.#step = 0;
    this.#push("invoke", this.#plan.ops);
    this.onTimer();
  }

  #record(type: "ok" | "fail"): void {
    const plan = this.#plan!;
    this.#push(type, type === "ok" ? this.#results : plan.ops);
    this.#plan = undefined;
    this.#txn = "";
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.thinkMs), { type: "next" });
  }

  #push(type: TxnOperation["type"], value: readonly MicroOp[]): void {
    this.#options.history.push({
      process: this.#options.process,
      type,
      f: "txn",
      value,
      time: this.#ctx.now(),
    });
  }
}
