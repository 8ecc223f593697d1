/**
 * Named, parameterised experiments, the sweep runner that runs them over seeds and
 * parameter grids (with progress in a terminal or a notebook), the catalog of every
 * registered experiment, and the pieces of `deno task exp`.
 *
 * @module
 */
export { experiments, findExperiment } from "./catalog.ts";
export { capPartition } from "./cap_partition.ts";
export { pacelcLatency } from "./pacelc_latency.ts";
export { clockSync, ClockSyncParamsSchema, simulateClockSync } from "./clock_sync.ts";
export type {
  ClockErrorSample,
  ClockSyncParams,
  ClockSyncRow,
  ClockSyncRun,
  SimulateClockSyncOptions,
} from "./clock_sync.ts";
export { defineExperiment } from "./experiment.ts";
export type { Cell, Experiment, ExperimentDefinition, ParamsSchema, Row } from "./experiment.ts";
export {
  falseSuspicion,
  FalseSuspicionParamsSchema,
  measureLinkLatencies,
  simulateFalseSuspicion,
} from "./false_suspicion.ts";
export type {
  FalseSuspicionParams,
  FalseSuspicionRow,
  FalseSuspicionRun,
} from "./false_suspicion.ts";
export { fanoutTail, FanoutTailParamsSchema, simulateFanoutTail } from "./fanout_tail.ts";
export type { FanoutTailParams, FanoutTailRow, FanoutTailRun } from "./fanout_tail.ts";
export {
  LATENCY_SHAPE_NAMES,
  LATENCY_SHAPES,
  latencyShapes,
  LatencyShapesParamsSchema,
} from "./latency_shapes.ts";
export type { LatencyShapeName, LatencyShapesParams, LatencyShapesRow } from "./latency_shapes.ts";
export { lwwSkew, LwwSkewParamsSchema, replicaOffsets, simulateLwwSkew } from "./lww_skew.ts";
export type { LwwSkewParams, LwwSkewRow, LwwSkewRun } from "./lww_skew.ts";
export {
  partialFailure,
  PartialFailureParamsSchema,
  serviceFaultOf,
  simulatePartialFailure,
} from "./partial_failure.ts";
export type {
  PartialFailureParams,
  PartialFailureRow,
  PartialFailureRun,
} from "./partial_failure.ts";
export { PingNode, pingRtt, PingRttParamsSchema, runPingRtt } from "./ping_rtt.ts";
export type {
  PingMessage,
  PingNodeOptions,
  PingRttParams,
  PingRttRow,
  PingTimer,
} from "./ping_rtt.ts";
export type { ProgressSink, ProgressState } from "./progress.ts";
export {
  figure16Rows,
  FIGURE_16_DISK,
  FIGURE_16_RANGES,
  RAFT_PAPER_FIGURE_16,
  raftFailover,
  RaftFailoverParamsSchema,
  raftFailoverTrial,
  simulateRaftFailover,
  summarizeFailover,
} from "./raft_failover.ts";
export type {
  FailoverSummaryRow,
  Figure16Options,
  RaftFailoverParams,
  RaftFailoverRow,
  RaftFailoverRun,
  RaftFailoverSystem,
} from "./raft_failover.ts";
export { raftKv } from "./raft_kv.ts";
// Sagas: the order saga under faults (chapter 14).
export { sagaMoney, SagaParamsSchema } from "../transactions/saga_trial.ts";
export type { SagaParams, SagaRow } from "../transactions/saga_trial.ts";
export { MAX_SEED, seedList, sweep, sweepAsync, TrialError } from "./sweep.ts";
export type { SweepGrid, SweepOptions, SweepRow } from "./sweep.ts";
export { trialExperiment } from "./trial_experiment.ts";
export type { TrialExperimentOptions } from "./trial_experiment.ts";
export { sweepParallel } from "./parallel_sweep.ts";
export * from "./paxos.ts";
export * from "./paxos_duel.ts";
export * from "./raft_vs_paxos.ts";
export * from "./pbft.ts";
export { cqrsLag } from "../messaging/cqrs.ts";
export { logOrder } from "../messaging/log_trial.ts";
export { queueDelivery } from "../messaging/queue_trial.ts";
// Atomic commit: the `atomic-commit` experiment (2PC, 3PC, 2PC over Raft groups).
export { atomicCommit } from "../transactions/atomic_commit_trial.ts";
// Isolation: the isolation-anomalies experiment and its trial.
export {
  isolationAnomalies,
  IsolationParamsSchema,
  isolationTrial,
  runIsolation,
} from "../transactions/isolation_trial.ts";
export type { IsolationParams, IsolationSystem } from "../transactions/isolation_trial.ts";
export { serviceDiscovery } from "../architecture/discovery_trial.ts";
export { cacheStampede } from "../architecture/cache_trial.ts";
export { traceFanout } from "../architecture/tracing_experiment.ts";
export { authAttacks } from "../architecture/auth_trial.ts";
export { gameDay } from "../architecture/game_day.ts";
