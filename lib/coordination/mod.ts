/**
 * Coordination: who holds the lock, and a consistent picture of a running system.
 *
 * - Leases on a lock service replicated by Raft, with time taken from the log
 *   ({@link LeaseLockService}); a shared storage that checks fencing tokens
 *   ({@link FencedStorage}); the paused holder as a trial and the `lease-lock` experiment.
 * - Distributed deadlock: wait-for graphs, a coordinator's global detection, edge
 *   chasing with Chandy-Misra-Haas probes, victims, and phantom deadlocks; edge chasing
 *   as messages between transactions and lock sites (the `deadlock` trial and experiment).
 * - Chandy-Lamport snapshots of a money-transfer system, against a naive snapshot, and
 *   the `snapshot` experiment.
 *
 * ```ts
 * import { leaseLock, LeaseLockService } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./lease_lock_service.ts";
export * from "./fenced_storage.ts";
export * from "./lease_client.ts";
export * from "./lease_lock_trial.ts";
export * from "./snapshot.ts";
export * from "./deadlock.ts";
export * from "./wait_for_figure.ts";
export * from "./deadlock_trial.ts";
