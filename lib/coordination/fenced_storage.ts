/**
 * A shared storage service that lock holders read and write: one counter. With fencing,
 * it remembers the largest fencing token any request has carried and refuses a request
 * whose token is smaller, so a client whose lock has passed to someone else (whose lease
 * expired while its process was paused) cannot undo the newer holder's work. That check
 * is the whole of fencing (Kleppmann, "How to do distributed locking", 2016): the lock
 * service cannot stop a paused client, but the resource it protects can.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** A request to the storage: read the counter, or write it, with the caller's fencing token. */
export type StorageRequest =
  | { readonly type: "StorageRead"; readonly id: number; readonly token: number }
  | {
    readonly type: "StorageWrite";
    readonly id: number;
    readonly token: number;
    readonly value: number;
  };

/** The storage's answer: accepted (with the counter's value) or refused for a stale token. */
export interface StorageReply {
  /** The message kind. */
  readonly type: "StorageReply";
  /** The request's id. */
  readonly id: number;
  /** Whether the storage did what was asked. */
  readonly ok: boolean;
  /** The counter after the request (for a read: its value). */
  readonly value: number;
  /** The largest token the storage has seen. */
  readonly highestToken: number;
}

/** The storage's messages. */
export type StorageMessage = StorageRequest | StorageReply;

/**
 * The fencing rule: may the storage accept a request carrying `token` when the largest
 * token it has accepted so far is `highestToken` (0 before any)?
 */
export type FencingRule = (highestToken: number, token: number) => boolean;

/** Fencing: accept a token no smaller than any already accepted. */
export function fenceByToken(highestToken: number, token: number): boolean {
  return token >= highestToken;
}

/** No fencing: accept everything (the storage trusts that the lock works). */
export function acceptAll(_highestToken: number, _token: number): boolean {
  return true;
}

/** One request the storage accepted or refused. */
export interface StorageAccess {
  /** When it arrived, in true virtual ms (the observer's clock). */
  readonly atMs: number;
  /** Who sent it. */
  readonly client: NodeId;
  /** Read or write. */
  readonly kind: "read" | "write";
  /** The token it carried. */
  readonly token: number;
  /** Whether the storage accepted it. */
  readonly accepted: boolean;
  /** For a write, the value written. */
  readonly value?: number;
}

/** Options of {@link FencedStorage}. */
export interface FencedStorageOptions {
  /** Which requests to accept. Default {@link fenceByToken}. */
  readonly rule?: FencingRule;
  /** True time, for the access log (the simulation's `now`). */
  readonly now: () => number;
}

/**
 * The storage node: one counter, every access logged for the checkers.
 *
 * @example
 * ```ts
 * // new FencedStorage(ctx, { rule: fenceByToken, now: () => simulation.now })
 * fenceByToken(34, 33); // false: token 33's holder lost the lock to 34's
 * ```
 */
export class FencedStorage implements Node<StorageMessage> {
  /** Every request, in arrival order. */
  readonly accesses: StorageAccess[] = [];
  readonly #ctx: NodeContext<StorageMessage>;
  readonly #rule: FencingRule;
  readonly #now: () => number;
  #value = 0;
  #highest = 0;
  #acceptedHighest: StorageAccess | undefined;
  #outOfOrder: { readonly stale: StorageAccess; readonly after: StorageAccess } | undefined;

  /** A storage node with the counter at 0. */
  constructor(ctx: NodeContext<StorageMessage>, options: FencedStorageOptions) {
    this.#ctx = ctx;
    this.#rule = options.rule ?? fenceByToken;
    this.#now = options.now;
  }

  /** The counter now. */
  get value(): number {
    return this.#value;
  }

  /** The largest token accepted so far. */
  get highestToken(): number {
    return this.#highest;
  }

  /**
   * The first accepted request whose token was lower than one accepted before it, with
   * that one (the same as {@link outOfOrderAccess} of the log, kept as requests arrive).
   */
  get outOfOrder(): { readonly stale: StorageAccess; readonly after: StorageAccess } | undefined {
    return this.#outOfOrder;
  }

  /** Serves a read or a write, if the fencing rule accepts its token. */
  onMessage(from: NodeId, message: StorageMessage): void {
    if (message.type === "StorageReply") return;
    const accepted = this.#rule(this.#highest, message.token) === true;
    if (accepted) {
      this.#highest = Math.max(this.#highest, message.token);
      if (message.type === "StorageWrite") this.#value = message.value;
    }
    const access: StorageAccess = {
      atMs: this.#now(),
      client: from,
      kind: message.type === "StorageRead" ? "read" : "write",
      token: message.token,
      accepted,
      ...(message.type === "StorageWrite" ? { value: message.value } : {}),
    };
    this.accesses.push(access);
    if (accepted) {
      const before = this.#acceptedHighest;
      if (before !== undefined && access.token < before.token) {
        this.#outOfOrder ??= { stale: access, after: before };
      }
      if (before === undefined || access.token > before.token) this.#acceptedHighest = access;
    }
    this.#ctx.send(from, {
      type: "StorageReply",
      id: message.id,
      ok: accepted,
      value: this.#value,
      highestToken: this.#highest,
    });
  }
}

/**
 * Mutual exclusion as the storage saw it: no accepted request carries a token lower than
 * one accepted before it (a lower token is an older holder, so its request came from a
 * critical section that should have ended). Returns the first offending access with the
 * one it came after, or undefined.
 *
 * @example
 * ```ts
 * outOfOrderAccess([
 *   { atMs: 5, client: "c2", kind: "write", token: 2, accepted: true, value: 1 },
 *   { atMs: 9, client: "c1", kind: "write", token: 1, accepted: true, value: 1 },
 * ])?.stale.client; // "c1"
 * ```
 */
export function outOfOrderAccess(
  accesses: readonly StorageAccess[],
): { readonly stale: StorageAccess; readonly after: StorageAccess } | undefined {
  let highest: StorageAccess | undefined;
  for (const access of accesses) {
    if (!access.accepted) continue;
    if (highest !== undefined && access.token < highest.token) {
      return { stale: access, after: highest };
    }
    if (highest === undefined || access.token > highest.token) highest = access;
  }
  return undefined;
}
