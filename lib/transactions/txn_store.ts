/**
 * A transactional key-value store on one simulated node, with selectable concurrency
 * control. Clients run interactive transactions: one micro-operation per message, then a
 * commit (or an abort). Keys hold lists (appended to) or registers (written).
 *
 * - `none`: every write goes to the shared state at once and an abort undoes it, so others
 *   read uncommitted and intermediate values (dirty reads, G1a and G1b).
 * - `read-committed`: a write takes an exclusive lock held until commit and waits in the
 *   transaction's buffer until then; a read takes no lock and sees the latest committed
 *   state (plus the transaction's own writes). Long write locks keep two transactions
 *   from interleaving writes to one key (G0); reads see only committed data (no G1).
 * - `snapshot-isolation`: multiversion concurrency control; a transaction reads the
 *   versions committed before its first operation, and at commit the first committer wins:
 *   if another transaction committed a write to one of its keys since it began, it aborts.
 * - `serializable`: strict two-phase locking; a shared lock to read, an exclusive lock to
 *   write, all held until commit or abort. Deadlocks are prevented by wait-die: an older
 *   transaction waits for a younger one, a younger one that meets an older one dies
 *   (aborts), so every wait goes from older to younger and no cycle can form. Read
 *   committed's write locks use the same rule.
 *
 * Two broken variants remove one rule each: snapshot isolation without first-committer-wins,
 * and two-phase locking that releases shared locks right after each read.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { MicroOp } from "./txn_history.ts";

/** The concurrency control a store runs. */
export type ConcurrencyControl =
  | "none"
  | "read-committed"
  | "snapshot-isolation"
  | "serializable";

/** The concurrency controls, weakest first. */
export const CONCURRENCY_CONTROLS: readonly ConcurrencyControl[] = [
  "none",
  "read-committed",
  "snapshot-isolation",
  "serializable",
];

/** Messages between clients and the store. */
export type TxnMessage =
  | { readonly type: "Op"; readonly txn: string; readonly index: number; readonly op: MicroOp }
  | { readonly type: "Commit"; readonly txn: string }
  | { readonly type: "Abort"; readonly txn: string }
  | {
    readonly type: "OpDone";
    readonly txn: string;
    readonly index: number;
    readonly value: readonly number[] | number | null;
  }
  | { readonly type: "Committed"; readonly txn: string }
  | { readonly type: "Aborted"; readonly txn: string; readonly reason: string };

/** Options of {@link TxnStore}. */
export interface TxnStoreOptions {
  /** The concurrency control. */
  readonly isolation: ConcurrencyControl;
  /** Broken variant of snapshot isolation: commit without the first-committer-wins check. */
  readonly noFirstCommitterWins?: boolean;
  /** Broken variant of two-phase locking: release a shared lock right after the read. */
  readonly releaseReadLocksEarly?: boolean;
  /**
   * Snapshot isolation's commit rule, replaced: whether a transaction that began at
   * `startTs` may commit, given the commit timestamp of the latest version of each key it
   * wrote (0: never written). Default first-committer-wins.
   */
  readonly commitRule?: CommitRule;
}

/** Whether a snapshot-isolation transaction may commit (see {@link TxnStoreOptions.commitRule}). */
export type CommitRule = (startTs: number, latestCommitTs: readonly number[]) => boolean;

/**
 * First committer wins: a transaction may commit only if no key it wrote has a version
 * committed after it began.
 *
 * @example
 * ```ts
 * firstCommitterWins(3, [1, 2]); // true
 * firstCommitterWins(3, [4]); // false: someone committed that key since
 * ```
 */
export function firstCommitterWins(startTs: number, latestCommitTs: readonly number[]): boolean {
  return latestCommitTs.every((ts) => ts <= startTs);
}

/** What a key holds: a list (appended to), a register's number, or null (never written). */
export type TxnValue = readonly number[] | number | null;

interface Version {
  readonly value: TxnValue;
  readonly commitTs: number;
}

interface Txn {
  readonly id: string;
  readonly client: NodeId;
  /** Snapshot timestamp (SI) and age (wait-die): the commit counter when it began. */
  readonly startTs: number;
  /** Order of arrival, to break ties in age. */
  readonly seq: number;
  /** Buffered writes, by key: the list appended, or the register written. */
  readonly writes: Map<string, { appends: number[] } | { value: number }>;
  /** In place (`none`): how to undo each write. */
  readonly undo: (() => void)[];
  /** Locks held (`serializable`). */
  readonly locks: Map<string, "S" | "X">;
  /** Every key written. */
  readonly keys: Set<string>;
}

interface Waiter {
  readonly txn: Txn;
  readonly key: string;
  readonly mode: "S" | "X";
  readonly then: () => void;
}

/** A committed transaction, for the invariants. */
export interface CommitRecord {
  /** The transaction. */
  readonly txn: string;
  /** When it began and committed, on the store's commit counter. */
  readonly startTs: number;
  /** Its commit timestamp. */
  readonly commitTs: number;
  /** The keys it wrote. */
  readonly keys: readonly string[];
}

/** The store node. */
export class TxnStore implements Node<TxnMessage> {
  /** Committed transactions, in commit order. */
  readonly commits: CommitRecord[] = [];
  /** Transactions aborted by the store (first-committer-wins, wait-die). */
  aborts = 0;
  /** Snapshot isolation: the first two concurrent transactions that wrote one key and both committed. */
  concurrentWriters: string | undefined;
  readonly #ctx: NodeContext<TxnMessage>;
  readonly #options: TxnStoreOptions;
  /** Committed versions per key, oldest first. */
  readonly #versions = new Map<string, Version[]>();
  /** The shared, uncommitted state of `none`. */
  readonly #current = new Map<string, TxnValue>();
  readonly #txns = new Map<string, Txn>();
  readonly #waiting: Waiter[] = [];
  readonly #lockTable = new Map<string, Map<string, "S" | "X">>();
  #clock = 0;
  #seq = 0;

  /** A store with the given concurrency control. */
  constructor(ctx: NodeContext<TxnMessage>, options: TxnStoreOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Operations, commits and aborts from clients. */
  onMessage(from: NodeId, message: TxnMessage): void {
    if (message.type === "Op") {
      let txn = this.#txns.get(message.txn);
      if (txn === undefined) {
        txn = {
          id: message.txn,
          client: from,
          startTs: this.#clock,
          seq: this.#seq++,
          writes: new Map(),
          undo: [],
          locks: new Map(),
          keys: new Set(),
        };
        this.#txns.set(txn.id, txn);
      }
      this.#op(txn, message.index, message.op);
    } else if (message.type === "Commit") {
      const txn = this.#txns.get(message.txn);
      if (txn !== undefined) this.#commit(txn);
      else this.#ctx.send(from, { type: "Committed", txn: message.txn });
    } else if (message.type === "Abort") {
      const txn = this.#txns.get(message.txn);
      if (txn !== undefined) this.#abort(txn, "the client aborted", false);
    }
  }

  /** Pairs of conflicting lock holders on one key (empty while two-phase locking works). */
  lockConflicts(): string[] {
    const out: string[] = [];
    for (const [key, holders] of this.#lockTable) {
      const exclusive = [...holders].filter(([, mode]) => mode === "X");
      if (exclusive.length > 0 && holders.size > 1) {
        out.push(`${key} is held by ${[...holders.keys()].join(" and ")} with an exclusive lock`);
      }
    }
    return out;
  }

  /** The committed value of `key` now. */
  committed(key: string): TxnValue {
    return this.#versions.get(key)?.at(-1)?.value ?? null;
  }

  #op(txn: Txn, index: number, op: MicroOp): void {
    const [f, key] = op;
    const isolation = this.#options.isolation;
    const run = () => {
      if (!this.#txns.has(txn.id)) return;
      if (f === "r") {
        const value = this.#read(txn, key);
        if (isolation === "serializable" && this.#options.releaseReadLocksEarly) {
          if (txn.locks.get(key) === "S") this.#release(txn, key);
        }
        this.#ctx.send(txn.client, { type: "OpDone", txn: txn.id, index, value });
        return;
      }
      this.#write(txn, key, op);
      this.#ctx.send(txn.client, { type: "OpDone", txn: txn.id, index, value: op[2] });
    };
    if (isolation === "serializable") this.#lock(txn, key, f === "r" ? "S" : "X", run);
    else if (isolation === "read-committed" && f !== "r") this.#lock(txn, key, "X", run);
    else run();
  }

  #read(txn: Txn, key: string): TxnValue {
    if (this.#options.isolation === "none") return this.#current.get(key) ?? null;
    const versions = this.#versions.get(key) ?? [];
    const base = this.#options.isolation === "snapshot-isolation"
      ? versions.findLast((v) => v.commitTs <= txn.startTs)?.value ?? null
      : versions.at(-1)?.value ?? null;
    return apply(base, txn.writes.get(key));
  }

  #write(txn: Txn, key: string, op: MicroOp): void {
    const value = op[2] as number;
    txn.keys.add(key);
    if (this.#options.isolation === "none") {
      const before = this.#current.get(key) ?? null;
      if (op[0] === "append") {
        this.#current.set(key, [...(Array.isArray(before) ? before : []), value]);
        txn.undo.push(() => {
          const now = this.#current.get(key);
          if (Array.isArray(now)) this.#current.set(key, now.filter((v) => v !== value));
        });
      } else {
        this.#current.set(key, value);
        txn.undo.push(() => {
          if (this.#current.get(key) === value) this.#current.set(key, before);
        });
      }
      return;
    }
    const buffered = txn.writes.get(key);
    if (op[0] === "append") {
      const appends = buffered !== undefined && "appends" in buffered ? buffered.appends : [];
      txn.writes.set(key, { appends: [...appends, value] });
    } else {
      txn.writes.set(key, { value });
    }
  }

  #commit(txn: Txn): void {
    const isolation = this.#options.isolation;
    if (isolation === "snapshot-isolation" && !this.#options.noFirstCommitterWins) {
      const latest = [...txn.writes.keys()].map((key) =>
        this.#versions.get(key)?.at(-1)?.commitTs ?? 0
      );
      const rule = this.#options.commitRule ?? firstCommitterWins;
      if (!rule(txn.startTs, latest)) {
        return this.#abort(txn, "another transaction committed a key it wrote first", true);
      }
    }
    const commitTs = ++this.#clock;
    const keys = [...txn.keys];
    if (isolation === "snapshot-isolation") {
      // Watched by the trial: a concurrent transaction (committed after this one began)
      // that wrote one of the same keys.
      const rival = this.commits.find((c) =>
        c.commitTs > txn.startTs && c.keys.some((key) => txn.keys.has(key))
      );
      if (rival !== undefined && this.concurrentWriters === undefined) {
        this.concurrentWriters = `${txn.id} and ${rival.txn} both wrote ` +
          `${
            rival.keys.find((key) => txn.keys.has(key))
          } while both were running, and both committed`;
      }
    }
    for (const [key, write] of txn.writes) {
      const versions = this.#versions.get(key) ?? [];
      this.#versions.set(key, [...versions, {
        value: apply(versions.at(-1)?.value ?? null, write),
        commitTs,
      }]);
    }
    this.commits.push({ txn: txn.id, startTs: txn.startTs, commitTs, keys });
    this.#finish(txn);
    this.#ctx.send(txn.client, { type: "Committed", txn: txn.id });
  }

  #abort(txn: Txn, reason: string, byStore: boolean): void {
    if (byStore) this.aborts++;
    for (const undo of [...txn.undo].reverse()) undo();
    this.#ctx.send(txn.client, { type: "Aborted", txn: txn.id, reason });
    // Then its locks go, and whoever waited for them proceeds.
    this.#finish(txn);
  }

  #finish(txn: Txn): void {
    this.#txns.delete(txn.id);
    for (const key of [...txn.locks.keys()]) this.#release(txn, key);
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      if (this.#waiting[i]!.txn === txn) this.#waiting.splice(i, 1);
    }
  }

  #lock(txn: Txn, key: string, mode: "S" | "X", then: () => void): void {
    const held = txn.locks.get(key);
    if (held === "X" || held === mode) return then();
    const blockers = this.#blockers(txn, key, mode);
    if (blockers.length === 0) {
      this.#grant(txn, key, mode);
      return then();
    }
    // Wait-die: wait only for younger holders; meeting an older one, die.
    const older = blockers.some((other) => age(other) < age(txn));
    if (older) return this.#abort(txn, `wait-die on ${key}`, true);
    this.#waiting.push({ txn, key, mode, then });
  }

  #blockers(txn: Txn, key: string, mode: "S" | "X"): Txn[] {
    const holders = this.#lockTable.get(key) ?? new Map();
    return [...holders].filter(([id, held]) => id !== txn.id && (mode === "X" || held === "X"))
      .map(([id]) => this.#txns.get(id)!);
  }

  #grant(txn: Txn, key: string, mode: "S" | "X"): void {
    const holders = this.#lockTable.get(key) ?? new Map<string, "S" | "X">();
    holders.set(txn.id, mode);
    this.#lockTable.set(key, holders);
    txn.locks.set(key, mode);
  }

  #release(txn: Txn, key: string): void {
    txn.locks.delete(key);
    const holders = this.#lockTable.get(key);
    holders?.delete(txn.id);
    if (holders?.size === 0) this.#lockTable.delete(key);
    // Grant whoever now can go, in the order they asked.
    for (const waiter of [...this.#waiting]) {
      if (waiter.key !== key || !this.#waiting.includes(waiter)) continue;
      if (this.#blockers(waiter.txn, key, waiter.mode).length > 0) continue;
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      this.#grant(waiter.txn, key, waiter.mode);
      waiter.then();
    }
  }
}

/** A transaction's age for wait-die: the order it arrived in (smaller is older). */
function age(txn: Txn): number {
  return txn.seq;
}

function apply(
  base: TxnValue,
  write: { appends: number[] } | { value: number } | undefined,
): TxnValue {
  if (write === undefined) return base;
  if ("value" in write) return write.value;
  return [...(Array.isArray(base) ? base : []), ...write.appends];
}
