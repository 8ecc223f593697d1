/**
 * Consensus with Raft and with Paxos. Raft: the protocol as a state machine over the node contract; the
 * `StateMachine` interface it replicates (the key-value store by default, the lock
 * service, or any other) and the key-value clients; the safety invariants checked during
 * every run, a leader-hunting nemesis and the fault sweep, the chapter's scenarios
 * (elections, split votes, Figure 8, a partitioned leader, a stale read), and figures of
 * roles, terms and logs. Paxos: single-decree Paxos (proposers, acceptors, learners), its
 * two safety properties checked during every run, and its fault sweep; Multi-Paxos
 * with a stable leader serving the same state machines and clients as Raft.
 *
 * ```ts
 * import { RaftCluster, raftFaultSweep, roleTimeline } from "./mod.ts";
 * const cluster = new RaftCluster({ seed: 1, servers: 5, clients: 2 });
 * cluster.runUntilLeader();
 * roleTimeline(cluster.simulation.trace);
 * ```
 *
 * @module
 */
export * from "./invariants.ts";
export * from "./kv_store.ts";
export * from "./lock_service.ts";
export * from "./multi_paxos.ts";
export * from "./multi_paxos_trial.ts";
export * from "./paxos.ts";
export * from "./paxos_invariants.ts";
export * from "./paxos_trial.ts";
export * from "./raft.ts";
export * from "./raft_client.ts";
export * from "./raft_cluster.ts";
export * from "./raft_log_view.ts";
export * from "./raft_nemesis.ts";
export * from "./raft_scenarios.ts";
export * from "./raft_timeline.ts";
export * from "./raft_trial.ts";
export * from "./state_machine.ts";
