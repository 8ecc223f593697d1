/**
 * CAP measured. The same client workload (reads and writes of a few keys, one operation
 * at a time per client) runs against a CP store and two AP stores while a fault cuts a
 * minority of the servers off, together with some of the clients:
 *
 * - `raft-kv`: the Raft key-value store (reads by ReadIndex or through the log);
 * - `quorum-kv`: the leaderless Dynamo-style store, N = 3 of 5 nodes, W = R = 2, with
 *   sloppy quorums and hinted handoff (a write that cannot reach its preferred replicas
 *   lands on the next nodes of the ring) and reads that write back;
 * - `lww-kv`: every node holds every key (N = 5), a write is done when one node has it,
 *   a read takes the first answer, versions are ordered by the writer's clock (last
 *   writer wins) and repaired by read repair and Merkle anti-entropy.
 *
 * The fault is a `partition` (both sides keep running, they cannot talk) or a `crash` of
 * the same servers (they stop; the network is whole). Gilbert and Lynch (2002) define
 * availability as "every request received by a non-failed node must result in a
 * response": a row measures, of the requests issued while the fault lasts, the fraction
 * that got a non-error answer, on each side, and the linearizability of the whole
 * history (their C).
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { History } from "../history/operation.ts";
import type { Fault } from "../sim/faults.ts";
import type { Message, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { defineTrial, linearizability, runTrial, type Trial } from "../testing/mod.ts";
import type { TrialResult } from "../testing/mod.ts";
import { RaftCluster } from "../consensus/raft_cluster.ts";
import type { RaftClientCompletion } from "../consensus/raft_client.ts";
import type { RaftMessage } from "../consensus/raft.ts";
import {
  QuorumClient,
  type QuorumClientTimer,
  type QuorumCompletion,
  type QuorumMessage,
  QuorumReplica,
  type QuorumReplicaTimer,
  readValue,
} from "../replication/quorum.ts";

/** The stores a CAP trial can run. */
export const CAP_STORES = ["raft-kv", "quorum-kv", "lww-kv"] as const;

/** One of {@link CAP_STORES}. */
export type CapStore = typeof CAP_STORES[number];

/** Zod schema of the parameters of a CAP trial (and of the `cap-partition` experiment). */
export const CapPartitionParamsSchema = z.strictObject({
  store: z.enum(CAP_STORES).default("raft-kv")
    .describe("raft-kv (CP), quorum-kv (AP: sloppy quorums) or lww-kv (AP: last writer wins)"),
  fault: z.enum(["partition", "crash"]).default("partition")
    .describe("Cut the minority off (partition) or stop it (crash)"),
  servers: integerAtLeast(3).default(5).describe("Servers (store nodes)"),
  minorityServers: integerAtLeast(1).default(2)
    .describe("Servers on the minority side (fewer than half)"),
  clients: integerAtLeast(1).default(4).describe("Clients, one operation at a time each"),
  minorityClients: integerAtLeast(0).default(2)
    .describe("Clients on the minority side (c1, c2, ...); the rest are with the majority"),
  minorityHoldsLeader: z.boolean().default(true)
    .describe("raft-kv: the minority holds the leader of the moment the fault starts"),
  faultStartMs: nonNegativeMs().default(1000).describe("When the fault starts, in ms"),
  faultDurationMs: positiveMs().default(3000).describe("How long it lasts, in ms"),
  keys: integerAtLeast(1).default(2).describe("Keys the clients read and write"),
  readFraction: probability().default(0.5).describe("Fraction of operations that are reads"),
  thinkMs: nonNegativeMs().default(100).describe("Longest pause between operations, in ms"),
  operationTimeoutMs: positiveMs().default(1000)
    .describe("A client gives up on an operation (no answer) after this long, in ms"),
  afterHealMs: nonNegativeMs().default(500)
    .describe("Clients keep going this long after the heal, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay"),
  reads: z.enum(["read-index", "log"]).default("read-index")
    .describe("raft-kv: how reads are made linearizable"),
  unsafe: z.enum(["none", "localReads"]).default("none")
    .describe("raft-kv: localReads lets a leader answer reads without confirming it leads"),
}).superRefine((p, ctx) => {
  if (2 * p.minorityServers >= p.servers) {
    ctx.addIssue({
      code: "custom",
      path: ["minorityServers"],
      message: `must be fewer than half of servers (${p.servers}), got ${p.minorityServers}`,
      input: p.minorityServers,
    });
  }
  if (p.minorityClients > p.clients) {
    ctx.addIssue({
      code: "custom",
      path: ["minorityClients"],
      message: `must be at most clients (${p.clients}), got ${p.minorityClients}`,
      input: p.minorityClients,
    });
  }
  if (p.operationTimeoutMs >= p.faultDurationMs) {
    ctx.addIssue({
      code: "custom",
      path: ["operationTimeoutMs"],
      message: `must be shorter than faultDurationMs (${p.faultDurationMs}), ` +
        `got ${p.operationTimeoutMs}`,
      input: p.operationTimeoutMs,
    });
  }
});

/** Parameters of a CAP trial, with defaults applied. */
export type CapPartitionParams = z.output<typeof CapPartitionParamsSchema>;

/** What a user may write for {@link CapPartitionParams}. */
export type CapPartitionParamsInput = z.input<typeof CapPartitionParamsSchema>;

/** Which side of the fault a client or server is on. */
export type CapSide = "minority" | "majority";

/** One client request, as the trial saw it (true time, in ms). */
export interface CapRequest {
  /** The client. */
  readonly client: NodeId;
  /** The client's side. */
  readonly side: CapSide;
  /** `read` or `write`. */
  readonly f: "read" | "write";
  /** The key. */
  readonly key: string;
  /** The value written, or the value read (null: nothing yet, or no answer). */
  readonly value: number | null;
  /** When it was issued. */
  readonly issuedMs: number;
  /** When it ended (answered, or given up). */
  readonly completedMs: number;
  /** `ok`: a non-error answer; `timeout`: none before the client gave up. */
  readonly status: "ok" | "timeout";
  /** Whether it was issued while the fault lasted, early enough to be answered before the heal. */
  readonly counted: boolean;
}

/** A built CAP trial. */
export interface CapSystem {
  /** The simulation. */
  readonly simulation: Simulation<RaftMessage> | Simulation<QuorumMessage>;
  /** The clients' history (model kv). */
  readonly history: History;
  /** The parameters. */
  readonly params: CapPartitionParams;
  /** Server ids. */
  readonly servers: readonly NodeId[];
  /** Client ids. */
  readonly clients: readonly NodeId[];
  /** The servers cut off or crashed (known once the fault has started). */
  readonly minority: () => readonly NodeId[];
  /** The faults applied, once applied (start and heal). */
  readonly faults: () => readonly Fault[];
  /** Every request so far, in order of completion. */
  readonly requests: readonly CapRequest[];
  /** Whether every client has stopped and its last operation ended. */
  readonly finished: () => boolean;
  /** The side a client is on. */
  readonly sideOf: (client: NodeId) => CapSide;
}

/** One row of the `cap-partition` experiment: one seed. */
export type CapPartitionRow = {
  /** The store. */
  readonly store: CapStore;
  /** The fault. */
  readonly fault: "partition" | "crash";
  /** Requests issued while the fault lasted (and early enough to be answered before the heal). */
  readonly requests: number;
  /** Of those, the fraction that got a non-error answer. */
  readonly availability: number | null;
  /** The same, for clients on the minority side (null: none issued). */
  readonly availabilityMinority: number | null;
  /** The same, for clients on the majority side (null: none issued). */
  readonly availabilityMajority: number | null;
  /** The whole history's linearizability verdict. */
  readonly linearizable: boolean | "unknown" | null;
  /** The broken invariant, or null. */
  readonly violation: string | null;
};

type Done = (status: "ok" | "timeout", value: number | null) => void;

interface Driver {
  readonly simulation: Simulation<RaftMessage> | Simulation<QuorumMessage>;
  readonly recorder: HistoryRecorder;
  readonly servers: readonly NodeId[];
  readonly submit: (
    client: NodeId,
    f: "read" | "write",
    key: string,
    value: number,
    done: Done,
  ) => void;
  /** The servers on the minority side, chosen when the fault starts. */
  readonly chooseMinority: () => NodeId[];
}

/**
 * The CAP trial on the shared harness: one seed runs the workload against the chosen
 * store with the fault in the middle; the history is checked for linearizability (model
 * kv); Raft's safety invariants are checked during the run. A row per seed.
 *
 * @example
 * ```ts
 * import { runTrial } from "../testing/mod.ts";
 *
 * const row = runTrial(capPartitionTrial(), { store: "raft-kv" }, 1).row;
 * row.availabilityMinority; // 0: the minority cannot commit, so it cannot answer
 * row.linearizable; // true
 * ```
 */
export function capPartitionTrial(): Trial<
  typeof CapPartitionParamsSchema,
  CapSystem,
  CapPartitionRow
> {
  return defineTrial({
    name: "cap-partition",
    params: CapPartitionParamsSchema,
    build: ({ params, seed, record, replay }) => buildCapSystem(params, seed, record, replay),
    liveness: {
      name: "every client's last operation ended",
      withinMs: (p) => p.faultStartMs + p.faultDurationMs + p.afterHealMs + 10_000,
      holds: (s) => s.finished(),
    },
    history: linearizability("kv"),
    row: ({ system, params, history, failure }) => ({
      store: params.store,
      fault: params.fault,
      ...capAvailability(system.requests),
      linearizable: history?.valid ?? null,
      violation: failure === undefined ? null : `${failure.kind}: ${failure.invariant}`,
    }),
  });
}

/** The CAP trial (see {@link capPartitionTrial}). */
export const CAP_PARTITION_TRIAL: Trial<
  typeof CapPartitionParamsSchema,
  CapSystem,
  CapPartitionRow
> = capPartitionTrial();

/**
 * Runs one CAP trial and returns the harness's result (the row, the system with its
 * requests and history, any failure). A bad parameter throws a ConfigError naming it.
 *
 * @example
 * ```ts
 * const result = runCapPartition({ store: "lww-kv" }, 3);
 * result.row.availabilityMinority; // 1: every request answered
 * ```
 */
export function runCapPartition(
  params: CapPartitionParamsInput,
  seed: number,
  options: { readonly record?: boolean } = {},
): TrialResult<CapSystem, CapPartitionParams, CapPartitionRow> {
  return runTrial(CAP_PARTITION_TRIAL, params, seed, {
    record: options.record ?? false,
    excerpt: false,
  });
}

/**
 * Availability as Gilbert and Lynch count it, of the requests marked `counted`: overall
 * and on each side (null where no request was counted).
 */
export function capAvailability(requests: readonly CapRequest[]): {
  requests: number;
  availability: number | null;
  availabilityMinority: number | null;
  availabilityMajority: number | null;
} {
  const fraction = (side: CapSide | undefined) => {
    const counted = requests.filter((r) => r.counted && (side === undefined || r.side === side));
    if (counted.length === 0) return null;
    return counted.filter((r) => r.status === "ok").length / counted.length;
  };
  return {
    requests: requests.filter((r) => r.counted).length,
    availability: fraction(undefined),
    availabilityMinority: fraction("minority"),
    availabilityMajority: fraction("majority"),
  };
}

function buildCapSystem(
  p: CapPartitionParams,
  seed: number,
  record: boolean,
  replay: string,
): CapSystem {
  const servers = Array.from({ length: p.servers }, (_, i) => `n${i + 1}`);
  const clients = Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  const minorityClients = clients.slice(0, p.minorityClients);
  const sideOf = (client: NodeId): CapSide =>
    minorityClients.includes(client) ? "minority" : "majority";
  const driver = p.store === "raft-kv"
    ? raftDriver(p, seed, record, replay, servers, clients)
    : quorumDriver(p, seed, record, replay, servers, clients);
  const simulation = driver.simulation as Simulation<Message>;

  // The fault: from faultStartMs to the heal; the minority is chosen as it starts.
  const startMs = p.faultStartMs;
  const healMs = p.faultStartMs + p.faultDurationMs;
  let minority: NodeId[] = [];
  const faults: Fault[] = [];
  simulation.at(startMs, () => {
    minority = driver.chooseMinority();
    if (p.fault === "partition") {
      const majority = servers.filter((s) => !minority.includes(s));
      const groups = [
        [...minority, ...minorityClients],
        [...majority, ...clients.filter((c) => !minorityClients.includes(c))],
      ];
      simulation.partition(groups);
      faults.push({ atMs: startMs, kind: "partition", groups });
    } else {
      for (const node of minority) {
        simulation.crash(node);
        faults.push({ atMs: startMs, kind: "crash", node });
      }
    }
  });
  simulation.at(healMs, () => {
    if (p.fault === "partition") {
      simulation.heal();
      faults.push({ atMs: healMs, kind: "heal" });
    } else {
      for (const node of minority) {
        simulation.restart(node);
        faults.push({ atMs: healMs, kind: "restart", node });
      }
    }
  });

  // The workload: each client issues reads and writes one at a time until after the heal.
  const stopMs = healMs + p.afterHealMs;
  const requests: CapRequest[] = [];
  const busy = new Set<NodeId>();
  let nextValue = 1;
  const workload = new Random(seed).child("cap-workload");
  const randomOf = new Map(clients.map((c) => [c, workload.child(c)]));
  const issue = (client: NodeId) => {
    if (simulation.now >= stopMs) return;
    const random = randomOf.get(client)!;
    const key = random.pick(keys);
    const f = random.chance(p.readFraction) ? "read" : "write";
    const value = nextValue++;
    const issuedMs = simulation.now;
    busy.add(client);
    driver.submit(client, f, key, value, (status, answer) => {
      busy.delete(client);
      requests.push({
        client,
        side: sideOf(client),
        f,
        key,
        value: f === "write" ? value : answer,
        issuedMs,
        completedMs: simulation.now,
        status,
        // Only a request that had its full time to be answered while the fault lasted.
        counted: issuedMs >= startMs && issuedMs + p.operationTimeoutMs <= healMs,
      });
      simulation.at(simulation.now + random.uniform(0, p.thinkMs), () => issue(client));
    });
  };
  for (const client of clients) {
    simulation.at(randomOf.get(client)!.uniform(0, p.thinkMs), () => issue(client));
  }
  return {
    simulation: driver.simulation,
    get history() {
      return driver.recorder.history;
    },
    params: p,
    servers,
    clients,
    minority: () => minority,
    faults: () => faults,
    requests,
    finished: () => simulation.now >= stopMs && busy.size === 0,
    sideOf,
  };
}

function raftDriver(
  p: CapPartitionParams,
  seed: number,
  record: boolean,
  replay: string,
  servers: NodeId[],
  clients: NodeId[],
): Driver {
  const waiting = new Map<NodeId, Done>();
  const cluster = new RaftCluster({
    seed,
    servers,
    clients,
    record,
    replay,
    network: { latency: p.latency },
    raft: { reads: p.reads, unsafe: { localReads: p.unsafe === "localReads" } },
    client: {
      operationTimeoutMs: p.operationTimeoutMs,
      onComplete: (c: RaftClientCompletion) => {
        const done = waiting.get(c.clientId);
        waiting.delete(c.clientId);
        // Only reads and writes run here: a `fail` (a cas that lost) cannot happen.
        done?.(
          c.status === "info" ? "timeout" : "ok",
          typeof c.value === "number" ? c.value : null,
        );
      },
    },
  });
  return {
    simulation: cluster.simulation,
    recorder: cluster.recorder,
    servers,
    submit: (client, f, key, value, done) => {
      waiting.set(client, done);
      cluster.submit(client, f === "read" ? { f, key } : { f, key, value });
    },
    chooseMinority: () => {
      const last = servers.slice(servers.length - p.minorityServers);
      const leader = cluster.leader()?.id;
      if (!p.minorityHoldsLeader || leader === undefined || last.includes(leader)) return last;
      return [leader, ...last.slice(1)];
    },
  };
}

function quorumDriver(
  p: CapPartitionParams,
  seed: number,
  record: boolean,
  replay: string,
  servers: NodeId[],
  clients: NodeId[],
): Driver {
  const simulation = new Simulation<QuorumMessage>({
    seed,
    record,
    replay,
    network: { latency: p.latency },
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  // quorum-kv: three replicas per key of five nodes, sloppy; lww-kv: every node, one ack.
  const lww = p.store === "lww-kv";
  const n = lww ? servers.length : Math.min(3, servers.length);
  const w = lww ? 1 : Math.floor(n / 2) + 1;
  simulation.addNodes<QuorumReplicaTimer>(servers, (ctx) =>
    new QuorumReplica(ctx, {
      ring: servers,
      n,
      versioning: "timestamp",
      merkleDepth: 4,
      ...(lww ? { antiEntropyIntervalMs: 200 } : {}),
    }));
  simulation.addNodes<QuorumClientTimer>(clients, (ctx) =>
    new QuorumClient(ctx, {
      ring: servers,
      n,
      w,
      r: w,
      versioning: "timestamp",
      writes: lww ? "clock" : "read-first",
      writeBack: !lww,
      readRepair: lww,
      sloppy: !lww,
      retryMs: 30,
      timeoutMs: p.operationTimeoutMs,
      recorder,
      keepCompletions: false,
    }));
  return {
    simulation,
    recorder,
    servers,
    submit: (client, f, key, value, done) => {
      const node = simulation.node<QuorumClient>(client)!;
      const finish = (c: QuorumCompletion) => {
        const read = readValue(c.siblings, "timestamp");
        done(c.status === "ok" ? "ok" : "timeout", typeof read === "number" ? read : null);
      };
      if (f === "read") node.read(key, finish);
      else node.write(key, value, finish);
    },
    chooseMinority: () => servers.slice(servers.length - p.minorityServers),
  };
}
