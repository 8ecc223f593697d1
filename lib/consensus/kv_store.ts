/**
 * The replicated state machine Raft drives in this course: a key-value map of registers
 * (read, write, compare-and-set) with client sessions. A session remembers, per client,
 * the last command it applied and that command's result, so a command that a client
 * retries (because a reply was lost or a leader crashed) takes effect once, and the retry
 * is answered with the first result (Raft §8, "linearizable semantics").
 *
 * @module
 */
import { z } from "zod";

/** A value held under a key; null means "never written". */
export type KvValue = number | string | null;

const kvValue = z.union([z.number(), z.string(), z.null()]);

/** Zod schema of a {@link KvOperation}. */
export const KvOperationSchema = z.discriminatedUnion("f", [
  z.strictObject({ f: z.literal("read"), key: z.string() }),
  z.strictObject({ f: z.literal("write"), key: z.string(), value: kvValue }),
  z.strictObject({ f: z.literal("cas"), key: z.string(), expected: kvValue, value: kvValue }),
]);

/** An operation on the key-value map, named after the Jepsen history functions. */
export type KvOperation =
  | { readonly f: "read"; readonly key: string }
  | { readonly f: "write"; readonly key: string; readonly value: KvValue }
  | {
    readonly f: "cas";
    readonly key: string;
    /** The value the key must hold for the swap to happen. */
    readonly expected: KvValue;
    /** The value written when it does. */
    readonly value: KvValue;
  };

/**
 * What applying an operation returned: `ok` true for a read, a write and a cas that
 * swapped; false for a cas that found another value (it changed nothing). `value` is the
 * value read, for a read, and the value the key held, for a cas that did not swap.
 */
export interface KvResult {
  /** Whether the operation took effect as asked. */
  readonly ok: boolean;
  /** The key's value as the operation saw it (read), or null. */
  readonly value: KvValue;
}

/** How an {@link KvStore.apply} call was treated. */
export interface KvApplyOutcome {
  /** The result to report to the client. */
  readonly result: KvResult;
  /**
   * `applied`: the operation changed (or read) the map now; `duplicate`: the client's
   * session had already applied this sequence number, and `result` is the remembered one;
   * `stale`: the client has moved on to a later command, so this one is skipped.
   */
  readonly outcome: "applied" | "duplicate" | "stale";
}

interface Session {
  seq: number;
  result: KvResult;
}

/**
 * A key-value map of registers with per-client sessions. Every node of a Raft cluster
 * holds one and applies the committed log to it in order, so all copies go through the
 * same states.
 *
 * @example
 * ```ts
 * const store = new KvStore();
 * store.apply({ f: "write", key: "x", value: 1 }, { clientId: "c1", seq: 1 });
 * store.apply({ f: "write", key: "x", value: 1 }, { clientId: "c1", seq: 1 }).outcome; // "duplicate"
 * store.read("x"); // 1
 * ```
 */
export class KvStore {
  readonly #data = new Map<string, KvValue>();
  readonly #sessions = new Map<string, Session>();

  /** The value under `key` now (null if never written), without going through a session. */
  read(key: string): KvValue {
    return this.#data.get(key) ?? null;
  }

  /** A copy of the whole map, keys in the order first written. */
  snapshot(): Record<string, KvValue> {
    return Object.fromEntries(this.#data);
  }

  /** How many keys hold a value. */
  get size(): number {
    return this.#data.size;
  }

  /**
   * Applies `operation` for client `session.clientId` with sequence number `session.seq`.
   * A client numbers its commands 1, 2, 3, ... and issues the next only after the
   * previous one completed or was abandoned, so a sequence number at or below the last
   * one applied is a retry or a leftover, never a new command.
   */
  apply(
    operation: KvOperation,
    session?: { readonly clientId: string; readonly seq: number },
  ): KvApplyOutcome {
    if (session !== undefined) {
      const known = this.#sessions.get(session.clientId);
      if (known !== undefined && session.seq <= known.seq) {
        if (session.seq === known.seq) return { result: known.result, outcome: "duplicate" };
        return { result: { ok: false, value: null }, outcome: "stale" };
      }
    }
    const result = this.#execute(operation);
    if (session !== undefined) {
      this.#sessions.set(session.clientId, { seq: session.seq, result });
    }
    return { result, outcome: "applied" };
  }

  /**
   * What the session of `clientId` remembers: the last sequence number applied and its
   * result, or undefined for a client never seen.
   */
  session(clientId: string): { readonly seq: number; readonly result: KvResult } | undefined {
    const known = this.#sessions.get(clientId);
    return known === undefined ? undefined : { seq: known.seq, result: known.result };
  }

  #execute(operation: KvOperation): KvResult {
    const current = this.read(operation.key);
    switch (operation.f) {
      case "read":
        return { ok: true, value: current };
      case "write":
        this.#data.set(operation.key, operation.value);
        return { ok: true, value: operation.value };
      case "cas":
        if (current !== operation.expected) return { ok: false, value: current };
        this.#data.set(operation.key, operation.value);
        return { ok: true, value: operation.value };
      default:
        throw new TypeError(
          `Cannot apply operation ${JSON.stringify(operation)}: f must be read, write or cas`,
        );
    }
  }
}
