/**
 * The deterministic simulator: seeded randomness, virtual time, nodes as state machines,
 * a faulty network, per-node clocks, faults as data and a trace. It knows no protocol.
 *
 * @module
 */
export { ClockConfigSchema, NodeClock } from "./clock.ts";
export type { ClockConfig, ClockConfigInput } from "./clock.ts";
export {
  compileDistribution,
  describeDistribution,
  distributionMean,
  distributionQuantile,
  DistributionSchema,
  normalCdf,
  normalQuantile,
} from "./distributions.ts";
export type { Distribution, DistributionInput, Sampler } from "./distributions.ts";
export { SimulationError } from "./errors.ts";
export type { FailureKind, SimulationFailure } from "./errors.ts";
export {
  describeFault,
  faultNodes,
  FaultScheduleSchema,
  FaultSchema,
  formatFaults,
} from "./faults.ts";
export type { Fault, FaultInput } from "./faults.ts";
export { LinkOverrideSchema, MAX_NODES, NetworkConfigSchema } from "./network.ts";
export type { LinkOverride, NetworkConfig, NetworkConfigInput } from "./network.ts";
export { networkFromParams, networkParams } from "./network_params.ts";
export type { NetworkParams, NetworkParamsDefaults, NetworkParamsShape } from "./network_params.ts";
export { MemoryStorage } from "./node.ts";
export type {
  DurableStorage,
  Message,
  Node,
  NodeContext,
  NodeFactory,
  NodeId,
  TimerId,
} from "./node.ts";
export { Random } from "./random.ts";
export { Simulation, SimulationConfigSchema } from "./simulation.ts";
export type {
  AddNodeOptions,
  NodeStatus,
  RunBoundOptions,
  SimulationConfig,
  SimulationConfigInput,
  SimulationStats,
} from "./simulation.ts";
export { describeMessage, describePayload, describeRecord, recordNodes, Trace } from "./trace.ts";
export type {
  ClockJumpRecord,
  DeliverRecord,
  DescribeOptions,
  DropReason,
  DropRecord,
  HealRecord,
  MessageOfType,
  MessageRow,
  NodeFaultRecord,
  NoteRecord,
  PartitionRecord,
  RecordOfKind,
  RestartRecord,
  SendRecord,
  StartRecord,
  TimerRecord,
  TraceKind,
  TraceRecord,
} from "./trace.ts";
