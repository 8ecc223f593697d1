/**
 * The `ring-balance` experiment: how evenly a hash partitioning scheme spreads keys over
 * nodes, and how many keys move when one node joins.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, seedField } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import { assignKeys, countPerNode, keyMovement, shareStats } from "./balance.ts";
import { HashRing } from "./ring.ts";
import { createPartitioner, ringPartitioner, SCHEMES } from "./schemes.ts";

/** Zod schema of the `ring-balance` parameters. */
export const RingBalanceParamsSchema = z.strictObject({
  scheme: z.enum(SCHEMES).default("ring")
    .describe("ring (consistent hashing), rendezvous, jump, or modulo (hash mod n)"),
  nodes: integerAtLeast(1).max(100_000, { error: "must be at most 100000" }).default(100)
    .describe("Nodes before the join"),
  vnodes: integerAtLeast(1).max(10_000, { error: "must be at most 10000" }).default(100)
    .describe("Tokens (virtual nodes) per node, for the ring"),
  keys: integerAtLeast(1).max(10_000_000, { error: "must be at most 10000000" })
    .default(1_000_000).describe("Keys 0..keys-1, hashed with the trial's seed"),
  join: z.boolean().default(true)
    .describe("Also add node number `nodes` and count the keys that move"),
  hashSeed: seedField().optional()
    .describe("Seed of the hashes (default: the trial's seed)"),
});

/** Parameters of `ring-balance`, with defaults applied. */
export type RingBalanceParams = z.output<typeof RingBalanceParamsSchema>;

/** One `ring-balance` trial. */
export type RingBalanceRow = {
  /** The scheme. */
  readonly scheme: string;
  /** Nodes before the join. */
  readonly nodes: number;
  /** Tokens per node (the ring's k; reported for every scheme). */
  readonly vnodes: number;
  /** Keys placed. */
  readonly keys: number;
  /** Standard deviation of the per-node share of keys over the mean share. */
  readonly stdOverMean: number;
  /** The largest share over the mean. */
  readonly maxOverMean: number;
  /** The smallest share over the mean. */
  readonly minOverMean: number;
  /** For the ring, std/mean of the nodes' arc lengths (the share of infinitely many keys). */
  readonly arcStdOverMean: number | null;
  /** Keys that changed owner when one node joined, over all keys (null without a join). */
  readonly movedFraction: number | null;
  /** The least any scheme can move while staying balanced: 1/(n+1). */
  readonly optimalMovedFraction: number;
  /** Keys that moved between two old nodes (0 for a consistent scheme). */
  readonly movedElsewhere: number | null;
};

/**
 * Runs one `ring-balance` trial.
 *
 * @example
 * ```ts
 * measureRingBalance(ringBalance.parseParams({ vnodes: 10, keys: 100_000 }), 1).stdOverMean; // ≈ 0.32
 * ```
 */
export function measureRingBalance(params: RingBalanceParams, seed: number): RingBalanceRow {
  const hashSeed = params.hashSeed ?? seed;
  const options = { vnodes: params.vnodes, seed: hashSeed };
  // The ring is built once and serves both the key lookups and the arc lengths.
  const ring = params.scheme === "ring" ? new HashRing(params.nodes, options) : undefined;
  const partitioner = ring === undefined
    ? createPartitioner(params.scheme, params.nodes, options)
    : ringPartitioner(ring);
  const before = assignKeys(partitioner, params.keys);
  const stats = shareStats(countPerNode(before, params.nodes));
  let movement = null;
  if (params.join) {
    const after = assignKeys(
      createPartitioner(params.scheme, params.nodes + 1, options),
      params.keys,
    );
    movement = keyMovement(before, after, params.nodes);
  }
  const arcStdOverMean = ring === undefined ? null : shareStats(ring.arcShares()).stdOverMean;
  return {
    scheme: params.scheme,
    nodes: params.nodes,
    vnodes: params.vnodes,
    keys: params.keys,
    stdOverMean: stats.stdOverMean,
    maxOverMean: stats.maxOverMean,
    minOverMean: stats.minOverMean,
    arcStdOverMean,
    movedFraction: movement?.movedFraction ?? null,
    optimalMovedFraction: 1 / (params.nodes + 1),
    movedElsewhere: movement?.movedElsewhere ?? null,
  };
}

/**
 * `ring-balance`: place keys 0..keys-1 on `nodes` nodes with a hash scheme, measure the
 * spread of the per-node share, then add one node and count the keys that move. One row
 * per seed. For the ring, std/mean of the shares is about 1/√vnodes; every consistent
 * scheme moves about 1/(n+1) of the keys, all to the new node; `modulo` moves about
 * n/(n+1) of them.
 */
export const ringBalance = defineExperiment({
  name: "ring-balance",
  title: "Balance of hash partitioning, and keys moved by a join",
  description: "Keys 0..keys-1 are hashed onto nodes by a consistent-hash ring with k " +
    "tokens per node, rendezvous hashing, jump consistent hash or hash mod n. One row per " +
    "seed with the std/mean, max/mean and min/mean of the per-node share, and the fraction " +
    "of keys that move when one node joins (against the optimum 1/(n+1)).",
  chapter: "15_partitioning",
  params: RingBalanceParamsSchema,
  trial: (params, seed) => [measureRingBalance(params, seed)],
});
