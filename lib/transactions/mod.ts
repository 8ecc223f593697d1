/**
 * Transactions across nodes.
 *
 * ```ts ignore
 * import { atomicCommitTrial, CommitLedger } from "../lib/transactions/mod.ts";
 * ```
 *
 * @module
 */
// Atomic commit: two-phase commit, three-phase commit, two-phase commit over Raft groups,
// the ledger that checks atomicity, and the `atomic-commit` trial and experiment.
export * from "./atomic_commit_scenarios.ts";
export * from "./atomic_commit_trial.ts";
export * from "./commit_ledger.ts";
export * from "./commit_over_raft.ts";
export * from "./three_phase_commit.ts";
export * from "./two_phase_commit.ts";
