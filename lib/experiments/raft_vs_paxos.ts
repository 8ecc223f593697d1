/**
 * The `raft-vs-paxos` experiment: Raft and Multi-Paxos side by side under one fault
 * schedule. For each seed both protocols run the same clients (the same workload
 * streams), over the same network, with the same timeouts, and the server leading at
 * `crashLeaderAtMs` crashes then and restarts `restartAfterMs` later. Reads go through
 * the log in both, so every command costs one round of replication. One row per seed per
 * protocol: messages between servers per completed command, client latency, and the time
 * from the leader's crash to the first command completed that was issued after it.
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
import { MultiPaxosCluster } from "../consensus/multi_paxos_trial.ts";
import type { RaftClientCompletion } from "../consensus/raft_client.ts";
import { RaftCluster } from "../consensus/raft_cluster.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import type { Simulation } from "../sim/simulation.ts";
import { quantile } from "../viz/stats.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/** Zod schema of the `raft-vs-paxos` parameters. */
export const RaftVsPaxosParamsSchema = z.strictObject({
  servers: integerAtLeast(3).default(5).describe("Servers in each cluster"),
  clients: integerAtLeast(1).default(3).describe("Clients running a random workload"),
  operationsPerClient: integerAtLeast(1).default(60)
    .describe("Operations each client issues, one at a time"),
  thinkMs: nonNegativeMs().default(20)
    .describe("Longest pause before each client operation, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 2, maxMs: 6 })
    .describe("One-way network delay"),
  lossProbability: probability().default(0.01).describe("Probability a message is lost"),
  electionTimeoutMinMs: positiveMs().default(150).describe("Shortest election timeout, in ms"),
  electionTimeoutMaxMs: positiveMs().default(300).describe("Longest election timeout, in ms"),
  heartbeatIntervalMs: positiveMs().default(50).describe("Leader heartbeat interval, in ms"),
  crashLeaderAtMs: positiveMs().default(1000).describe("When the leader crashes, in ms"),
  restartAfterMs: positiveMs().default(500).describe(
    "The crashed leader restarts this much later, in ms",
  ),
  runMs: positiveMs().default(4000).describe("How long each run lasts, in ms"),
}).refine((p) => p.electionTimeoutMaxMs >= p.electionTimeoutMinMs, {
  error: "must be at least electionTimeoutMinMs",
  path: ["electionTimeoutMaxMs"],
});

/** Parameters of `raft-vs-paxos`, with defaults applied. */
export type RaftVsPaxosParams = z.output<typeof RaftVsPaxosParamsSchema>;

/** One protocol's run for one seed. */
export type RaftVsPaxosRow = {
  /** "raft" or "multi-paxos". */
  readonly protocol: string;
  /** Commands completed (ok or fail). */
  readonly commands: number;
  /** Messages between servers per completed command (heartbeats and elections included). */
  readonly messagesPerCommand: number;
  /** Median client latency of completed commands, in ms. */
  readonly latencyP50Ms: number | null;
  /** 99th percentile client latency, in ms. */
  readonly latencyP99Ms: number | null;
  /** From the leader's crash to the first completion of a command issued after it, in ms. */
  readonly recoveryMs: number | null;
};

interface Run {
  readonly simulation: Simulation<never>;
  readonly servers: readonly NodeId[];
  readonly leader: () => NodeId | undefined;
  readonly completions: () => RaftClientCompletion[];
}

/**
 * Runs one protocol under the schedule and measures it. Exported for the chapter, which
 * draws a single run.
 */
export function raftVsPaxosRun(
  protocol: "raft" | "multi-paxos",
  params: z.input<typeof RaftVsPaxosParamsSchema>,
  seed: number,
): RaftVsPaxosRow {
  const p = parseConfig(RaftVsPaxosParamsSchema, params, "params");
  const network = { latency: p.latency, lossProbability: p.lossProbability };
  const client = {
    attemptTimeoutMs: 100,
    operationTimeoutMs: 2000,
    workload: { operations: p.operationsPerClient, keys: ["k1", "k2"], thinkMs: p.thinkMs },
  };
  const timeouts = {
    electionTimeoutMinMs: p.electionTimeoutMinMs,
    electionTimeoutMaxMs: p.electionTimeoutMaxMs,
    heartbeatIntervalMs: p.heartbeatIntervalMs,
  };
  let run: Run;
  if (protocol === "raft") {
    const cluster = new RaftCluster({
      seed,
      servers: p.servers,
      clients: p.clients,
      record: false,
      network,
      raft: { ...timeouts, reads: "log" },
      client,
    });
    run = {
      simulation: cluster.simulation as unknown as Simulation<never>,
      servers: cluster.servers,
      leader: () => cluster.leader()?.id,
      completions: () => cluster.clients.flatMap((id) => [...cluster.client(id).completions]),
    };
  } else {
    const cluster = new MultiPaxosCluster({
      seed,
      servers: p.servers,
      clients: p.clients,
      record: false,
      network,
      multiPaxos: timeouts,
      client,
    });
    run = {
      simulation: cluster.simulation as unknown as Simulation<never>,
      servers: cluster.servers,
      leader: () => cluster.leader()?.id,
      completions: () => cluster.clients.flatMap((id) => [...cluster.client(id).completions]),
    };
  }
  const simulation = run.simulation;
  let serverMessages = 0;
  const servers = new Set(run.servers);
  const subscription = simulation.events$.subscribe((record) => {
    if (record.kind === "send" && servers.has(record.from) && servers.has(record.to)) {
      serverMessages++;
    }
  });
  let crashedAt: number | null = null;
  simulation.at(p.crashLeaderAtMs, () => {
    const leader = run.leader();
    if (leader === undefined) return;
    crashedAt = p.crashLeaderAtMs;
    simulation.crash(leader);
    simulation.at(p.crashLeaderAtMs + p.restartAfterMs, () => simulation.restart(leader));
  });
  simulation.runUntil(p.runMs);
  subscription.unsubscribe();
  const done = run.completions().filter((c) => c.status !== "info");
  const latencies = done.map((c) => c.completedMs - c.invokedMs);
  const after = crashedAt === null
    ? []
    : done.filter((c) => c.invokedMs >= crashedAt!).map((c) => c.completedMs - crashedAt!);
  return {
    protocol,
    commands: done.length,
    messagesPerCommand: done.length > 0 ? serverMessages / done.length : 0,
    latencyP50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : null,
    latencyP99Ms: latencies.length > 0 ? quantile(latencies, 0.99) : null,
    recoveryMs: after.length > 0 ? Math.min(...after) : null,
  };
}

/**
 * `raft-vs-paxos`: one row per protocol per seed, both under the same clients, network
 * and leader crash.
 *
 * @example
 * ```ts
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(raftVsPaxos, { seeds: 20 });
 * ```
 */
export const raftVsPaxos: Experiment<typeof RaftVsPaxosParamsSchema, RaftVsPaxosRow> =
  defineExperiment({
    name: "raft-vs-paxos",
    title: "Raft and Multi-Paxos under one fault schedule: messages, latency, recovery",
    description: "Both protocols serve the same key-value clients over the same network " +
      "with the same timeouts; the leader crashes at crashLeaderAtMs and restarts later. " +
      "One row per protocol per seed: server messages per command, median and 99th " +
      "percentile latency, and the time from the crash to the first command completed " +
      "that was issued after it.",
    chapter: "06_paxos",
    params: RaftVsPaxosParamsSchema,
    trial: (p, seed) => [raftVsPaxosRun("raft", p, seed), raftVsPaxosRun("multi-paxos", p, seed)],
  });
