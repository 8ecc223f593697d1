/** What the harness tests import, in one place. */
export * from "../../lib/testing/mod.ts";
export {
  HistoryRecorder,
  RegisterClient,
  type RegisterClientTimer,
  type RegisterMessage,
} from "../../lib/history/mod.ts";
export {
  MemoryStorage,
  type Node,
  type NodeContext,
  type NodeId,
  Random,
  Simulation,
} from "../../lib/sim/mod.ts";
export { ConfigError, parseConfig } from "../../lib/config/mod.ts";
