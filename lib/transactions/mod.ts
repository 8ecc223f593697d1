/**
 * Transactions.
 *
 * - Isolation: a transactional key-value store with selectable concurrency control (none,
 *   read committed, snapshot isolation with MVCC, strict two-phase locking with wait-die),
 *   clients recording Jepsen-style transaction histories, an Elle-style checker that
 *   names Adya's anomalies and the levels a history satisfies, figures of dependency
 *   cycles and of anomalies per level, and the `isolation-anomalies` experiment.
 *
 * ```ts
 * import { checkTransactions, runIsolation } from "../lib/transactions/mod.ts";
 * ```
 *
 * @module
 */
// Isolation: store, clients, histories, the Elle-style checker, figures, trial.
export * from "./txn_history.ts";
export * from "./txn_store.ts";
export * from "./txn_client.ts";
export * from "./txn_checker.ts";
export * from "./isolation_trial.ts";
export * from "./isolation_figures.ts";
