/**
 * PACELC measured (Abadi 2012): if there is a Partition, choose Availability or
 * Consistency; Else, even when the network is whole, choose Latency or Consistency. Three
 * sites, one server and one client at each; a site is a millisecond from itself and tens
 * of milliseconds from the others. No faults at all. The same workload reads and writes
 * with one of four read paths:
 *
 * - `raft-read-index`: the Raft leader confirms it still leads with a round of
 *   heartbeats, then answers (linearizable);
 * - `raft-log`: a read is a log entry, committed like a write (linearizable);
 * - `quorum`: R = W = 2 of N = 3 with writes that read first and reads that write back
 *   (ABD: linearizable);
 * - `local`: the same store with R = 1: the first replica to answer, the nearest (not
 *   linearizable).
 *
 * The rows give the read latencies and the history's verdict: what consistency costs
 * when nothing fails, and what the fast path costs in consistency.
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
import { checkLinearizable } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import { RaftCluster } from "../consensus/raft_cluster.ts";
import type { RaftClientCompletion } from "../consensus/raft_client.ts";
import type { LinkOverride } from "../sim/network.ts";
import type { Message, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { quantile } from "../viz/stats.ts";
import {
  QuorumClient,
  type QuorumClientTimer,
  type QuorumCompletion,
  type QuorumMessage,
  QuorumReplica,
  type QuorumReplicaTimer,
  readValue,
} from "../replication/quorum.ts";
import { type StaleReadInput, staleReads } from "./cap_figures.ts";

/** The read paths a PACELC run can take. */
export const PACELC_READS = ["raft-read-index", "raft-log", "quorum", "local"] as const;

/** One of {@link PACELC_READS}. */
export type PacelcReads = typeof PACELC_READS[number];

/** Zod schema of the parameters of a PACELC run (and of the `pacelc-latency` experiment). */
export const PacelcParamsSchema = z.strictObject({
  reads: z.enum(PACELC_READS).default("raft-read-index")
    .describe("raft-read-index, raft-log, quorum (R = W = 2 of 3, ABD) or local (R = 1)"),
  sites: integerAtLeast(3).default(3).describe("Sites, each with one server and one client"),
  lanMs: positiveMs().default(1).describe("Mean one-way delay within a site, in ms"),
  wanMs: positiveMs().default(30).describe("Mean one-way delay between sites, in ms"),
  jitter: probability().default(0.5)
    .describe("Delays are uniform within ± this fraction of their mean"),
  keys: integerAtLeast(1).default(1).describe("Keys the clients read and write"),
  readFraction: probability().default(0.7).describe("Fraction of operations that are reads"),
  thinkMs: nonNegativeMs().default(20).describe("Longest pause between operations, in ms"),
  warmupMs: nonNegativeMs().default(1000)
    .describe("Operations issued before this are not measured (Raft elects a leader), in ms"),
  runMs: positiveMs().default(3000).describe("Clients issue operations until this time, in ms"),
});

/** Parameters of a PACELC run, with defaults applied. */
export type PacelcParams = z.output<typeof PacelcParamsSchema>;

/** What a user may write for {@link PacelcParams}. */
export type PacelcParamsInput = z.input<typeof PacelcParamsSchema>;

/** One measured operation. */
export interface PacelcSample {
  /** The read path. */
  readonly reads: PacelcReads;
  /** `read` or `write`. */
  readonly f: "read" | "write";
  /** The client. */
  readonly client: NodeId;
  /** From invocation to answer, in ms. */
  readonly latencyMs: number;
}

/** One row of the `pacelc-latency` experiment: one seed. */
export type PacelcRow = {
  /** The read path. */
  readonly reads: PacelcReads;
  /** Reads measured (answered, issued after the warm-up). */
  readonly readCount: number;
  /** Median read latency, in ms. */
  readonly readP50Ms: number;
  /** 99th percentile read latency, in ms. */
  readonly readP99Ms: number;
  /** Median write latency, in ms. */
  readonly writeP50Ms: number;
  /** Measured reads that returned a value provably overwritten before they began. */
  readonly staleReads: number;
  /** Whether the whole history is linearizable (model kv). */
  readonly linearizable: boolean | "unknown";
};

/** A PACELC run: its row, every measured operation, and the history. */
export interface PacelcRun {
  /** The row. */
  readonly row: PacelcRow;
  /** Every measured operation. */
  readonly samples: readonly PacelcSample[];
  /** The clients' history. */
  readonly history: History;
}

/** How an operation ended: answered or not, and the value a read returned. */
type Done = (ok: boolean, value: number | null) => void;

/**
 * Runs one PACELC run with `params` (validated) and `seed`.
 *
 * @example
 * ```ts
 * const fast = simulatePacelc({ reads: "local" }, 1).row.readP50Ms; // about 2 ms
 * const safe = simulatePacelc({ reads: "quorum" }, 1).row.readP50Ms; // about 4 WAN hops
 * ```
 */
export function simulatePacelc(params: PacelcParamsInput, seed: number): PacelcRun {
  const p = parseConfig(PacelcParamsSchema, params, "params");
  const servers = Array.from({ length: p.sites }, (_, i) => `n${i + 1}`);
  const clients = Array.from({ length: p.sites }, (_, i) => `c${i + 1}`);
  const delay = (meanMs: number) => ({
    kind: "uniform" as const,
    minMs: meanMs * (1 - p.jitter),
    maxMs: meanMs * (1 + p.jitter),
  });
  // Every link is a WAN link, except a client's to the server of its own site.
  const links: LinkOverride[] = clients.map((client, i) => ({
    from: client,
    to: servers[i]!,
    bidirectional: true,
    latency: delay(p.lanMs),
  }));
  const network = { latency: delay(p.wanMs), links };
  const stack = p.reads === "raft-read-index" || p.reads === "raft-log"
    ? raftStack(p, seed, servers, clients, network)
    : quorumStack(p, seed, servers, clients, network);
  const simulation = stack.simulation;

  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  const samples: PacelcSample[] = [];
  const operations: (StaleReadInput & { measured: boolean })[] = [];
  const workload = new Random(seed).child("pacelc-workload");
  let nextValue = 1;
  let busy = 0;
  const issue = (client: NodeId, random: Random) => {
    if (simulation.now >= p.runMs) return;
    const f = random.chance(p.readFraction) ? "read" : "write";
    const key = random.pick(keys);
    const startMs = simulation.now;
    busy++;
    const value = nextValue++;
    stack.submit(client, f, key, value, (ok, read) => {
      busy--;
      operations.push({
        f,
        key,
        value: f === "write" ? value : read,
        issuedMs: startMs,
        completedMs: simulation.now,
        status: ok ? "ok" : "timeout",
        measured: startMs >= p.warmupMs,
      });
      if (ok && startMs >= p.warmupMs) {
        samples.push({ reads: p.reads, f, client, latencyMs: simulation.now - startMs });
      }
      simulation.at(simulation.now + random.uniform(0, p.thinkMs), () => issue(client, random));
    });
  };
  for (const client of clients) {
    const random = workload.child(client);
    simulation.at(random.uniform(0, p.thinkMs), () => issue(client, random));
  }
  simulation.runUntil(p.runMs);
  simulation.runUntilTrue(() => busy === 0, {
    withinMs: 60_000,
    description: "every client's last operation",
  });

  const history = stack.recorder.history;
  const readLatencies = samples.filter((s) => s.f === "read").map((s) => s.latencyMs);
  const writeLatencies = samples.filter((s) => s.f === "write").map((s) => s.latencyMs);
  const q = (values: number[], level: number) =>
    values.length === 0 ? NaN : quantile(values, level);
  return {
    row: {
      reads: p.reads,
      readCount: readLatencies.length,
      readP50Ms: q(readLatencies, 0.5),
      readP99Ms: q(readLatencies, 0.99),
      writeP50Ms: q(writeLatencies, 0.5),
      staleReads: [...staleReads(operations)].filter((op) => op.measured).length,
      linearizable: checkLinearizable(history, { model: "kv" }).valid,
    },
    samples,
    history,
  };
}

interface Stack {
  readonly simulation: Simulation<Message>;
  readonly recorder: HistoryRecorder;
  readonly submit: (
    client: NodeId,
    f: "read" | "write",
    key: string,
    value: number,
    done: Done,
  ) => void;
}

function raftStack(
  p: PacelcParams,
  seed: number,
  servers: NodeId[],
  clients: NodeId[],
  network: { latency: { kind: "uniform"; minMs: number; maxMs: number }; links: LinkOverride[] },
): Stack {
  const waiting = new Map<NodeId, Done>();
  const cluster = new RaftCluster({
    seed,
    servers,
    clients,
    record: false,
    network,
    raft: { reads: p.reads === "raft-log" ? "log" : "read-index" },
    client: {
      // Longer than a WAN round trip plus a heartbeat round: no needless retries.
      attemptTimeoutMs: 20 * p.wanMs,
      operationTimeoutMs: 100 * p.wanMs,
      onComplete: (c: RaftClientCompletion) => {
        const done = waiting.get(c.clientId);
        waiting.delete(c.clientId);
        done?.(c.status !== "info", typeof c.value === "number" ? c.value : null);
      },
    },
  });
  return {
    simulation: cluster.simulation as unknown as Simulation<Message>,
    recorder: cluster.recorder,
    submit: (client, f, key, value, done) => {
      waiting.set(client, done);
      cluster.submit(client, f === "read" ? { f, key } : { f, key, value });
    },
  };
}

function quorumStack(
  p: PacelcParams,
  seed: number,
  servers: NodeId[],
  clients: NodeId[],
  network: { latency: { kind: "uniform"; minMs: number; maxMs: number }; links: LinkOverride[] },
): Stack {
  const simulation = new Simulation<QuorumMessage>({ seed, record: false, network });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  const n = servers.length;
  const w = Math.floor(n / 2) + 1;
  const local = p.reads === "local";
  simulation.addNodes<QuorumReplicaTimer>(
    servers,
    (ctx) => new QuorumReplica(ctx, { ring: servers, n, versioning: "timestamp" }),
  );
  simulation.addNodes<QuorumClientTimer>(clients, (ctx) =>
    new QuorumClient(ctx, {
      ring: servers,
      n,
      w,
      r: local ? 1 : w,
      versioning: "timestamp",
      writes: "read-first",
      writeBack: !local,
      readRepair: false,
      sloppy: false,
      timeoutMs: 100 * p.wanMs,
      recorder,
      keepCompletions: false,
    }));
  return {
    simulation: simulation as unknown as Simulation<Message>,
    recorder,
    submit: (client, f, key, value, done) => {
      const node = simulation.node<QuorumClient>(client)!;
      const finish = (c: QuorumCompletion) => {
        const read = readValue(c.siblings, "timestamp");
        done(c.status === "ok", typeof read === "number" ? read : null);
      };
      if (f === "read") node.read(key, finish);
      else node.write(key, value, finish);
    },
  };
}
