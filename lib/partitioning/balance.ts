/**
 * Measuring a partitioning: how evenly keys spread over nodes, and how many keys move
 * when the set of nodes changes.
 *
 * @module
 */
import type { Partitioner } from "./schemes.ts";

/** How unevenly a load spreads over nodes. */
export interface ShareStats {
  /** Nodes counted. */
  readonly nodes: number;
  /** Standard deviation of the per-node load over its mean (population standard deviation). */
  readonly stdOverMean: number;
  /** The most loaded node's load over the mean (1 is perfect balance). */
  readonly maxOverMean: number;
  /** The least loaded node's load over the mean. */
  readonly minOverMean: number;
}

/**
 * Spread statistics of per-node loads (counts of keys, requests or arc lengths).
 *
 * @example
 * ```ts
 * shareStats([10, 10, 10, 10]).stdOverMean; // 0
 * shareStats([0, 20]).maxOverMean; // 2
 * ```
 */
export function shareStats(loads: ArrayLike<number>): ShareStats {
  const n = loads.length;
  if (n === 0) throw new RangeError("Cannot measure balance: there are no nodes");
  let sum = 0, max = -Infinity, min = Infinity;
  for (let i = 0; i < n; i++) {
    const x = loads[i] as number;
    sum += x;
    if (x > max) max = x;
    if (x < min) min = x;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += ((loads[i] as number) - mean) ** 2;
  if (mean === 0) throw new RangeError("Cannot measure balance: every node has zero load");
  return {
    nodes: n,
    stdOverMean: Math.sqrt(squares / n) / mean,
    maxOverMean: max / mean,
    minOverMean: min / mean,
  };
}

/**
 * The owner of every key 0..keys-1.
 *
 * @example
 * ```ts
 * import { createPartitioner } from "./schemes.ts";
 *
 * assignKeys(createPartitioner("jump", 10), 1000); // Int32Array of 1000 node numbers
 * ```
 */
export function assignKeys(partitioner: Partitioner, keys: number): Int32Array {
  const owners = new Int32Array(keys);
  for (let key = 0; key < keys; key++) owners[key] = partitioner.owner(key);
  return owners;
}

/** Keys per node, from an owner array. */
export function countPerNode(owners: ArrayLike<number>, nodes: number): Float64Array {
  const counts = new Float64Array(nodes);
  for (let i = 0; i < owners.length; i++) counts[owners[i] as number]! += 1;
  return counts;
}

/** What changed between two assignments of the same keys. */
export interface Movement {
  /** Keys whose owner changed, over all keys. */
  readonly movedFraction: number;
  /** Keys that moved to `newNode`. */
  readonly movedToNew: number;
  /** Keys that moved between two nodes that were both there before: needless moves. */
  readonly movedElsewhere: number;
}

/**
 * Compares the owners of the same keys before and after a node joined as `newNode`.
 * For a consistent scheme, every key that moves goes to the new node
 * (`movedElsewhere` is 0), and about 1/(n+1) of the keys move.
 *
 * @example
 * ```ts
 * keyMovement(Int32Array.of(0, 1, 1), Int32Array.of(0, 2, 1), 2);
 * // { movedFraction: 1/3, movedToNew: 1, movedElsewhere: 0 }
 * ```
 */
export function keyMovement(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  newNode: number,
): Movement {
  if (before.length !== after.length) {
    throw new RangeError(
      `Cannot compare assignments: ${before.length} keys before, ${after.length} after`,
    );
  }
  let movedToNew = 0, movedElsewhere = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    if (after[i] === newNode) movedToNew++;
    else movedElsewhere++;
  }
  return {
    movedFraction: before.length === 0 ? 0 : (movedToNew + movedElsewhere) / before.length,
    movedToNew,
    movedElsewhere,
  };
}
