/**
 * The transactional outbox and the idempotent consumer. A service that changes its state
 * and must tell another service about it cannot write to its database and publish to the
 * network atomically: a crash between the two writes leaves one without the other (the
 * dual-write problem). With an outbox the outgoing message is one more row written in the
 * same local transaction as the state change; a relay reads the outbox and sends each
 * message until the consumer acknowledges it, so every message is delivered at least
 * once. The consumer remembers the ids it has applied ({@link Inbox}) and applies each
 * message once: at-least-once delivery plus an idempotent consumer is effectively once.
 *
 * In the simulator one handler is one local transaction: a node cannot crash in the
 * middle of a handler, so every storage write a handler makes lands together.
 *
 * @module
 */
import type { DurableStorage } from "../sim/node.ts";

/** One message waiting in an outbox. */
export interface OutboxEntry {
  /**
   * The message's id, derived from the operation that produced it (`charge:o3`), so a
   * consumer can tell a redelivery from a new message.
   */
  readonly id: string;
  /** The order the message is about. */
  readonly orderId: string;
  /** What the message moves into the merchant's account (negative: out of it). */
  readonly merchantDelta: number;
}

/**
 * A durable outbox in a node's storage: {@link Outbox.add} in the same handler as the
 * state change it announces; the relay sends {@link Outbox.pending} and removes an entry
 * when its acknowledgement comes back.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "../sim/node.ts";
 * import { Outbox } from "./outbox.ts";
 *
 * const outbox = new Outbox(new MemoryStorage());
 * outbox.add({ id: "charge:o1", orderId: "o1", merchantDelta: 30 });
 * outbox.pending().length; // 1
 * outbox.remove("charge:o1");
 * outbox.pending().length; // 0
 * ```
 */
export class Outbox {
  readonly #storage: DurableStorage;
  readonly #key: string;

  /** An outbox kept in `storage` under `key` (default "outbox"). */
  constructor(storage: DurableStorage, key = "outbox") {
    this.#storage = storage;
    this.#key = key;
  }

  /** Appends `entry`. Call it in the handler that makes the state change. */
  add(entry: OutboxEntry): void {
    this.#storage.set(this.#key, [...this.pending(), entry]);
  }

  /** The entries not yet acknowledged, oldest first. */
  pending(): OutboxEntry[] {
    return this.#storage.get<OutboxEntry[]>(this.#key) ?? [];
  }

  /** Removes every entry with `id` (its acknowledgement came back). */
  remove(id: string): void {
    const pending = this.pending();
    const kept = pending.filter((entry) => entry.id !== id);
    if (kept.length !== pending.length) this.#storage.set(this.#key, kept);
  }
}

/**
 * A consumer's durable record of the message ids it has applied: {@link Inbox.applyOnce}
 * runs an effect the first time it sees an id and skips it for every redelivery.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "../sim/node.ts";
 * import { Inbox } from "./outbox.ts";
 *
 * const inbox = new Inbox(new MemoryStorage());
 * let balance = 0;
 * inbox.applyOnce("charge:o1", () => balance += 30); // true
 * inbox.applyOnce("charge:o1", () => balance += 30); // false: a redelivery
 * balance; // 30
 * ```
 */
export class Inbox {
  readonly #storage: DurableStorage;
  readonly #prefix: string;

  /** An inbox kept in `storage` under keys starting with `prefix` (default "seen:"). */
  constructor(storage: DurableStorage, prefix = "seen:") {
    this.#storage = storage;
    this.#prefix = prefix;
  }

  /** Whether the message `id` has been applied. */
  seen(id: string): boolean {
    return this.#storage.has(this.#prefix + id);
  }

  /**
   * Runs `effect` and records `id` as applied, unless it was already: returns whether the
   * effect ran. With `dedupe` false (a broken consumer) the effect runs every time.
   */
  applyOnce(id: string, effect: () => void, dedupe = true): boolean {
    if (dedupe && this.seen(id)) return false;
    effect();
    this.#storage.set(this.#prefix + id, true);
    return true;
  }
}

/**
 * Runs `operation` once per idempotency key, durably: the first call with `key` runs it
 * and stores its result in `storage` (in the same handler, so the effect and the record
 * land together); every later call returns the stored result without running it. With no
 * key, it runs every time. The in-memory `IdempotencyStore` of lib/resilience does the same
 * for a server that never crashes; this one survives a restart.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "../sim/node.ts";
 * import { runOnce } from "./outbox.ts";
 *
 * const storage = new MemoryStorage();
 * let stock = 5;
 * runOnce(storage, "o1:reserve", () => (stock -= 2, true)); // true
 * runOnce(storage, "o1:reserve", () => (stock -= 2, true)); // true, from the store
 * stock; // 3
 * ```
 */
export function runOnce<R>(
  storage: DurableStorage,
  key: string | undefined,
  operation: () => R,
): R {
  if (key === undefined) return operation();
  const stored = storage.get<{ result: R }>(`done:${key}`);
  if (stored !== undefined) return stored.result;
  const result = operation();
  storage.set(`done:${key}`, { result });
  return result;
}
