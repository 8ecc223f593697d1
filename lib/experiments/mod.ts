/**
 * Named, parameterised experiments, the sweep runner that runs them over seeds and
 * parameter grids (with progress in a terminal or a notebook), the catalog of every
 * registered experiment, and the pieces of `deno task exp`.
 *
 * @module
 */
export * from "./catalog.ts";
export * from "./cli_args.ts";
export * from "./clock_sync.ts";
export * from "./experiment.ts";
export * from "./format.ts";
export * from "./false_suspicion.ts";
export * from "./fanout_tail.ts";
export * from "./latency_shapes.ts";
export * from "./lww_skew.ts";
export * from "./parallel_sweep.ts";
export * from "./partial_failure.ts";
export * from "./ping_rtt.ts";
export * from "./progress.ts";
export * from "./raft_failover.ts";
export * from "./paxos.ts";
export * from "./paxos_duel.ts";
export * from "./raft_kv.ts";
export * from "./raft_vs_paxos.ts";
export * from "./pbft.ts";
export * from "./sweep.ts";
export * from "./trial_experiment.ts";
