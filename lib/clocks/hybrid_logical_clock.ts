/**
 * Hybrid logical clocks (Kulkarni, Demirbas, Madappa, Avva and Leone, "Logical Physical
 * Clocks", 2014): a timestamp that stays close to physical time yet respects causality
 * like a Lamport clock. It pairs the largest physical time the node has heard of with a
 * small counter that breaks ties.
 *
 * @module
 */
import type { CausalClock, CausalOrder } from "./causal_clock.ts";
import { readVarint, varintSize, writeVarint } from "./encoding.ts";

/**
 * A hybrid logical timestamp: `wallMs` (the paper's l) is the largest physical clock
 * reading the node has heard of, directly or through messages; `logical` (the paper's c)
 * counts events that share that reading. Ordered by wallMs, then logical.
 */
export interface HlcTimestamp {
  /** The largest physical time known at the event, in ms (the paper's l). */
  readonly wallMs: number;
  /** Events since wallMs last changed (the paper's c). */
  readonly logical: number;
}

/** Options of {@link HybridLogicalClock}. */
export interface HybridLogicalClockOptions {
  /**
   * Granularity of the physical clock in ms: readings are rounded down to a multiple of
   * it, as a clock that ticks in whole milliseconds does. Default 0: exact readings.
   */
  readonly resolutionMs?: number;
}

/**
 * A node's hybrid logical clock. Rules (Kulkarni et al. 2014, figure 5), with pt the
 * node's physical clock:
 *
 * - local or send event: `l = max(l, pt)`; the counter goes up by one if l did not
 *   change and restarts at 0 if it did;
 * - receipt of (lm, cm): `l = max(l, lm, pt)`; the counter goes past every counter
 *   that shares the new l (the node's own, the message's, or both), else restarts at 0.
 *
 * Then a→b implies hlc(a) < hlc(b) (as for Lamport), l is never behind the node's own
 * physical clock, and l is ahead of it by at most the clock skew between nodes, as long
 * as no clock steps backwards.
 *
 * @example
 * ```ts
 * import { FakeContext } from "../testing/fake_context.ts";
 *
 * const ctx = new FakeContext("n1", ["n1", "n2"], { timeMs: 1_250 });
 * const clock = new HybridLogicalClock(() => ctx.now());
 * const stamp = clock.send(); // { wallMs: 1250, logical: 0 }: the node's clock, no logical steps yet
 * ```
 */
export class HybridLogicalClock implements CausalClock<HlcTimestamp> {
  readonly #now: () => number;
  readonly #resolutionMs: number;
  #wallMs = -Infinity;
  #logical = 0;

  /** A clock over the physical clock `now` (a node's `ctx.now`). */
  constructor(now: () => number, options: HybridLogicalClockOptions = {}) {
    if (typeof now !== "function") {
      throw new TypeError("Cannot make a hybrid logical clock: now must be a function () => ms");
    }
    const resolutionMs = options.resolutionMs ?? 0;
    if (!Number.isFinite(resolutionMs) || resolutionMs < 0) {
      throw new RangeError(
        `Cannot make a hybrid logical clock: resolutionMs must be a finite number at least 0, got ${resolutionMs}`,
      );
    }
    this.#now = now;
    this.#resolutionMs = resolutionMs;
  }

  /** The timestamp of the node's latest event, or undefined before its first. */
  get last(): HlcTimestamp | undefined {
    return this.#wallMs === -Infinity ? undefined : this.#stamp();
  }

  /** The physical clock's reading, rounded down to the resolution. */
  physicalMs(): number {
    const now = this.#now();
    const step = this.#resolutionMs;
    return step > 0 ? Math.floor(now / step) * step : now;
  }

  /** A local event. */
  tick(): HlcTimestamp {
    const previous = this.#wallMs;
    this.#wallMs = Math.max(previous, this.physicalMs());
    this.#logical = this.#wallMs === previous ? this.#logical + 1 : 0;
    return this.#stamp();
  }

  /** A send: timestamped like a local event; the result goes on the message. */
  send(): HlcTimestamp {
    return this.tick();
  }

  /** The receipt of a message stamped `stamp`. */
  receive(stamp: HlcTimestamp): HlcTimestamp {
    checkHlc(stamp, "receive");
    const previous = this.#wallMs;
    const wallMs = Math.max(previous, stamp.wallMs, this.physicalMs());
    // The counter must pass every earlier event that shares the new wall time: the
    // node's own latest, the message's, or both (Kulkarni et al. 2014, figure 5).
    if (wallMs === previous && wallMs === stamp.wallMs) {
      this.#logical = Math.max(this.#logical, stamp.logical) + 1;
    } else if (wallMs === previous) {
      this.#logical = this.#logical + 1;
    } else if (wallMs === stamp.wallMs) {
      this.#logical = stamp.logical + 1;
    } else {
      this.#logical = 0;
    }
    this.#wallMs = wallMs;
    return this.#stamp();
  }

  #stamp(): HlcTimestamp {
    return Object.freeze({ wallMs: this.#wallMs, logical: this.#logical });
  }
}

/**
 * Compares two hybrid logical timestamps: by wall time, then by counter. A total order
 * (never "concurrent"), like Lamport timestamps.
 *
 * @example
 * ```ts
 * compareHlc({ wallMs: 10, logical: 2 }, { wallMs: 10, logical: 3 }); // "before"
 * ```
 */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): CausalOrder {
  checkHlc(a, "compare");
  checkHlc(b, "compare");
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? "before" : "after";
  if (a.logical !== b.logical) return a.logical < b.logical ? "before" : "after";
  return "equal";
}

/**
 * A hybrid logical timestamp as text: wall time (ms, three decimals at most), a comma,
 * the counter.
 *
 * @example
 * ```ts
 * formatHlc({ wallMs: 12.3456, logical: 1 }); // "12.346,1"
 * ```
 */
export function formatHlc(stamp: HlcTimestamp): string {
  checkHlc(stamp, "format");
  return `${Math.round(stamp.wallMs * 1000) / 1000},${stamp.logical}`;
}

/**
 * A hybrid logical timestamp in binary: the wall time as an 8-byte float, then the
 * counter as a varint. Its size does not depend on the number of nodes.
 *
 * @example
 * ```ts
 * encodeHlc({ wallMs: 12.5, logical: 0 }).length; // 9
 * ```
 */
export function encodeHlc(stamp: HlcTimestamp): Uint8Array {
  checkHlc(stamp, "encode");
  const counter: number[] = [];
  writeVarint(counter, stamp.logical);
  const bytes = new Uint8Array(8 + counter.length);
  new DataView(bytes.buffer).setFloat64(0, stamp.wallMs);
  bytes.set(counter, 8);
  return bytes;
}

/** Reads a timestamp written by {@link encodeHlc}. */
export function decodeHlc(bytes: Uint8Array): HlcTimestamp {
  if (bytes.length < 9) {
    throw new RangeError(
      `Cannot decode a hybrid logical timestamp: it takes at least 9 bytes, got ${bytes.length}`,
    );
  }
  const wallMs = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0);
  const [logical, at] = readVarint(bytes, 8);
  if (at !== bytes.length) {
    throw new RangeError(
      `Cannot decode a hybrid logical timestamp: ${bytes.length - at} bytes left over`,
    );
  }
  return Object.freeze({ wallMs, logical });
}

/** Bytes {@link encodeHlc} takes for `stamp`. */
export function hlcSize(stamp: HlcTimestamp): number {
  checkHlc(stamp, "measure");
  return 8 + varintSize(stamp.logical);
}

function checkHlc(stamp: unknown, action: string): void {
  const s = stamp as Partial<HlcTimestamp> | null;
  if (
    s === null || typeof s !== "object" || typeof s.wallMs !== "number" ||
    Number.isNaN(s.wallMs) || !Number.isSafeInteger(s.logical) || (s.logical as number) < 0
  ) {
    throw new TypeError(
      `Cannot ${action} a hybrid logical timestamp: expected { wallMs: number, logical: whole number at least 0 }, got ${
        describe(stamp)
      }`,
    );
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
