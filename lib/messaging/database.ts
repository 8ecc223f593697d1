/**
 * The consumers' database: one transactional key-value store that survives consumer
 * crashes. A transaction runs all at once (the simulator runs a handler without
 * interruption), so a consumer that records "message m processed" in the same
 * transaction as m's effect gets both or neither: that is what makes an idempotent
 * consumer possible.
 *
 * @module
 */
import { copyValue } from "../sim/node.ts";

/** What a transaction can do: read and write keys. Its writes are applied only if it returns. */
export interface Transaction {
  /** A copy of the value under `key` (as this transaction sees it), or undefined. */
  get<V>(key: string): V | undefined;
  /** Writes `value` under `key` when the transaction commits. */
  set(key: string, value: unknown): void;
}

/** What a committed transaction did. */
export interface Committed<T> {
  /** What the work returned. */
  readonly result: T;
  /** Whether the transaction changed any key's value (an effect, in the world's eyes). */
  readonly changed: boolean;
}

/**
 * A key-value store with atomic transactions.
 *
 * @example
 * ```ts
 * import { Database } from "./database.ts";
 *
 * const db = new Database();
 * db.transaction((tx) => tx.set("balance", (tx.get<number>("balance") ?? 0) + 5)).changed; // true
 * db.get("balance"); // 5
 * ```
 */
export class Database {
  readonly #data = new Map<string, unknown>();
  #commits = 0;

  /** A copy of the committed value under `key`, or undefined. */
  get<V>(key: string): V | undefined {
    const value = this.#data.get(key);
    return value === undefined ? undefined : copyValue(value) as V;
  }

  /** Every key, in the order first written. */
  keys(): string[] {
    return [...this.#data.keys()];
  }

  /** Transactions committed so far. */
  get commits(): number {
    return this.#commits;
  }

  /**
   * Runs `work` as one transaction: its writes are applied together when it returns, and
   * none of them when it throws (the error is rethrown).
   */
  transaction<T>(work: (tx: Transaction) => T): Committed<T> {
    const writes = new Map<string, unknown>();
    const tx: Transaction = {
      get: <V>(key: string) => {
        const value = writes.has(key) ? writes.get(key) : this.#data.get(key);
        return value === undefined ? undefined : copyValue(value) as V;
      },
      set: (key, value) => {
        writes.set(key, copyValue(value));
      },
    };
    const result = work(tx);
    let changed = false;
    for (const [key, value] of writes) {
      if (!sameValue(this.#data.get(key), value)) changed = true;
      this.#data.set(key, value);
    }
    this.#commits++;
    return { result, changed };
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
