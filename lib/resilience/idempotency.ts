/**
 * Idempotency keys: what makes a retry safe. A client that timed out cannot tell whether
 * its request was lost on the way, or done and its answer lost on the way back. If it
 * retries a deposit that was done, the money arrives twice. With a key chosen once per
 * operation and sent with every attempt, the server does the operation the first time it
 * sees the key and answers every later attempt with the stored result.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, parseConfig, positiveMs, probability } from "../config/mod.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";

/**
 * Results by idempotency key: {@link IdempotencyStore.run} does the operation the first
 * time it sees a key and returns the stored result every later time.
 *
 * @example
 * ```ts
 * const store = new IdempotencyStore<number>();
 * let balance = 0;
 * store.run("deposit-1", () => balance += 10); // 10
 * store.run("deposit-1", () => balance += 10); // 10 again, and balance is still 10
 * ```
 */
export class IdempotencyStore<R> {
  readonly #results = new Map<string, R>();
  #replays = 0;

  /** The result for `key`: `operation()`'s the first time, the stored one after. */
  run(key: string, operation: () => R): R {
    if (this.#results.has(key)) {
      this.#replays++;
      return this.#results.get(key) as R;
    }
    const result = operation();
    this.#results.set(key, result);
    return result;
  }

  /** Keys seen. */
  get size(): number {
    return this.#results.size;
  }

  /** Attempts answered from the store instead of being done again. */
  get replays(): number {
    return this.#replays;
  }
}

/** Messages of the deposit service. */
export type DepositMessage =
  | {
    readonly type: "deposit";
    readonly depositId: number;
    readonly amount: number;
    /** The idempotency key, the same for every attempt of one deposit; absent: none. */
    readonly key?: string;
  }
  | { readonly type: "deposit-ok"; readonly depositId: number; readonly balance: number };

/** An account server: adds each deposit to the balance, once per key when keys are sent. */
export class AccountServer implements Node<DepositMessage> {
  readonly #ctx: NodeContext<DepositMessage>;
  readonly #store = new IdempotencyStore<number>();
  #balance = 0;
  #applied = 0;

  /** A server acting through `ctx`. */
  constructor(ctx: NodeContext<DepositMessage>) {
    this.#ctx = ctx;
  }

  /** The balance. */
  get balance(): number {
    return this.#balance;
  }

  /** Deposits added to the balance (retries without a key count again). */
  get applied(): number {
    return this.#applied;
  }

  /** Applies a deposit (or replays its stored result) and answers with the balance. */
  onMessage(from: NodeId, message: DepositMessage): void {
    if (message.type !== "deposit") return;
    const apply = () => {
      this.#balance += message.amount;
      this.#applied++;
      return this.#balance;
    };
    const balance = message.key === undefined ? apply() : this.#store.run(message.key, apply);
    this.#ctx.send(from, { type: "deposit-ok", depositId: message.depositId, balance });
  }
}

/** Zod schema of {@link DepositRunOptions}. */
export const DepositRunOptionsSchema = z.strictObject({
  /** Deposits of 1 to make, one after another. Default 200. */
  deposits: integerAtLeast(0).default(200),
  /** Send an idempotency key with each deposit. Default true. */
  keys: z.boolean().default(true),
  /** Chance that any message is lost. Default 0.2. */
  lossProbability: probability().default(0.2),
  /** Time to wait for an answer before trying again, ms. Default 50. */
  timeoutMs: positiveMs().default(50),
});

/** Settings of {@link simulateDeposits}, with defaults applied. */
export type DepositRunOptions = z.output<typeof DepositRunOptionsSchema>;

/** What a deposit run did. */
export interface DepositRunResult {
  /** Deposits the client made (each acknowledged once in the end). */
  readonly intended: number;
  /** Deposits the server added to the balance. */
  readonly applied: number;
  /** The final balance. */
  readonly balance: number;
  /** Attempts the client sent. */
  readonly attempts: number;
}

/** A client that makes deposits one at a time, retrying each until it is acknowledged. */
class DepositClient implements Node<DepositMessage, number> {
  readonly #ctx: NodeContext<DepositMessage, number>;
  readonly #options: DepositRunOptions;
  #current = 0;
  #attempts = 0;
  #timer: TimerId | undefined;

  constructor(ctx: NodeContext<DepositMessage, number>, options: DepositRunOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  get attempts(): number {
    return this.#attempts;
  }

  get done(): boolean {
    return this.#current >= this.#options.deposits;
  }

  start(): void {
    if (!this.done) this.#send();
  }

  onMessage(_from: NodeId, message: DepositMessage): void {
    if (message.type !== "deposit-ok" || message.depositId !== this.#current) return;
    if (this.#timer !== undefined) this.#ctx.cancelTimer(this.#timer);
    this.#current++;
    if (!this.done) this.#send();
  }

  onTimer(depositId: number): void {
    if (depositId === this.#current && !this.done) this.#send();
  }

  #send(): void {
    this.#attempts++;
    // The key is made once per deposit, before the first attempt, and reused by every retry.
    const key = this.#options.keys ? `${this.#ctx.id}:${this.#current}` : undefined;
    this.#ctx.send("account", {
      type: "deposit",
      depositId: this.#current,
      amount: 1,
      ...(key === undefined ? {} : { key }),
    });
    this.#timer = this.#ctx.setTimer(this.#options.timeoutMs, this.#current);
  }
}

/**
 * A client makes `deposits` deposits of 1 over a lossy network, retrying each until it is
 * acknowledged; returns how many the server applied. Without keys, every retry of a
 * deposit whose answer (not request) was lost adds the money again.
 *
 * @example
 * ```ts
 * simulateDeposits({ keys: false }, 1).applied; // more than 200
 * simulateDeposits({ keys: true }, 1).applied;  // exactly 200
 * ```
 */
export function simulateDeposits(
  options: z.input<typeof DepositRunOptionsSchema>,
  seed: number,
): DepositRunResult {
  const parsed = parseConfig(DepositRunOptionsSchema, options, "deposits");
  const simulation = new Simulation<DepositMessage>({
    seed,
    record: false,
    network: {
      latency: { kind: "uniform", minMs: 2, maxMs: 10 },
      lossProbability: parsed.lossProbability,
    },
  });
  let server: AccountServer | undefined;
  let client: DepositClient | undefined;
  simulation.addNode("account", (ctx) => server = new AccountServer(ctx));
  simulation.addNode(
    "client",
    (ctx: NodeContext<DepositMessage, number>) => client = new DepositClient(ctx, parsed),
  );
  simulation.runUntilTrue(() => client?.done === true, {
    untilMs: Infinity,
    description: "every deposit acknowledged",
  });
  const account = server as AccountServer;
  return {
    intended: parsed.deposits,
    applied: account.applied,
    balance: account.balance,
    attempts: (client as DepositClient).attempts,
  };
}
