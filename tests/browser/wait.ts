/**
 * Bounded waiting for the browser test: poll a condition until it holds or its time is up,
 * and a deadline that caps every wait of a whole run.
 *
 * @module
 */

/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Longest to wait, in ms. */
  readonly timeoutMs: number;
  /** Pause between two probes, in ms. Default 200. */
  readonly intervalMs?: number;
  /** What was seen last, for the timeout's message. */
  readonly describe?: () => string | Promise<string>;
}

/** A condition that did not hold in time. */
export class WaitTimeoutError extends Error {
  /** Wraps the message. */
  constructor(message: string) {
    super(message);
    this.name = "WaitTimeoutError";
  }
}

/**
 * Calls `probe` until it returns something other than undefined, null or false, and
 * returns that. A probe that throws ends the wait with its error.
 *
 * @param what What is awaited, completing "Cannot <what> within 30 s".
 * @throws {WaitTimeoutError} when `timeoutMs` passes first, with `describe()` appended.
 *
 * @example
 * ```ts
 * const port = await waitFor("read the port", () => server.port(), { timeoutMs: 5_000 });
 * ```
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions,
): Promise<T> {
  const { timeoutMs } = options;
  const intervalMs = options.intervalMs ?? 200;
  if (!(timeoutMs >= 0) || !(intervalMs > 0)) {
    throw new RangeError(
      `Cannot wait to ${what}: the timeout must be >= 0 and the interval > 0, got ${timeoutMs} and ${intervalMs}`,
    );
  }
  const end = performance.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    const left = end - performance.now();
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left));
  }
  const seen = options.describe ? await options.describe() : "";
  throw new WaitTimeoutError(
    `Cannot ${what} within ${formatSeconds(timeoutMs)}${seen ? `: ${seen}` : ""}`,
  );
}

/**
 * A point in wall time after which a run gives up: each wait takes the smaller of its own
 * bound and the time left.
 *
 * @example
 * ```ts
 * const deadline = new Deadline(600_000);
 * await waitFor("open the page", probe, { timeoutMs: deadline.bound(60_000) });
 * ```
 */
export class Deadline {
  readonly #endMs: number;
  /** The whole budget, in ms. */
  readonly totalMs: number;

  /** A deadline `totalMs` from now. */
  constructor(totalMs: number) {
    if (!(totalMs > 0)) {
      throw new RangeError(`Cannot set a deadline: the time must be positive, got ${totalMs}`);
    }
    this.totalMs = totalMs;
    this.#endMs = performance.now() + totalMs;
  }

  /** Time left, in ms (0 once passed). */
  remainingMs(): number {
    return Math.max(0, this.#endMs - performance.now());
  }

  /**
   * The smaller of `ms` and the time left.
   *
   * @throws {WaitTimeoutError} when the deadline has passed.
   */
  bound(ms: number): number {
    const left = this.remainingMs();
    if (left <= 0) {
      throw new WaitTimeoutError(
        `Cannot go on: the run's time of ${formatSeconds(this.totalMs)} is up`,
      );
    }
    return Math.min(ms, left);
  }
}

/**
 * Whether `promise` settles (resolves or rejects) within `ms`; the timer is cleared
 * either way.
 *
 * @example
 * ```ts
 * if (!await settleWithin(browser.close(), 15_000)) killTheBrowser();
 * ```
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A duration for messages: "250 ms" below a second, else "30 s", "1.5 s". */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
