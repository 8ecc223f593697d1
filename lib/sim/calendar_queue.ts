/**
 * A calendar queue (R. Brown, "Calendar queues", CACM 1988): the simulator's agenda when
 * many events are pending. Events hash by time into buckets one "day" wide; popping walks
 * the days in order, so push and pop take O(1) on average where a binary heap takes
 * O(log n). Order is exactly (time, seq), as in {@link EventQueue}.
 *
 * @module
 */
import type { Scheduled } from "./event_queue.ts";

const MIN_BUCKETS = 16;
const SAMPLE = 32;
/** A push that shifts more than this many items in its bucket means the days are too wide. */
const CROWDED = 16;

/**
 * A priority queue of {@link Scheduled} items ordered by (time, seq), with the same
 * interface as {@link EventQueue}. Items must never be pushed earlier than the last one
 * popped minus nothing: time may equal it, never precede it (true of a simulator, whose
 * events are never in the past).
 *
 * @example
 * ```ts
 * const queue = new CalendarQueue<{ time: number; seq: number }>();
 * queue.push({ time: 5, seq: 0 });
 * queue.push({ time: 1, seq: 1 });
 * queue.pop()?.time; // 1
 * ```
 */
export class CalendarQueue<T extends Scheduled> {
  /** Each bucket is sorted latest-first, so its earliest item is at the end. */
  #buckets: T[][] = [];
  #mask = 0;
  #width = 1;
  #size = 0;
  /** The day the search stands on: bucket index `#day & #mask`, ending at (#day+1)·width. */
  #day = 0;
  /** Pushes since the last resize, to re-estimate the day width at most once per `size` pushes. */
  #pushesSinceResize = 0;

  /** An empty queue. */
  constructor() {
    this.#allocate(MIN_BUCKETS, 1);
  }

  /** How many items are waiting. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item. */
  push(item: T): void {
    const day = Math.floor(item.time / this.#width);
    if (day < this.#day) this.#day = day;
    const shifts = insertSorted(this.#buckets[day & this.#mask] as T[], item);
    this.#size++;
    this.#pushesSinceResize++;
    if (this.#size > 2 * this.#buckets.length) {
      this.#resize(this.#buckets.length * 2);
    } else if (shifts > CROWDED && this.#pushesSinceResize > this.#size) {
      // Days too wide for the current spread of times (the width was estimated from a
      // burst of simultaneous events, say): re-estimate it with the same bucket count.
      this.#resize(this.#buckets.length);
    }
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    const bucket = this.#find();
    return bucket === undefined ? undefined : bucket[bucket.length - 1];
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const bucket = this.#find();
    if (bucket === undefined) return undefined;
    const item = bucket.pop();
    this.#size--;
    if (this.#size < this.#buckets.length / 4 && this.#buckets.length > MIN_BUCKETS) {
      this.#resize(this.#buckets.length / 2);
    }
    return item;
  }

  /** Every waiting item, in no particular order. */
  items(): readonly T[] {
    return this.#buckets.flat();
  }

  /** Removes every item. */
  clear(): void {
    this.#allocate(MIN_BUCKETS, this.#width);
    this.#size = 0;
    this.#day = 0;
  }

  /** Moves the search to the bucket holding the earliest item and returns that bucket. */
  #find(): T[] | undefined {
    if (this.#size === 0) return undefined;
    const buckets = this.#buckets;
    const mask = this.#mask;
    const width = this.#width;
    let day = this.#day;
    for (let scanned = 0; scanned <= mask; scanned++, day++) {
      const bucket = buckets[day & mask] as T[];
      const last = bucket.length - 1;
      // The same division that chose the bucket: `time < (day + 1) * width` can round the
      // other way at a day boundary and skip the day's earliest item.
      if (last >= 0 && Math.floor((bucket[last] as T).time / width) <= day) {
        this.#day = day;
        return bucket;
      }
    }
    // Nothing within a whole year: jump straight to the earliest item.
    let best: T[] | undefined;
    for (const bucket of buckets) {
      const candidate = bucket[bucket.length - 1];
      if (candidate === undefined) continue;
      const current = best?.[best.length - 1];
      if (current === undefined || isEarlier(candidate, current)) best = bucket;
    }
    const earliest = best?.[best.length - 1] as T;
    this.#day = Math.floor(earliest.time / width);
    return best;
  }

  #resize(bucketCount: number): void {
    const all = this.#buckets.flat();
    const width = estimateWidth(all, this.#width);
    this.#allocate(bucketCount, width);
    let day = Infinity;
    for (const item of all) {
      const itemDay = Math.floor(item.time / width);
      if (itemDay < day) day = itemDay;
      insertSorted(this.#buckets[itemDay & this.#mask] as T[], item);
    }
    this.#day = day === Infinity ? 0 : day;
    this.#pushesSinceResize = 0;
  }

  #allocate(bucketCount: number, width: number): void {
    this.#buckets = Array.from({ length: bucketCount }, () => []);
    this.#mask = bucketCount - 1;
    this.#width = width;
  }
}

/**
 * A day wide enough for about three items: 3 × the mean gap between the earliest distinct
 * times (simultaneous events say nothing about the spread, so they count once).
 */
function estimateWidth<T extends Scheduled>(items: T[], fallback: number): number {
  if (items.length < 2) return fallback;
  const sorted = items.map((item) => item.time).sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const time of sorted) {
    if (distinct[distinct.length - 1] !== time) distinct.push(time);
    if (distinct.length === SAMPLE) break;
  }
  if (distinct.length < 2) return fallback;
  const span = (distinct[distinct.length - 1] as number) - (distinct[0] as number);
  return (3 * span) / (distinct.length - 1);
}

/** Inserts keeping the bucket latest-first; returns how many items it moved. */
function insertSorted<T extends Scheduled>(bucket: T[], item: T): number {
  let index = bucket.length;
  bucket.push(item);
  while (index > 0 && isEarlier(bucket[index - 1] as T, item)) {
    bucket[index] = bucket[index - 1] as T;
    index--;
  }
  bucket[index] = item;
  return bucket.length - 1 - index;
}

function isEarlier(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
