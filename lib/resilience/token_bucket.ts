/**
 * Token buckets: a rate limiter ({@link TokenBucket}) and a retry budget
 * ({@link RetryBudget}). Both take the time as an argument instead of reading a clock, so
 * a node passes `ctx.now()` and a test passes whatever it likes.
 *
 * @module
 */
import { z } from "zod";
import { nonNegativeNumber, parseConfig, positiveNumber } from "../config/mod.ts";

/** Zod schema of {@link TokenBucketOptions}. */
export const TokenBucketOptionsSchema = z.strictObject({
  /** Most tokens the bucket holds: the largest burst it lets through. */
  capacity: positiveNumber(),
  /** Tokens added per second of time, up to the capacity. */
  refillPerSecond: nonNegativeNumber(),
  /** Tokens at the start. Default: full. */
  initialTokens: nonNegativeNumber().optional(),
}).refine((o) => o.initialTokens === undefined || o.initialTokens <= o.capacity, {
  error: "must be at most capacity",
  path: ["initialTokens"],
});

/** Settings of a {@link TokenBucket}, with defaults applied. */
export type TokenBucketOptions = z.output<typeof TokenBucketOptionsSchema>;

/** What a user may write for {@link TokenBucketOptions}. */
export type TokenBucketOptionsInput = z.input<typeof TokenBucketOptionsSchema>;

/**
 * A token bucket: it refills at `refillPerSecond` up to `capacity`, and each request
 * that finds a token takes it. Over any interval of t seconds it lets through at most
 * `capacity + refillPerSecond · t` requests: bursts up to the capacity, then the rate.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 });
 * bucket.tryTake(0); // true
 * bucket.tryTake(0); // true
 * bucket.tryTake(0); // false: empty
 * bucket.tryTake(100); // true: 100 ms refilled one token
 * ```
 */
export class TokenBucket {
  /** The settings in use. */
  readonly options: TokenBucketOptions;
  #tokens: number;
  #lastMs: number | undefined;

  /** A bucket, full unless `initialTokens` says otherwise; a bad option throws a ConfigError. */
  constructor(options: TokenBucketOptionsInput) {
    this.options = parseConfig(TokenBucketOptionsSchema, options, "bucket");
    this.#tokens = this.options.initialTokens ?? this.options.capacity;
  }

  /** Tokens in the bucket at `nowMs` (refilled up to then). */
  tokens(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /** Takes `count` tokens at `nowMs` if there are that many; false (and takes none) if not. */
  tryTake(nowMs: number, count = 1): boolean {
    this.#refill(nowMs);
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Adds `count` tokens (up to the capacity), as a deposit rather than the passing of time. */
  deposit(count: number): void {
    this.#tokens = Math.min(this.options.capacity, this.#tokens + count);
  }

  #refill(nowMs: number): void {
    if (this.#lastMs !== undefined && nowMs < this.#lastMs) {
      throw new RangeError(
        `Cannot read the bucket at ${nowMs} ms: it was already read at ${this.#lastMs} ms`,
      );
    }
    if (this.#lastMs !== undefined) {
      const added = (nowMs - this.#lastMs) * this.options.refillPerSecond / 1000;
      this.#tokens = Math.min(this.options.capacity, this.#tokens + added);
    }
    this.#lastMs = nowMs;
  }
}

/** Zod schema of {@link RetryBudgetOptions}. */
export const RetryBudgetOptionsSchema = z.strictObject({
  /** Retries earned per first attempt: 0.1 lets retries add at most 10% to the load. Default 0.1. */
  ratio: z.number().min(0, { error: "must be between 0 and 1" })
    .max(1, { error: "must be between 0 and 1" }).default(0.1),
  /** Most retries saved up, for a burst of failures after a quiet spell. Default 10. */
  capacity: positiveNumber().default(10),
});

/** Settings of a {@link RetryBudget}, with defaults applied. */
export type RetryBudgetOptions = z.output<typeof RetryBudgetOptionsSchema>;

/** What a user may write for {@link RetryBudgetOptions}. */
export type RetryBudgetOptionsInput = z.input<typeof RetryBudgetOptionsSchema>;

/**
 * A retry budget: a token bucket of retries that fills with each first attempt. Every
 * request deposits `ratio` of a token; every retry must take a whole one. However many
 * requests fail, retries stay below `ratio × requests + capacity`, so a client can never
 * multiply its load by its retry count when the server is struggling (Finagle's and
 * gRPC's retry budgets work this way).
 *
 * @example
 * ```ts
 * const budget = new RetryBudget({ ratio: 0.1, capacity: 1 });
 * budget.tryRetry(); // true: the saved-up token
 * budget.tryRetry(); // false
 * for (let i = 0; i < 10; i++) budget.onRequest();
 * budget.tryRetry(); // true: ten requests earned one retry
 * ```
 */
export class RetryBudget {
  /** The settings in use. */
  readonly options: RetryBudgetOptions;
  #tokens: number;
  #requests = 0;
  #retries = 0;

  /** A budget that starts full; a bad option throws a ConfigError naming it. */
  constructor(options: RetryBudgetOptionsInput = {}) {
    this.options = parseConfig(RetryBudgetOptionsSchema, options, "retryBudget");
    this.#tokens = this.options.capacity;
  }

  /** Records a first attempt: it earns `ratio` of a retry. */
  onRequest(): void {
    this.#requests++;
    this.#tokens = Math.min(this.options.capacity, this.#tokens + this.options.ratio);
  }

  /** Whether a retry may go now; if so, it is counted against the budget. */
  tryRetry(): boolean {
    // A small tolerance: ten deposits of 0.1 add up to 0.9999999999999999.
    if (this.#tokens < 1 - 1e-9) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    this.#retries++;
    return true;
  }

  /** Retries saved up now. */
  get tokens(): number {
    return this.#tokens;
  }

  /** First attempts recorded. */
  get requests(): number {
    return this.#requests;
  }

  /** Retries allowed so far. */
  get retries(): number {
    return this.#retries;
  }
}
