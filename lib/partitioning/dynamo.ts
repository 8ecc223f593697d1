/**
 * Dynamo's three partitioning strategies (DeCandia et al., "Dynamo: Amazon's Highly
 * Available Key-value Store", SOSP 2007, section 6.2), compared by load-balancing
 * efficiency at equal metadata size:
 *
 * 1. T random tokens per node, and a key's range is the arc between two tokens;
 * 2. T random tokens per node and Q equal partitions: a partition is stored on the
 *    first N distinct nodes met walking clockwise from its end;
 * 3. Q/S tokens per node and Q equal partitions: every node holds exactly Q/S
 *    partitions, and a partition's replicas are the next distinct nodes after it.
 *
 * Metadata is what a node keeps to route: strategy 1 keeps S·T tokens; strategy 2 keeps
 * S·T tokens and a table of Q partitions (here half of the budget each, Q = S·T);
 * strategy 3 keeps only the Q-entry partition table, its tokens being the partitions.
 * Efficiency is the mean load per node over the hottest node's load (1 is perfect).
 * Loads here are exact: a node's load is the fraction of the key space for which it is
 * one of the N replicas, the load of uniformly spread requests.
 *
 * @module
 */
import { Random } from "../sim/random.ts";
import { HASH_SPACE } from "./hash.ts";
import { HashRing } from "./ring.ts";

/** Dynamo's strategies, by their number in the paper. */
export type DynamoStrategy = 1 | 2 | 3;

/** Options of {@link dynamoLoads}. */
export interface DynamoOptions {
  /** Nodes, S. Default 30, as in the paper. */
  readonly nodes?: number;
  /** Replicas per key, N. Default 3, as in the paper. */
  readonly replicas?: number;
  /**
   * Metadata size M, in entries a node keeps: strategy 1 gets T = M/S tokens per node;
   * strategy 2 gets T = M/(2S) tokens per node and Q = M/2 partitions; strategy 3 gets
   * Q = M partitions, M/S per node. A multiple of `nodes` (of 2·`nodes` for strategy 2).
   */
  readonly metadata: number;
  /** Seed of the token positions (strategies 1, 2) or the partition shuffle (3). Default 1. */
  readonly seed?: number;
}

/**
 * Each node's load under `strategy`: the fraction of the key space it stores a replica
 * of (the loads sum to N).
 *
 * @example
 * ```ts
 * dynamoLoads(3, { metadata: 300 }); // 30 loads, each close to 3/30
 * ```
 */
export function dynamoLoads(strategy: DynamoStrategy, options: DynamoOptions): Float64Array {
  const nodes = options.nodes ?? 30;
  const replicas = options.replicas ?? 3;
  const { metadata } = options;
  const seed = options.seed ?? 1;
  const unit = strategy === 2 ? 2 * nodes : nodes;
  if (!Number.isInteger(metadata) || metadata < unit || metadata % unit !== 0) {
    throw new RangeError(
      `Cannot place Dynamo's partitions: metadata of strategy ${strategy} must be a positive ` +
        `multiple of ${unit}, got ${metadata}`,
    );
  }
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > nodes) {
    throw new RangeError(
      `Cannot place Dynamo's partitions: replicas must be from 1 to ${nodes}, got ${replicas}`,
    );
  }
  const tokensPerNode = metadata / nodes;
  const loads = new Float64Array(nodes);
  if (strategy === 1) {
    const ring = new HashRing(nodes, { vnodes: tokensPerNode, seed });
    let previous = ring.token(ring.size - 1).position - HASH_SPACE;
    for (let i = 0; i < ring.size; i++) {
      const { position } = ring.token(i);
      const share = (position - previous) / HASH_SPACE;
      for (const node of ring.preferenceList(position, replicas)) loads[node]! += share;
      previous = position;
    }
  } else if (strategy === 2) {
    // Half of the metadata holds tokens, half the partition table.
    const ring = new HashRing(nodes, { vnodes: tokensPerNode / 2, seed });
    const partitions = metadata / 2;
    for (let p = 0; p < partitions; p++) {
      // The partition's end, (p+1)/Q of the way round, on the 2^32 ring.
      const end = Math.floor(((p + 1) % partitions) * HASH_SPACE / partitions);
      for (const node of ring.preferenceList(end, replicas)) loads[node]! += 1 / partitions;
    }
  } else if (strategy === 3) {
    const owners = new Random(seed, "dynamo-strategy-3").shuffle(
      Array.from({ length: metadata }, (_, i) => i % nodes),
    );
    for (let p = 0; p < metadata; p++) {
      const holders: number[] = [];
      for (let step = 0; step < metadata && holders.length < replicas; step++) {
        const node = owners[(p + step) % metadata] as number;
        if (!holders.includes(node)) holders.push(node);
      }
      for (const node of holders) loads[node]! += 1 / metadata;
    }
  } else {
    throw new RangeError(`Cannot place Dynamo's partitions: unknown strategy ${strategy}`);
  }
  return loads;
}

/**
 * Load-balancing efficiency as Dynamo defines it: the mean load per node over the
 * hottest node's load.
 *
 * @example
 * ```ts
 * loadEfficiency([1, 1, 2]); // 0.667
 * ```
 */
export function loadEfficiency(loads: ArrayLike<number>): number {
  let sum = 0, max = 0;
  for (let i = 0; i < loads.length; i++) {
    sum += loads[i] as number;
    max = Math.max(max, loads[i] as number);
  }
  if (max === 0) throw new RangeError("Cannot compute efficiency: every load is zero");
  return sum / loads.length / max;
}

/** One strategy at one metadata size and seed. */
export type DynamoRow = {
  /** The strategy, 1, 2 or 3. */
  readonly strategy: DynamoStrategy;
  /** Metadata size M (ring entries). */
  readonly metadata: number;
  /** Tokens per node: M/S, or M/(2S) for strategy 2. */
  readonly tokensPerNode: number;
  /** The seed of the placement. */
  readonly seed: number;
  /** Mean load over the hottest node's load. */
  readonly efficiency: number;
};

/**
 * Efficiency of each strategy at each metadata size, for `seeds` placements (seeds 1..):
 * the data of Dynamo's Figure 8.
 *
 * @example
 * ```ts
 * dynamoComparison({ metadataSizes: [60, 600], seeds: 5 }); // 3 × 2 × 5 rows
 * ```
 */
export function dynamoComparison(
  options: {
    readonly metadataSizes: readonly number[];
    readonly seeds: number;
    readonly nodes?: number;
    readonly replicas?: number;
  },
): DynamoRow[] {
  const rows: DynamoRow[] = [];
  const nodes = options.nodes ?? 30;
  for (const strategy of [1, 2, 3] as const) {
    for (const metadata of options.metadataSizes) {
      for (let seed = 1; seed <= options.seeds; seed++) {
        const loads = dynamoLoads(strategy, {
          metadata,
          seed,
          nodes,
          ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
        });
        rows.push({
          strategy,
          metadata,
          tokensPerNode: strategy === 2 ? metadata / (2 * nodes) : metadata / nodes,
          seed,
          efficiency: loadEfficiency(loads),
        });
      }
    }
  }
  return rows;
}
