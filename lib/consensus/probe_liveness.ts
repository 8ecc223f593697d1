/**
 * The liveness condition Raft and Multi-Paxos trials share: once the last fault has
 * healed, a fresh client writes one key, and the write must commit within the trial's
 * bound. Both protocols answer the same `ClientRequest`, so one probe serves both.
 *
 * @module
 */

import type { z } from "zod";
import { positiveMs } from "../config/mod.ts";
import type { HistoryRecorder } from "../history/recorder.ts";
import type { NodeId } from "../sim/node.ts";
import type { TrialLiveness } from "../testing/mod.ts";
import type { RaftClient, RaftClientOptionsInput } from "./raft_client.ts";

/** The probe client's node id. */
export const PROBE_CLIENT = "probe";

/** What the probe needs of a cluster: its servers, its history and a way to show its roles. */
export interface ProbedCluster {
  /** The simulation, to look the probe client up by id. */
  readonly simulation: { node<N>(id: NodeId): N | undefined };
  /** The servers the probe sends to. */
  readonly servers: readonly NodeId[];
  /** The cluster's history, which records the probe's write too. */
  readonly recorder: HistoryRecorder;
  /** Each server's status and role in one line, for a liveness failure's message. */
  describeRoles(): string;
}

/** The trial parameters the probe reads. */
export interface ProbeParams {
  /** How long the probe waits for one server before trying the next, in ms. */
  readonly attemptTimeoutMs: number;
  /** How long after the last fault healed the write may take, in ms. */
  readonly livenessBoundMs: number;
}

/**
 * The liveness condition "a committed command after the last fault healed".
 * `addClient` adds a `RaftClient` with the given options as node `id` of the cluster's
 * simulation (each protocol knows its own message type).
 *
 * @example
 * ```ts
 * import { committedWriteLiveness } from "./probe_liveness.ts";
 * import { RaftClient, type RaftClientTimer } from "./raft_client.ts";
 * import type { RaftCluster } from "./raft_cluster.ts";
 *
 * const liveness = committedWriteLiveness<RaftCluster, { attemptTimeoutMs: number; livenessBoundMs: number }>(
 *   (cluster, id, options) =>
 *     cluster.simulation.addNode<RaftClientTimer>(id, (ctx) => new RaftClient(ctx, options)),
 * );
 * liveness.name; // "a committed command after the last fault healed"
 * ```
 */
export function committedWriteLiveness<C extends ProbedCluster, P extends ProbeParams>(
  addClient: (cluster: C, id: NodeId, options: RaftClientOptionsInput) => void,
): TrialLiveness<C, P> {
  const probe = (cluster: C) => cluster.simulation.node<RaftClient>(PROBE_CLIENT)!;
  return {
    name: "a committed command after the last fault healed",
    withinMs: (p) => p.livenessBoundMs,
    prepare: (cluster, { params: p }) =>
      addClient(cluster, PROBE_CLIENT, {
        servers: [...cluster.servers],
        recorder: cluster.recorder,
        attemptTimeoutMs: p.attemptTimeoutMs,
        operationTimeoutMs: p.livenessBoundMs,
      }),
    start: (cluster) => probe(cluster).submit({ f: "write", key: "k1", value: "probe" }),
    holds: (cluster) => probe(cluster).completions.some((c) => c.status === "ok"),
    explain: (cluster) => cluster.describeRoles(),
  };
}

/**
 * The client and liveness fields of a Raft or Multi-Paxos trial's parameters, declared
 * once: spread them into the trial's zod schema.
 */
export function clientTrialParams(): {
  attemptTimeoutMs: z.ZodDefault<z.ZodNumber>;
  operationTimeoutMs: z.ZodDefault<z.ZodNumber>;
  livenessBoundMs: z.ZodDefault<z.ZodNumber>;
} {
  return {
    attemptTimeoutMs: positiveMs().default(60)
      .describe("A client tries the next server after this long without an answer, in ms"),
    operationTimeoutMs: positiveMs().default(500)
      .describe("A client gives up on an operation (records info) after this long, in ms"),
    livenessBoundMs: positiveMs().default(5000)
      .describe("After the faults end, a command must commit within this long, in ms"),
  };
}
