/**
 * Replication: primary-backup (synchronous and asynchronous, with failover), multi-leader
 * with version vectors, leaderless Dynamo-style quorums (read repair, hinted handoff,
 * sloppy quorums, Merkle anti-entropy, ABD write-back), Probabilistically Bounded
 * Staleness (Bailis et al., PVLDB 2012) reproduced, and Terry et al.'s session guarantees
 * on lazily replicated replicas.
 *
 * ```ts
 * import { runQuorumTrial } from "./mod.ts";
 *
 * runQuorumTrial({}, 1).failure; // undefined: every promise held
 * ```
 *
 * @module
 */
export * from "./versions.ts";
export * from "./merkle.ts";
export * from "./quorum.ts";
export * from "./quorum_trial.ts";
export * from "./pbs.ts";
export * from "./quorum_scenarios.ts";
export * from "./experiments.ts";
export * from "./primary_backup.ts";
export * from "./multi_leader.ts";
export * from "./anti_entropy.ts";
export * from "./sessions.ts";
