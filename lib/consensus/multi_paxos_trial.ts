/**
 * Multi-Paxos serving the key-value store under random faults, the same trial Raft
 * faces in `raft-kv`: the same clients (`RaftClient`, recording a Jepsen history), the
 * same nemesis timelines, the same network. The Paxos safety properties are checked
 * after every event (one value per slot; a chosen value never changes), the history is
 * checked for linearizability, and once the faults heal a client command must commit
 * within a bound.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import { networkParams } from "../sim/network_params.ts";
import type { NetworkConfigInput } from "../sim/network.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  aimAt,
  defineTrial,
  faultSweep,
  type FaultSweepResult,
  linearizability,
  nemesisFromParams,
  nemesisParams,
  runTrial,
  type Trial,
  type TrialResult,
} from "../testing/mod.ts";
import { quantile } from "../viz/stats.ts";
import type { KvOperation, KvResult } from "./kv_store.ts";
import {
  type MultiPaxosEvent,
  type MultiPaxosMessage,
  MultiPaxosNode,
  type MultiPaxosObserver,
  type MultiPaxosRole,
  type MultiPaxosSettings,
  MultiPaxosSettingsSchema,
} from "./multi_paxos.ts";
import { PAXOS_UNSAFE_VARIANTS } from "./paxos.ts";
import { PaxosSafety } from "./paxos_invariants.ts";
import { describeViolation, PAXOS_TRIAL_INVARIANTS } from "./paxos_trial.ts";
import { clientTrialParams, committedWriteLiveness } from "./probe_liveness.ts";
import { RaftClient, type RaftClientOptionsInput, type RaftClientTimer } from "./raft_client.ts";
import type { RaftMessage } from "./raft_messages.ts";

/** Every message of a Multi-Paxos key-value cluster. */
export type MultiPaxosKvMessage = MultiPaxosMessage<KvOperation, KvResult>;

/** Options of a {@link MultiPaxosCluster}. */
export interface MultiPaxosClusterOptions {
  /** Master seed. Default 1. */
  readonly seed?: number;
  /** How many servers (n1, n2, ...). Default 5. */
  readonly servers?: number;
  /** How many clients (c1, c2, ...). Default 0. */
  readonly clients?: number;
  /** Settings every server shares. */
  readonly multiPaxos?: z.input<typeof MultiPaxosSettingsSchema>;
  /** Settings every client shares, including a random workload. */
  readonly client?: Omit<RaftClientOptionsInput, "servers" | "recorder">;
  /** The network. */
  readonly network?: NetworkConfigInput;
  /** Keep a trace. Default true. */
  readonly record?: boolean;
  /** The line that replays this run, printed with any failure. */
  readonly replay?: string;
  /** Also told of every server event. */
  readonly observer?: MultiPaxosObserver<KvOperation>;
  /** Register the safety properties with the simulation itself. Default true (a trial checks them by name instead). */
  readonly checkInvariants?: boolean;
}

/** A server changed role: one row of a role timeline. */
export interface MultiPaxosRoleChange {
  /** True time, in ms. */
  readonly t: number;
  /** The server. */
  readonly node: NodeId;
  /** Its new role. */
  readonly role: MultiPaxosRole;
  /** The ballot it leads, runs for or follows. */
  readonly ballot: number;
}

/**
 * A simulated Multi-Paxos key-value cluster with `RaftClient`s recording a history, the
 * safety properties checked after every event, and a log of role changes.
 *
 * @example
 * ```ts
 * const cluster = new MultiPaxosCluster({ seed: 2, servers: 3, clients: 1 });
 * cluster.simulation.runUntil(1_000);
 * cluster.leader()?.id; // "n2", say
 * ```
 */
export class MultiPaxosCluster {
  /** The simulation everything runs in. */
  readonly simulation: Simulation<MultiPaxosKvMessage>;
  /** The servers' ids. */
  readonly servers: readonly NodeId[];
  /** The clients' ids. */
  readonly clients: readonly NodeId[];
  /** Where the clients record their operations. */
  readonly recorder: HistoryRecorder;
  /** The safety checker. */
  readonly safety: PaxosSafety;
  /** The servers' settings. */
  readonly settings: MultiPaxosSettings;
  readonly #roleChanges: MultiPaxosRoleChange[] = [];

  /** Builds the simulation, servers and clients; nothing runs until you run it. */
  constructor(options: MultiPaxosClusterOptions = {}) {
    this.servers = Array.from({ length: options.servers ?? 5 }, (_, i) => `n${i + 1}`);
    this.clients = Array.from({ length: options.clients ?? 0 }, (_, i) => `c${i + 1}`);
    this.settings = parseConfig(MultiPaxosSettingsSchema, options.multiPaxos ?? {}, "multiPaxos");
    const simulation = new Simulation<MultiPaxosKvMessage>({
      seed: options.seed ?? 1,
      record: options.record ?? true,
      network: options.network ?? {},
      ...(options.replay === undefined ? {} : { replay: options.replay }),
    });
    this.simulation = simulation;
    this.recorder = new HistoryRecorder({ now: () => simulation.now });
    this.safety = new PaxosSafety({ acceptors: this.servers.length, now: () => simulation.now });
    if (options.checkInvariants ?? true) this.safety.attach(simulation);
    const safety = this.safety, roles = this.#roleChanges, extra = options.observer;
    const observer = (event: MultiPaxosEvent<KvOperation>) => {
      if (event.kind === "accept") {
        safety.accepted(event.node, event.slot, event.ballot, event.value);
      } else if (event.kind === "learn") safety.learned(event.node, event.slot, event.value);
      else {roles.push({
          t: simulation.now,
          node: event.node,
          role: event.role,
          ballot: event.ballot,
        });}
      extra?.(event);
    };
    const servers = this.servers, settings = this.settings;
    simulation.addNodes(
      servers,
      (ctx) => new MultiPaxosNode<KvOperation, KvResult>(ctx, { ...settings, servers, observer }),
    );
    const clientOptions = { ...options.client, servers: [...servers], recorder: this.recorder };
    simulation.addNodes<RaftClientTimer>(this.clients, (ctx) => raftClient(ctx, clientOptions));
  }

  /** Every role change so far, in time order. */
  get roleChanges(): readonly MultiPaxosRoleChange[] {
    return this.#roleChanges;
  }

  /** The clients' history. */
  get history(): History {
    return this.recorder.history;
  }

  /** The live server object of `id`, or undefined while it is crashed. */
  server(id: NodeId): MultiPaxosNode<KvOperation, KvResult> | undefined {
    return this.simulation.node<MultiPaxosNode<KvOperation, KvResult>>(id);
  }

  /** The live leader of the highest ballot, or undefined. */
  leader(): MultiPaxosNode<KvOperation, KvResult> | undefined {
    let best: MultiPaxosNode<KvOperation, KvResult> | undefined;
    for (const id of this.servers) {
      const node = this.server(id);
      if (node?.role === "leader" && (best === undefined || node.ballot > best.ballot)) best = node;
    }
    return best;
  }

  /** The client object of `id` (after the run has started). */
  client(id: NodeId): RaftClient {
    return this.simulation.node<RaftClient>(id)!;
  }

  /** Each server's status and role in one line. */
  describeRoles(): string {
    return this.servers.map((id) => {
      const status = this.simulation.status(id);
      if (status === "crashed") return `${id} crashed`;
      const node = this.server(id)!;
      return `${id} ${node.role} b${node.ballot}${status === "paused" ? " (paused)" : ""}`;
    }).join(", ");
  }
}

/**
 * A `RaftClient` on a Multi-Paxos simulation: it speaks only `ClientRequest` and
 * `ClientReply`, which both protocols share, and ignores every other message.
 */
export function raftClient(
  ctx: NodeContext<MultiPaxosKvMessage, RaftClientTimer>,
  options: RaftClientOptionsInput,
): Node<MultiPaxosKvMessage, RaftClientTimer> {
  const client = new RaftClient(
    ctx as unknown as NodeContext<RaftMessage, RaftClientTimer>,
    options,
  );
  return client as unknown as Node<MultiPaxosKvMessage, RaftClientTimer>;
}

/** Zod schema of the parameters of a Multi-Paxos fault trial (the `multi-paxos-kv` experiment). */
export const MultiPaxosKvParamsSchema = z.strictObject({
  servers: integerAtLeast(1).default(5).describe("Multi-Paxos servers"),
  clients: integerAtLeast(1).default(3).describe("Clients running a random workload"),
  operationsPerClient: integerAtLeast(0).default(20)
    .describe("Operations each client issues, one at a time"),
  keys: integerAtLeast(1).default(2).describe("Keys the clients use (k1, k2, ...)"),
  thinkMs: nonNegativeMs().default(150)
    .describe("Longest pause before each client operation, in ms (uniform from 0)"),
  ...nemesisParams(),
  leaderTargetProbability: probability().default(0.5)
    .describe("Probability that a fault aims at the current leader rather than a random server"),
  ...networkParams({
    latency: { kind: "uniform", minMs: 1, maxMs: 10 },
    lossProbability: 0.02,
    duplicateProbability: 0.02,
  }),
  electionTimeoutMinMs: positiveMs().default(50)
    .describe("Shortest wait without a leader before phase 1, in ms"),
  electionTimeoutMaxMs: positiveMs().default(100).describe("Longest such wait, in ms"),
  heartbeatIntervalMs: positiveMs().default(15).describe("Leader heartbeat interval, in ms"),
  unsafe: z.enum(["none", ...PAXOS_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant to run (none: correct Multi-Paxos)"),
  ...clientTrialParams(),
}).refine((p) => p.electionTimeoutMaxMs >= p.electionTimeoutMinMs, {
  error: "must be at least electionTimeoutMinMs",
  path: ["electionTimeoutMaxMs"],
});

/** Parameters of a Multi-Paxos fault trial, with defaults applied. */
export type MultiPaxosKvParams = z.output<typeof MultiPaxosKvParamsSchema>;

/** What a user may write for {@link MultiPaxosKvParams}. */
export type MultiPaxosKvParamsInput = z.input<typeof MultiPaxosKvParamsSchema>;

/** The default parameters (those of `raft-kv`). */
export const MULTI_PAXOS_KV_DEFAULTS: MultiPaxosKvParams = parseConfig(
  MultiPaxosKvParamsSchema,
  {},
  "params",
);

/** One row of the `multi-paxos-kv` experiment: one trial. */
export type MultiPaxosKvRow = {
  /** The broken variant run, or "none". */
  readonly unsafe: string;
  /** Operations that completed ok. */
  readonly okOps: number;
  /** Cas operations that found another value. */
  readonly failOps: number;
  /** Operations with an unknown outcome. */
  readonly infoOps: number;
  /** Median latency of completed operations, in ms (null: none completed). */
  readonly latencyP50Ms: number | null;
  /** Slots chosen. */
  readonly slots: number;
  /** Times a server took leadership (completed phase 1). */
  readonly leaderships: number;
  /** The linearizability verdict of the history. */
  readonly linearizable: boolean | "unknown";
  /** How the trial failed ("kind: what broke"), or null. */
  readonly violation: string | null;
  /** From the end of the last fault to the commit of a command sent then, in ms (null: never). */
  readonly recoveryMs: number | null;
};

/**
 * The Multi-Paxos key-value trial: the harness runs the cluster under the nemesis (half
 * the faults aimed at the leader), checks both safety properties after every event and
 * the history for linearizability, and requires a command to commit after the faults.
 *
 * @example
 * ```ts
 * import { runTrial } from "../testing/mod.ts";
 * runTrial(multiPaxosKvTrial, {}, 1).failure; // undefined
 * ```
 */
export const multiPaxosKvTrial: Trial<
  typeof MultiPaxosKvParamsSchema,
  MultiPaxosCluster,
  MultiPaxosKvRow
> = defineTrial<typeof MultiPaxosKvParamsSchema, MultiPaxosCluster, MultiPaxosKvRow>({
  name: "multi-paxos-kv",
  params: MultiPaxosKvParamsSchema,
  build: ({ params: p, seed, record, replay }) =>
    new MultiPaxosCluster({
      seed,
      servers: p.servers,
      clients: p.clients,
      record,
      replay,
      // The harness checks them, by name.
      checkInvariants: false,
      network: {
        latency: p.latency,
        lossProbability: p.lossProbability,
        duplicateProbability: p.duplicateProbability,
      },
      multiPaxos: {
        electionTimeoutMinMs: p.electionTimeoutMinMs,
        electionTimeoutMaxMs: p.electionTimeoutMaxMs,
        heartbeatIntervalMs: p.heartbeatIntervalMs,
        unsafe: p.unsafe,
      },
      client: {
        attemptTimeoutMs: p.attemptTimeoutMs,
        operationTimeoutMs: p.operationTimeoutMs,
        workload: {
          operations: p.operationsPerClient,
          keys: Array.from({ length: p.keys }, (_, i) => `k${i + 1}`),
          thinkMs: p.thinkMs,
        },
      },
    }),
  nemesis: (cluster, { params: p }) =>
    nemesisFromParams(
      p,
      cluster.servers,
      aimAt(() => cluster.leader()?.id, p.leaderTargetProbability),
    ),
  invariants: PAXOS_TRIAL_INVARIANTS,
  liveness: committedWriteLiveness<MultiPaxosCluster, MultiPaxosKvParams>((cluster, id, options) =>
    cluster.simulation.addNode<RaftClientTimer>(id, (ctx) => raftClient(ctx, options))
  ),
  history: linearizability("kv"),
  untilMs: (p) => p.faultsUntilMs,
  row: ({ params: p, system: cluster, failure, recoveryMs, history }) => {
    let ok = 0, fail = 0, info = 0;
    const latencies: number[] = [];
    for (const id of cluster.clients) {
      for (const c of cluster.client(id).completions) {
        if (c.status === "info") info++;
        else {
          if (c.status === "ok") ok++;
          else fail++;
          latencies.push(c.completedMs - c.invokedMs);
        }
      }
    }
    return {
      unsafe: p.unsafe,
      okOps: ok,
      failOps: fail,
      infoOps: info,
      latencyP50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : null,
      slots: cluster.safety.chosenSlots,
      leaderships: cluster.roleChanges.filter((c) => c.role === "leader").length,
      linearizable: history?.valid ?? true,
      violation: describeViolation(failure),
      recoveryMs,
    };
  },
});

/**
 * Runs one Multi-Paxos trial. Never throws for a protocol failure: it comes back in
 * `failure`.
 *
 * @example
 * ```ts
 * runMultiPaxosTrial({}, 1).failure; // undefined
 * ```
 */
export function runMultiPaxosTrial(
  params: MultiPaxosKvParamsInput,
  seed: number,
  options: { readonly record?: boolean } = {},
): TrialResult<MultiPaxosCluster, MultiPaxosKvParams, MultiPaxosKvRow> {
  return runTrial(multiPaxosKvTrial, params, seed, options);
}

/**
 * Fault profiles of the Multi-Paxos sweep (seed `s` runs profile `s` modulo their
 * number):
 *
 * - `mixed`: the defaults (those of `raft-kv`): every kind of fault, half aimed at the
 *   leader, over a lossy, duplicating, reordering network.
 * - `leader-hunt`: partitions and crashes 15 times a second, nine in ten aimed at the
 *   leader: leaders change often, each new one must recover the slots its predecessors
 *   left half-accepted.
 */
export const MULTI_PAXOS_FAULT_PROFILES: Readonly<Record<string, MultiPaxosKvParamsInput>> = {
  mixed: {},
  "leader-hunt": {
    thinkMs: 50,
    faultsPerSecond: 15,
    meanFaultDurationMs: 150,
    leaderTargetProbability: 0.9,
    faultKinds: ["partition", "crash"],
  },
};

/** Options of {@link multiPaxosFaultSweep}. */
export interface MultiPaxosSweepOptions {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /** Profiles to cycle through by seed. Default: the defaults alone. */
  readonly profiles?:
    | Readonly<Record<string, MultiPaxosKvParamsInput>>
    | readonly MultiPaxosKvParamsInput[];
  /** Parameters on top of every profile. */
  readonly params?: MultiPaxosKvParamsInput;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
}

/**
 * Runs the Multi-Paxos trial over many seeds.
 *
 * @example
 * ```ts
 * multiPaxosFaultSweep({ seeds: 1000, profiles: MULTI_PAXOS_FAULT_PROFILES }).failures.length; // 0
 * ```
 */
export function multiPaxosFaultSweep(
  options: MultiPaxosSweepOptions = {},
): FaultSweepResult<MultiPaxosKvRow> {
  return faultSweep(multiPaxosKvTrial, {
    stopAtFirstFailure: options.stopAtFirstFailure ?? true,
    ...(options.seeds === undefined ? {} : { seeds: options.seeds }),
    ...(options.firstSeed === undefined ? {} : { firstSeed: options.firstSeed }),
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
    ...(options.params === undefined ? {} : { params: options.params }),
  });
}
