/**
 * The replicated state machine Raft drives by default: a key-value map of registers
 * (read, write, compare-and-set). Client sessions, which make a retried command take
 * effect once (Raft §8), are `ClientSessions` in front of it, as in front of any
 * state machine.
 *
 * @module
 */
import { z } from "zod";
import type { StateMachine } from "./state_machine.ts";

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

/**
 * A key-value map of registers, the state machine the course's Raft cluster replicates
 * by default. Every server holds one and applies the committed log to it in order
 * (through `ClientSessions`, so a retried command takes effect once), and all
 * copies go through the same states.
 *
 * @example
 * ```ts
 * const store = new KvStore();
 * store.apply({ f: "write", key: "x", value: 1 }); // { ok: true, value: 1 }
 * store.apply({ f: "cas", key: "x", expected: 2, value: 3 }); // { ok: false, value: 1 }
 * store.read("x"); // 1
 * ```
 */
export class KvStore implements StateMachine<KvOperation, KvResult> {
  readonly #data = new Map<string, KvValue>();

  /** The value under `key` now (null if never written). */
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

  /** Applies one operation: a read reads, a write writes, a cas swaps if the value matches. */
  apply(operation: KvOperation): KvResult {
    return this.#execute(operation);
  }

  /** A read changes nothing, so a leader may answer it by ReadIndex, without a log entry. */
  isReadOnly(operation: KvOperation): boolean {
    return operation.f === "read";
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
