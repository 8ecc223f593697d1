/**
 * Partitioning: how keys spread over machines. Range and directory partitioning, Zipf
 * hot spots and range splits; consistent hashing on a ring with virtual nodes,
 * rendezvous hashing and jump consistent hash, against `hash mod n`; the keys a join
 * moves against the optimum 1/(n+1); Dynamo's three strategies; and the `ring-balance`
 * experiment. Every hash is seeded and deterministic.
 *
 * ```ts
 * import { createPartitioner, ringBalance } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./balance.ts";
export * from "./dynamo.ts";
export * from "./hash.ts";
export * from "./jump.ts";
export * from "./range.ts";
export * from "./ring.ts";
export * from "./ring_balance.ts";
export * from "./schemes.ts";
export * from "./zipf.ts";
