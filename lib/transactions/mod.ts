/**
 * Transactions across nodes and services: isolation (a transactional key-value store with
 * selectable concurrency control, Jepsen-style transaction histories and an Elle-style
 * checker that names Adya's anomalies), atomic commit (two-phase commit, three-phase
 * commit, two-phase commit over Raft groups) and sagas with the transactional outbox. A
 * chapter imports this module:
 *
 * ```ts ignore
 * import { atomicCommitTrial, buildSaga, checkTransactions } from "../lib/transactions/mod.ts";
 * ```
 *
 * @module
 */

// Sagas: the orchestrator, its services, the transactional outbox, the trial and `saga-money`.
export * from "./outbox.ts";
export * from "./saga.ts";
export * from "./saga_services.ts";
export * from "./saga_trial.ts";
export * from "./saga_figures.ts";
// Atomic commit: two-phase commit, three-phase commit, two-phase commit over Raft groups,
// the ledger that checks atomicity, and the `atomic-commit` trial and experiment.
export * from "./atomic_commit_scenarios.ts";
export * from "./atomic_commit_trial.ts";
export * from "./commit_ledger.ts";
export * from "./commit_over_raft.ts";
export * from "./three_phase_commit.ts";
export * from "./two_phase_commit.ts";
// Isolation: store, clients, histories, the Elle-style checker, figures, trial.
export * from "./txn_history.ts";
export * from "./txn_store.ts";
export * from "./txn_client.ts";
export * from "./txn_checker.ts";
export * from "./isolation_trial.ts";
export * from "./isolation_figures.ts";
