/**
 * Range and directory partitioning. A range partitioner keeps keys in order and gives
 * each partition a contiguous run of them, so range scans touch few partitions, but keys
 * whose popularity follows their order (timestamps, sequential ids) pile onto one
 * partition. Splitting a hot range at its load's median is how range-partitioned stores
 * (Bigtable's tablets, HBase's regions) cool it, until a range is a single hot key,
 * which no split can help. A directory maps keys to partitions explicitly.
 *
 * @module
 */

/**
 * Range partitioning of the whole numbers 0..keys-1: partition i holds the keys from
 * `starts[i]` up to `starts[i+1]` (exclusive).
 *
 * @example
 * ```ts
 * const ranges = new RangePartitioner([0, 100, 500], 1000);
 * ranges.owner(99); // 0
 * ranges.owner(500); // 2
 * ```
 */
export class RangePartitioner {
  /** The first key of each partition, increasing; the first is 0. */
  readonly starts: readonly number[];
  /** Keys in the key space, 0..keys-1. */
  readonly keys: number;

  /** Partitions starting at `starts` over keys 0..keys-1. */
  constructor(starts: readonly number[], keys: number) {
    if (starts[0] !== 0) {
      throw new RangeError("Cannot partition by range: the first range must start at key 0");
    }
    for (let i = 1; i < starts.length; i++) {
      if (!(starts[i]! > starts[i - 1]!) || starts[i]! >= keys) {
        throw new RangeError(
          `Cannot partition by range: starts must increase and stay below ${keys}, got ${
            starts.join(", ")
          }`,
        );
      }
    }
    this.starts = [...starts];
    this.keys = keys;
  }

  /** How many partitions there are. */
  get partitions(): number {
    return this.starts.length;
  }

  /** The partition of `key`, by binary search over the starts. */
  owner(key: number): number {
    const starts = this.starts;
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Each partition's total load, given the load of every key. */
  loads(keyLoads: ArrayLike<number>): Float64Array {
    const loads = new Float64Array(this.partitions);
    for (let p = 0; p < this.partitions; p++) {
      const end = this.starts[p + 1] ?? this.keys;
      for (let key = this.starts[p]!; key < end; key++) loads[p]! += keyLoads[key] as number;
    }
    return loads;
  }
}

/**
 * `partitions` ranges of (almost) equal numbers of keys.
 *
 * @example
 * ```ts
 * equalRanges(10, 3).starts; // [0, 3, 6] (4 keys in the last)
 * ```
 */
export function equalRanges(keys: number, partitions: number): RangePartitioner {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > keys) {
    throw new RangeError(
      `Cannot split ${keys} keys into ranges: partitions must be from 1 to ${keys}, got ${partitions}`,
    );
  }
  return new RangePartitioner(
    Array.from({ length: partitions }, (_, i) => Math.floor((i * keys) / partitions)),
    keys,
  );
}

/** What {@link splitHotRanges} did. */
export interface RangeSplitResult {
  /** The ranges after splitting. */
  readonly ranges: RangePartitioner;
  /** Splits made. */
  readonly splits: number;
  /** Ranges still above the limit that hold a single key: no split can cool them. */
  readonly unsplittable: number;
}

/**
 * Splits every range whose load exceeds `maxLoad` at the key where its cumulative load
 * passes half, again and again, until each range is under the limit or holds one key.
 *
 * @example
 * ```ts
 * splitHotRanges(equalRanges(8, 2), [5, 1, 1, 1, 1, 1, 1, 1], 3);
 * // key 0 alone carries 5 > 3: it ends up in a range of its own, unsplittable
 * ```
 */
export function splitHotRanges(
  ranges: RangePartitioner,
  keyLoads: ArrayLike<number>,
  maxLoad: number,
): RangeSplitResult {
  if (!(maxLoad > 0)) {
    throw new RangeError(`Cannot split ranges: maxLoad must be greater than 0, got ${maxLoad}`);
  }
  const starts = [...ranges.starts];
  let splits = 0;
  // Each pass splits every hot range once; a range of one key is never split, so this
  // ends within `keys` splits.
  for (let changed = true; changed;) {
    changed = false;
    for (let p = 0; p < starts.length; p++) {
      const start = starts[p]!, end = starts[p + 1] ?? ranges.keys;
      let load = 0;
      for (let key = start; key < end; key++) load += keyLoads[key] as number;
      if (load <= maxLoad || end - start < 2) continue;
      let cut = start + 1, running = keyLoads[start] as number;
      while (cut < end - 1 && running + (keyLoads[cut] as number) <= load / 2) {
        running += keyLoads[cut] as number;
        cut++;
      }
      starts.splice(p + 1, 0, cut);
      splits++;
      changed = true;
      p++;
    }
  }
  const result = new RangePartitioner(starts, ranges.keys);
  const loads = result.loads(keyLoads);
  let unsplittable = 0;
  for (let p = 0; p < result.partitions; p++) {
    const size = (result.starts[p + 1] ?? ranges.keys) - result.starts[p]!;
    if (loads[p]! > maxLoad && size === 1) unsplittable++;
  }
  return { ranges: result, splits, unsplittable };
}

/**
 * Directory partitioning: an explicit table from key to node, with a default rule for
 * keys not in it. It can put any key anywhere (move one hot key to a node of its own),
 * at the price of a lookup table every router must hold and keep current.
 *
 * @example
 * ```ts
 * const directory = new Directory((key) => key % 4);
 * directory.assign(7, 0);
 * directory.owner(7); // 0
 * ```
 */
export class Directory {
  readonly #entries = new Map<number, number>();
  readonly #fallback: (key: number) => number;

  /** A directory that places unlisted keys by `fallback`. */
  constructor(fallback: (key: number) => number) {
    this.#fallback = fallback;
  }

  /** Places `key` on `node`. */
  assign(key: number, node: number): void {
    this.#entries.set(key, node);
  }

  /** The node of `key`: its entry, or the fallback's choice. */
  owner(key: number): number {
    return this.#entries.get(key) ?? this.#fallback(key);
  }

  /** Entries in the table (the directory's metadata size). */
  get size(): number {
    return this.#entries.size;
  }
}
