/**
 * Every registered experiment, by name: what `deno task exp list` prints and
 * `deno task exp run NAME` looks up. To register an experiment, import it here and add it
 * to {@link experiments}, in chapter order.
 *
 * @module
 */
import type { z } from "zod";
import { closestName } from "../config/mod.ts";
import type { Experiment, ParamsSchema, Row } from "./experiment.ts";
import { falseSuspicion } from "./false_suspicion.ts";
import { clockSync } from "./clock_sync.ts";
import { fanoutTail } from "./fanout_tail.ts";
import { latencyShapes } from "./latency_shapes.ts";
import { lwwSkew } from "./lww_skew.ts";
import { partialFailure } from "./partial_failure.ts";
import { multiPaxosKv, paxos } from "./paxos.ts";
import { paxosDuel } from "./paxos_duel.ts";
import { pingRtt } from "./ping_rtt.ts";
import { raftFailover } from "./raft_failover.ts";
import { raftKv } from "./raft_kv.ts";
import { raftVsPaxos } from "./raft_vs_paxos.ts";
import { pbft } from "./pbft.ts";
import { capPartition } from "./cap_partition.ts";
import { pacelcLatency } from "./pacelc_latency.ts";
import { crdtConvergence } from "../crdt/convergence.ts";
import { sagaMoney } from "../transactions/saga_trial.ts";
import { backoff } from "../resilience/occ_backoff.ts";
import { dependencyFailure } from "../resilience/dependency_failure.ts";
import { overload } from "../resilience/overload.ts";
import { ringBalance } from "../partitioning/ring_balance.ts";
import { ballsIntoBins } from "../balancing/balls_into_bins.ts";
import { loadBalancer } from "../balancing/load_balancer.ts";
import { failoverLoss, multiLeader, pbs, quorumKv } from "../replication/experiments.ts";
import { sessionGuarantees } from "../replication/sessions.ts";
import { swimDetection } from "../membership/swim_detection.ts";
import { swimFaults } from "../membership/swim_faults.ts";
import { leaseLock } from "../coordination/lease_lock_trial.ts";
import { snapshotExperiment } from "../coordination/snapshot.ts";
import { deadlockExperiment } from "../coordination/deadlock_trial.ts";
import { cqrsLag } from "../messaging/cqrs.ts";
import { logOrder } from "../messaging/log_trial.ts";
import { queueDelivery } from "../messaging/queue_trial.ts";
// Atomic commit: 2PC, 3PC and 2PC over Raft groups.
import { atomicCommit } from "../transactions/atomic_commit_trial.ts";
import { isolationAnomalies } from "../transactions/isolation_trial.ts";
import { serviceDiscovery } from "../architecture/discovery_trial.ts";
import { cacheStampede } from "../architecture/cache_trial.ts";
import { traceFanout } from "../architecture/tracing_experiment.ts";
import { authAttacks } from "../architecture/auth_trial.ts";
import { gameDay } from "../architecture/game_day.ts";

/** An experiment of any parameters and rows, as the catalog holds it. */
export type AnyExperiment = Experiment<ParamsSchema, Row>;

/** Every registered experiment, in chapter order. Names are unique. */
export const experiments: readonly AnyExperiment[] = [
  pingRtt,
  latencyShapes,
  fanoutTail,
  partialFailure,
  falseSuspicion,
  clockSync,
  lwwSkew,
  raftFailover,
  raftKv,
  paxos,
  paxosDuel,
  multiPaxosKv,
  raftVsPaxos,
  failoverLoss,
  multiLeader,
  quorumKv,
  pbs,
  sessionGuarantees,
  pbft,
  capPartition,
  pacelcLatency,
  crdtConvergence,
  sagaMoney,
  // Atomic commit
  atomicCommit,
  isolationAnomalies,
  backoff,
  overload,
  dependencyFailure,
  ringBalance,
  ballsIntoBins,
  loadBalancer,
  swimDetection,
  swimFaults,
  leaseLock,
  deadlockExperiment,
  snapshotExperiment,
  queueDelivery,
  logOrder,
  cqrsLag,
  serviceDiscovery,
  cacheStampede,
  traceFanout,
  authAttacks,
  gameDay,
];

/**
 * The registered experiment called `name`. Throws a RangeError listing the known names
 * (and the likely one, for a typo) when there is none.
 *
 * @example
 * ```ts
 * findExperiment("ping-rtt").title; // "Round-trip times of pings between a few nodes"
 * try {
 *   findExperiment("ping-rt");
 * } catch (error) {
 *   console.log(String(error));
 *   // RangeError: Cannot find experiment "ping-rt": known experiments are ping-rtt,
 *   // latency-shapes, ... (every registered name); did you mean "ping-rtt"?
 * }
 * ```
 */
export function findExperiment(
  name: string,
  catalog: readonly AnyExperiment[] = experiments,
): AnyExperiment {
  const found = catalog.find((experiment) => experiment.name === name);
  if (found !== undefined) return found;
  const names = catalog.map((experiment) => experiment.name);
  const suggestion = closestName(name, names);
  const hint = suggestion === undefined ? "" : `; did you mean "${suggestion}"?`;
  const known = names.length === 0
    ? "none are registered"
    : `known experiments are ${names.join(", ")}`;
  throw new RangeError(`Cannot find experiment ${JSON.stringify(name)}: ${known}${hint}`);
}

/** One parameter of an experiment, for documentation. */
export interface ParamInfo {
  /** The parameter's name. */
  readonly name: string;
  /** Its default value (undefined when it has none). */
  readonly defaultValue: unknown;
  /** Its description (from the schema's `.describe()`), or "". */
  readonly description: string;
  /** The kind of value it takes ("number", "boolean", "object", ...). */
  readonly type: string;
}

/**
 * The parameters of `experiment`, in declaration order, with defaults and descriptions.
 *
 * @example
 * ```ts
 * import { pingRtt } from "./ping_rtt.ts";
 *
 * describeParams(pingRtt)[0];
 * // { name: "nodes", defaultValue: 3, description: "Nodes; each pings the others in turn",
 * //   type: "number" }
 * ```
 */
export function describeParams(experiment: Experiment<ParamsSchema, Row>): ParamInfo[] {
  const shape = experiment.params.shape as Record<string, z.ZodType>;
  const defaults = experiment.params.safeParse({});
  const values = defaults.success ? defaults.data as Record<string, unknown> : {};
  return Object.entries(shape).map(([name, field]) => ({
    name,
    defaultValue: values[name],
    description: field.description ?? "",
    type: valueType(field),
  }));
}

/**
 * A few lines about `experiment`: title, chapter, description and parameters with
 * their defaults. What `deno task exp describe NAME` prints.
 */
export function describeExperiment(experiment: Experiment<ParamsSchema, Row>): string {
  const lines = [`${experiment.name}: ${experiment.title}`];
  if (experiment.chapter !== undefined) lines.push(`chapter: ${experiment.chapter}`);
  if (experiment.description !== undefined) lines.push("", ...wrap(experiment.description, 88));
  const params = describeParams(experiment);
  if (params.length > 0) {
    lines.push("", "parameters:");
    for (const param of params) {
      const value = param.defaultValue === undefined
        ? "(no default)"
        : `= ${JSON.stringify(param.defaultValue)}`;
      lines.push(`  ${param.name} (${param.type}) ${value}`);
      if (param.description !== "") lines.push(`      ${param.description}`);
    }
  }
  return lines.join("\n") + "\n";
}

function valueType(field: z.core.$ZodType): string {
  let current = field;
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner === undefined) break;
    current = inner as z.core.$ZodType;
  }
  const def = current._zod.def as unknown as { type: string; options?: z.core.$ZodType[] };
  if (def.type !== "union") return def.type;
  // A discriminated union of objects (a latency distribution) is written as one object.
  const kinds = new Set((def.options ?? []).map((option) => valueType(option)));
  return kinds.size === 1 ? [...kinds][0] as string : "union";
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}
