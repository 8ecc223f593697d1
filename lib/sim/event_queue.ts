/**
 * The simulator's agenda: a binary min-heap of events ordered by (time, insertion
 * sequence), so simultaneous events run in the order they were scheduled.
 *
 * @module
 */

/** Anything the queue can order: a virtual time and a unique, increasing sequence number. */
export interface Scheduled {
  /** Virtual time in milliseconds. */
  readonly time: number;
  /** Tie-breaker: events at the same time run in increasing `seq`. */
  readonly seq: number;
}

/**
 * A min-heap of {@link Scheduled} items. `push` and `pop` are O(log n); the ordering is
 * total, so the same pushes always give the same pops.
 *
 * @example
 * ```ts
 * const queue = new EventQueue<{ time: number; seq: number }>();
 * queue.push({ time: 5, seq: 0 });
 * queue.push({ time: 1, seq: 1 });
 * queue.pop()?.time; // 1
 * ```
 */
export class EventQueue<T extends Scheduled> {
  #heap: T[] = [];

  /** How many items are waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const heap = this.#heap;
    let index = heap.length;
    heap.push(item);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as T;
      if (!isEarlier(item, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = item;
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const length = heap.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childItem = heap[left] as T;
      if (right < length) {
        const rightItem = heap[right] as T;
        if (isEarlier(rightItem, childItem)) {
          child = right;
          childItem = rightItem;
        }
      }
      if (!isEarlier(childItem, last)) break;
      heap[index] = childItem;
      index = child;
    }
    heap[index] = last;
    return top;
  }

  /**
   * Removes and returns the earliest item if its time is at most `timeMs`; otherwise
   * leaves the queue as it was and returns undefined.
   */
  popNotAfter(timeMs: number): T | undefined {
    const top = this.#heap[0];
    return top === undefined || top.time > timeMs ? undefined : this.pop();
  }

  /** Every waiting item, in no particular order (for inspection, not for running). */
  items(): readonly T[] {
    return this.#heap;
  }

  /** Removes every item. */
  clear(): void {
    this.#heap = [];
  }
}

function isEarlier(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
