/**
 * A calendar queue (R. Brown, "Calendar queues", CACM 1988): the simulator's agenda when
 * many events are pending. Events hash by time into buckets one "day" wide; popping walks
 * the days in order, so push and pop take O(1) on average where a binary heap takes
 * O(log n). Order is exactly (time, seq), as in {@link EventQueue}.
 *
 * Items that share one time form a single run inside their bucket, a first-in first-out
 * queue: a burst of simultaneous events (a thousand nodes starting at once, a FIFO link
 * holding back many messages, timers shorter than a float can add to the clock) costs
 * O(1) per event instead of a shift past every earlier event of the same time.
 *
 * @module
 */
import type { Scheduled } from "./event_queue.ts";

const MIN_BUCKETS = 16;
const SAMPLE = 32;
/** A push that shifts more than this many entries in its bucket means the days are too wide. */
const CROWDED = 16;
/** Most emptied runs kept for reuse. */
const MAX_SPARE_RUNS = 1024;
/** A run compacts its array once this many popped slots lead it (and they are half of it). */
const COMPACT_AFTER = 1024;

/** Items of one time, in increasing seq; `items[head]` is the next to pop. */
class Run<T extends Scheduled> {
  time = 0;
  head = 0;
  readonly items: (T | undefined)[] = [];
}

/**
 * A priority queue of {@link Scheduled} items ordered by (time, seq), with the same
 * interface as {@link EventQueue}. Items must never be pushed earlier than the last one
 * popped: time may equal it, never precede it (true of a simulator, whose events are
 * never in the past).
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
  /**
   * Each bucket holds entries of distinct times, latest first, so its earliest is last.
   * An entry is a lone item, or a {@link Run} once a second item of its time arrives.
   */
  #buckets: (T | Run<T>)[][] = [];
  #spare: Run<T>[] = [];
  #mask = 0;
  #width = 1;
  #size = 0;
  /** Entries in all buckets (distinct pending times): what bucket counts are sized for. */
  #entries = 0;
  /** The day the search stands on: bucket index `#day & #mask`, ending at (#day+1)·width. */
  #day = 0;
  /** Pushes since the last resize, to re-estimate the day width at most once per `size` pushes. */
  #pushesSinceResize = 0;
  /** Pops since the last resize. */
  #popsSinceResize = 0;
  /** Empty days the search walked past since the last resize. */
  #skippedSinceResize = 0;
  /** Empty days the search walked past before the last resize. */
  #skippedBefore = 0;

  /** An empty queue. */
  constructor() {
    this.#allocate(MIN_BUCKETS, 1);
  }

  /** How many items are waiting. */
  get size(): number {
    return this.#size;
  }

  /**
   * Empty days the search has walked past so far: the part of a pop's work that grows
   * when the day width is wrong for the times queued (for tests and benchmarks).
   */
  get daysWalked(): number {
    return this.#skippedBefore + this.#skippedSinceResize;
  }

  /** Adds an item. */
  push(item: T): void {
    const time = item.time;
    const day = Math.floor(time / this.#width);
    if (day < this.#day) this.#day = day;
    const bucket = this.#buckets[day & this.#mask] as (T | Run<T>)[];
    this.#size++;
    this.#pushesSinceResize++;
    let index = bucket.length;
    bucket.push(item);
    while (index > 0) {
      const later = bucket[index - 1] as T | Run<T>;
      if (later.time > time) break;
      if (later.time === time) {
        // Same time: join (or start) the run of that time; the slot taken above is undone.
        bucket.copyWithin(index, index + 1);
        bucket.length--;
        if (later instanceof Run) appendToRun(later, item);
        else bucket[index - 1] = this.#startRun(later, item);
        return;
      }
      bucket[index] = later;
      index--;
    }
    bucket[index] = item;
    this.#entries++;
    if (this.#entries > 2 * this.#buckets.length) {
      this.#resize(this.#buckets.length * 2);
    } else if (
      bucket.length - 1 - index > CROWDED && this.#pushesSinceResize > this.#entries
    ) {
      // Days too wide for the current spread of times (the width was estimated from a
      // burst of close events, say): re-estimate it with the same bucket count.
      this.#resize(this.#buckets.length);
    }
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    const bucket = this.#find();
    if (bucket === undefined) return undefined;
    const entry = bucket[bucket.length - 1] as T | Run<T>;
    return entry instanceof Run ? entry.items[entry.head] : entry;
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const bucket = this.#find();
    if (bucket === undefined) return undefined;
    return this.#take(bucket, bucket[bucket.length - 1] as T | Run<T>);
  }

  /**
   * Removes and returns the earliest item if its time is at most `timeMs`; otherwise
   * leaves the queue as it was and returns undefined. A run loop's step in one search,
   * where `peek` then `pop` would search twice.
   */
  popNotAfter(timeMs: number): T | undefined {
    const bucket = this.#find();
    if (bucket === undefined) return undefined;
    const entry = bucket[bucket.length - 1] as T | Run<T>;
    if (entry.time > timeMs) return undefined;
    return this.#take(bucket, entry);
  }

  /** Removes the earliest item from `entry`, the earliest entry, at the end of `bucket`. */
  #take(bucket: (T | Run<T>)[], entry: T | Run<T>): T | undefined {
    this.#size--;
    this.#popsSinceResize++;
    if (!(entry instanceof Run)) {
      bucket.pop();
      this.#removed();
      return entry;
    }
    const items = entry.items;
    const item = items[entry.head];
    items[entry.head] = undefined;
    entry.head++;
    if (entry.head === items.length) {
      bucket.pop();
      items.length = 0;
      entry.head = 0;
      if (this.#spare.length < MAX_SPARE_RUNS) this.#spare.push(entry);
      this.#removed();
    } else if (entry.head >= COMPACT_AFTER && 2 * entry.head >= items.length) {
      // A run fed as fast as it drains (events at "now") would otherwise grow forever.
      items.copyWithin(0, entry.head);
      items.length -= entry.head;
      entry.head = 0;
    }
    return item;
  }

  /** Every waiting item, in no particular order. */
  items(): readonly T[] {
    const all: T[] = [];
    for (const bucket of this.#buckets) {
      for (const entry of bucket) {
        if (!(entry instanceof Run)) all.push(entry);
        else for (let i = entry.head; i < entry.items.length; i++) all.push(entry.items[i] as T);
      }
    }
    return all;
  }

  /** Removes every item. */
  clear(): void {
    this.#allocate(MIN_BUCKETS, this.#width);
    this.#size = 0;
    this.#entries = 0;
    this.#day = 0;
  }

  /** A run of two items of one time, in seq order. */
  #startRun(first: T, second: T): Run<T> {
    const run = this.#spare.pop() ?? new Run<T>();
    run.time = first.time;
    if (first.seq < second.seq) run.items.push(first, second);
    else run.items.push(second, first);
    return run;
  }

  /** Book-keeping after a whole entry left its bucket. */
  #removed(): void {
    this.#entries--;
    if (this.#entries < this.#buckets.length / 4 && this.#buckets.length > MIN_BUCKETS) {
      this.#resize(this.#buckets.length / 2);
    }
  }

  /** Moves the search to the bucket holding the earliest item and returns that bucket. */
  #find(): (T | Run<T>)[] | undefined {
    if (this.#size === 0) return undefined;
    if (this.#skippedSinceResize > 2 * this.#buckets.length + 16 * this.#popsSinceResize) {
      // Days too narrow for the times now at the front (the width was estimated from a
      // burst of nearly simultaneous events, say): each pop walks many empty days.
      // Re-estimating costs about what the walking did, so it stays O(1) amortised.
      this.#resize(this.#buckets.length);
    }
    const buckets = this.#buckets;
    const mask = this.#mask;
    const width = this.#width;
    let day = this.#day;
    for (let scanned = 0; scanned <= mask; scanned++, day++) {
      const bucket = buckets[day & mask] as (T | Run<T>)[];
      const last = bucket.length - 1;
      // The same division that chose the bucket: `time < (day + 1) * width` can round the
      // other way at a day boundary and skip the day's earliest item.
      if (last >= 0 && Math.floor((bucket[last] as T | Run<T>).time / width) <= day) {
        this.#skippedSinceResize += day - this.#day;
        this.#day = day;
        return bucket;
      }
    }
    this.#skippedSinceResize += mask + 1;
    // Nothing within a whole year: jump straight to the earliest item.
    let best: (T | Run<T>)[] | undefined;
    let bestTime = Infinity;
    for (const bucket of buckets) {
      const candidate = bucket[bucket.length - 1];
      if (candidate !== undefined && candidate.time < bestTime) {
        best = bucket;
        bestTime = candidate.time;
      }
    }
    this.#day = Math.floor(bestTime / width);
    return best;
  }

  #resize(bucketCount: number): void {
    // Entries have distinct times, so a run moves whole; latest first, each lands at the
    // end of its bucket (where the earliest belongs), so the rebuild is a sort, no shifts.
    const entries = this.#buckets.flat().sort((a, b) => b.time - a.time);
    const width = estimateWidth(entries, this.#width);
    this.#allocate(bucketCount, width);
    for (const entry of entries) {
      (this.#buckets[Math.floor(entry.time / width) & this.#mask] as (T | Run<T>)[]).push(entry);
    }
    const earliest = entries[entries.length - 1];
    this.#day = earliest === undefined ? 0 : Math.floor(earliest.time / width);
    this.#pushesSinceResize = 0;
    this.#popsSinceResize = 0;
    this.#skippedBefore += this.#skippedSinceResize;
    this.#skippedSinceResize = 0;
  }

  #allocate(bucketCount: number, width: number): void {
    this.#buckets = Array.from({ length: bucketCount }, () => []);
    this.#mask = bucketCount - 1;
    this.#width = width;
  }
}

/** Adds an item to the run of its time, keeping the run in increasing seq. */
function appendToRun<T extends Scheduled>(run: Run<T>, item: T): void {
  const items = run.items;
  let index = items.length;
  items.push(item);
  // A simulator's seq only grows, so this loop never turns; other callers stay correct.
  while (index > run.head && (items[index - 1] as T).seq > item.seq) {
    items[index] = items[index - 1];
    index--;
  }
  items[index] = item;
}

/**
 * A day wide enough for about three entries: 3 × the mean gap between the earliest
 * distinct times, leaving out gaps more than twice the mean (Brown's rule: one far
 * outlier says nothing about the spacing at the front). `latestFirst` is sorted by
 * decreasing time, so the earliest entries are at its end.
 */
function estimateWidth(latestFirst: { readonly time: number }[], fallback: number): number {
  const count = Math.min(latestFirst.length, SAMPLE);
  if (count < 2) return fallback;
  const gaps: number[] = [];
  for (let i = latestFirst.length - 1; i > latestFirst.length - count; i--) {
    gaps.push(
      (latestFirst[i - 1] as { time: number }).time - (latestFirst[i] as { time: number }).time,
    );
  }
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
  let kept = 0, total = 0;
  for (const gap of gaps) {
    if (gap <= 2 * mean) {
      kept++;
      total += gap;
    }
  }
  const width = kept > 0 ? (3 * total) / kept : 3 * mean;
  // Days so narrow that a time's day number loses integer precision would misorder.
  const latest = Math.abs((latestFirst[0] as { time: number }).time);
  const narrowest = latest * 2 ** -40;
  if (!(width > 0) || !Number.isFinite(width)) return Math.max(fallback, narrowest);
  return Math.max(width, narrowest);
}
