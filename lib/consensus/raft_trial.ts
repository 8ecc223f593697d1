/**
 * Raft under random faults: one trial runs the key-value store with clients while a
 * nemesis partitions (both ways and one way), crashes and restarts, pauses and resumes
 * servers and jumps their clocks, over a network that loses, duplicates and reorders
 * messages. The safety invariants are checked after every event; at the end, the
 * servers' logs are compared directly, the clients' history is checked for
 * linearizability, and liveness is required: once the last fault has healed, a client
 * command must commit within a bound.
 *
 * {@link raftFaultSweep} runs trials over many seeds and reports each failure with its
 * seed and the command that replays it. The `raft-kv` experiment is the same trial.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import { checkLinearizable, type LinearizabilityResult } from "../check/linearizability.ts";
import { replayCommand } from "../testing/replay.ts";
import type { History } from "../history/operation.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { SimulationError } from "../sim/errors.ts";
import type { Fault } from "../sim/faults.ts";
import { Random } from "../sim/random.ts";
import { quantile } from "../viz/stats.ts";
import { raftStateProblems } from "./invariants.ts";
import {
  type CommitRule,
  RAFT_UNSAFE_VARIANTS,
  type RaftObserver,
  type UpToDateRule,
} from "./raft.ts";
import { RaftClient, type RaftClientTimer } from "./raft_client.ts";
import { RaftCluster } from "./raft_cluster.ts";
import { planRaftNemesis, scheduleRaftNemesis } from "./raft_nemesis.ts";

/** Zod schema of the parameters of a Raft fault trial (and of the `raft-kv` experiment). */
export const RaftKvParamsSchema = z.strictObject({
  servers: integerAtLeast(1).default(5).describe("Raft servers"),
  clients: integerAtLeast(1).default(3).describe("Clients running a random workload"),
  operationsPerClient: integerAtLeast(0).default(20)
    .describe("Operations each client issues, one at a time"),
  keys: integerAtLeast(1).default(2).describe("Keys the clients use (k1, k2, ...)"),
  thinkMs: nonNegativeMs().default(150)
    .describe("Longest pause before each client operation, in ms (uniform from 0)"),
  faultsPerSecond: nonNegativeNumber().default(4)
    .describe("Mean rate at which faults start, over all fault timelines (0: no faults)"),
  meanFaultDurationMs: positiveMs().default(150)
    .describe("Mean duration of a fault (partition, crash, pause), in ms"),
  faultsUntilMs: positiveMs().default(3000)
    .describe("Every fault has healed by this time, in ms; liveness is checked after it"),
  leaderTargetProbability: probability().default(0.5)
    .describe("Probability that a fault aims at the current leader rather than a random server"),
  concurrentServerFaults: integerAtLeast(1).default(2)
    .describe("How many crash/pause faults may overlap (each runs its own timeline)"),
  faultKinds: z.array(
    z.enum(["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"]),
  ).min(1, { error: "must list at least one kind" })
    .default(["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"])
    .describe("Faults the nemesis draws from"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay (random delays reorder messages)"),
  lossProbability: probability().default(0.02).describe("Probability a message is lost"),
  duplicateProbability: probability().default(0.02)
    .describe("Probability a message is delivered twice"),
  electionTimeoutMinMs: positiveMs().default(50).describe("Shortest election timeout, in ms"),
  electionTimeoutMaxMs: positiveMs().default(100).describe("Longest election timeout, in ms"),
  heartbeatIntervalMs: positiveMs().default(15).describe("Leader heartbeat interval, in ms"),
  diskWriteMs: nonNegativeMs().default(0)
    .describe("How long a durable write takes before the reply that depends on it, in ms"),
  preVote: z.boolean().default(false).describe("Ask for pre-votes before an election"),
  reads: z.enum(["read-index", "log"]).default("read-index")
    .describe("How reads are made linearizable"),
  appendNoopOnElection: z.boolean().default(true)
    .describe("A new leader appends a no-op entry of its term"),
  unsafe: z.enum(["none", ...RAFT_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant to run (none: correct Raft)"),
  attemptTimeoutMs: positiveMs().default(60)
    .describe("A client tries the next server after this long without an answer, in ms"),
  operationTimeoutMs: positiveMs().default(500)
    .describe("A client gives up on an operation (records info) after this long, in ms"),
  livenessBoundMs: positiveMs().default(5000)
    .describe("After the faults end, a command must commit within this long, in ms"),
}).refine((p) => p.electionTimeoutMaxMs >= p.electionTimeoutMinMs, {
  error: "must be at least electionTimeoutMinMs",
  path: ["electionTimeoutMaxMs"],
});

/** Parameters of a Raft fault trial, with defaults applied. */
export type RaftKvParams = z.output<typeof RaftKvParamsSchema>;

/** What a user may write for {@link RaftKvParams}: every field is optional. */
export type RaftKvParamsInput = z.input<typeof RaftKvParamsSchema>;

/** The default parameters. */
export const RAFT_KV_DEFAULTS: RaftKvParams = parseConfig(RaftKvParamsSchema, {}, "params");

/** What went wrong in a trial. */
export interface RaftTrialFailure {
  /** The trial's seed. */
  readonly seed: number;
  /**
   * `safety` (an invariant broke during the run), `liveness` (no commit in time after
   * the faults healed), `linearizability` (the history is not linearizable),
   * `final-state` (the direct comparison of the logs at the end found a problem),
   * `node-exception` or `bound-exceeded` (the run itself failed).
   */
  readonly kind:
    | "safety"
    | "liveness"
    | "linearizability"
    | "final-state"
    | "node-exception"
    | "bound-exceeded";
  /** For `safety`, the property that broke ("election safety", ...). */
  readonly invariant: string | undefined;
  /** What happened, in words (for a simulation error: its whole message). */
  readonly message: string;
  /** When, in virtual ms (for a linearizability failure: when the bad read completed). */
  readonly timeMs: number | undefined;
  /** The command that replays the trial. */
  readonly replay: string;
}

/** One row of the `raft-kv` experiment: one trial. */
export type RaftKvRow = {
  /** The fault rate of the trial. */
  readonly faultsPerSecond: number;
  /** The broken variant run, or "none". */
  readonly unsafe: string;
  /** Operations that completed ok. */
  readonly okOps: number;
  /** Cas operations that found another value (definite, no effect). */
  readonly failOps: number;
  /** Operations with an unknown outcome (no answer before the client's deadline). */
  readonly infoOps: number;
  /** Completed (ok or fail) operations per second while the workload ran. */
  readonly throughputOpsPerSec: number;
  /** Median latency of completed operations, in ms (null: none completed). */
  readonly latencyP50Ms: number | null;
  /** 99th percentile latency of completed operations, in ms (null: none completed). */
  readonly latencyP99Ms: number | null;
  /** The linearizability verdict of the history. */
  readonly linearizable: boolean | "unknown";
  /** How the trial failed (kind: property), or null. */
  readonly violation: string | null;
  /** Leaders elected (one per term that had one). */
  readonly elections: number;
  /** The highest term reached. */
  readonly maxTerm: number;
  /**
   * From the end of the last fault to the commit of a command sent then, in ms (null:
   * never). Without faults it is sent at time 0, so it measures the first election.
   */
  readonly recoveryMs: number | null;
};

/** Options of {@link runRaftTrial} that are not experiment parameters. */
export interface RaftTrialOptions {
  /** Keep the trace, to draw the run. Default false. */
  readonly record?: boolean;
  /** Replaces the servers' §5.4.1 vote comparison (an exercise's answer). */
  readonly upToDate?: UpToDateRule;
  /** Replaces the leaders' commit rule (an exercise's answer). */
  readonly commitRule?: CommitRule;
  /** The replay line of a failure. Default: the `raft-kv` command for this seed and these parameters. */
  readonly replay?: string;
  /** Also told of every server event (to count or draw what happened). */
  readonly observer?: RaftObserver;
}

/** A finished trial. */
export interface RaftTrialResult {
  /** The seed. */
  readonly seed: number;
  /** The parameters, with defaults applied. */
  readonly params: RaftKvParams;
  /** The faults the nemesis applied, in order (partitions, heals, crashes, ...). */
  readonly faults: readonly Fault[];
  /** The cluster (its simulation's trace is empty unless `record` was set). */
  readonly cluster: RaftCluster;
  /** The clients' history, the liveness probe's write included. */
  readonly history: History;
  /** The linearizability check of the history (up to a failure, if the run stopped early). */
  readonly linearizability: LinearizabilityResult;
  /** How the trial failed, or undefined. */
  readonly failure: RaftTrialFailure | undefined;
  /** The experiment's row. */
  readonly row: RaftKvRow;
}

/** The client that checks liveness: it writes once after the faults end. */
const PROBE = "probe";

/**
 * Runs one trial: the servers and clients of `params`, a nemesis drawn from `seed`, and
 * every check. Never throws for a protocol failure: it is returned in `failure` (a bad
 * parameter throws a ConfigError naming it).
 *
 * @example
 * ```ts
 * const trial = runRaftTrial({ unsafe: "localReads" }, 7);
 * trial.failure?.kind; // "linearizability" for many seeds
 * ```
 */
export function runRaftTrial(
  params: RaftKvParamsInput,
  seed: number,
  options: RaftTrialOptions = {},
): RaftTrialResult {
  const p = parseConfig(RaftKvParamsSchema, params, "params");
  const replay = options.replay ??
    replayCommand("raft-kv", seed, { params: p, defaults: RAFT_KV_DEFAULTS });
  const servers = Array.from({ length: p.servers }, (_, i) => `n${i + 1}`);
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  const steps = p.faultsPerSecond > 0 && servers.length >= 2
    ? planRaftNemesis({
      endMs: p.faultsUntilMs,
      meanGapMs: nemesisProcesses(p) * 1000 / p.faultsPerSecond,
      serverProcesses: p.concurrentServerFaults,
      meanDurationMs: p.meanFaultDurationMs,
      kinds: p.faultKinds,
    }, new Random(seed).child("nemesis"))
    : [];
  const unsafe = p.unsafe === "none" ? {} : { [p.unsafe]: true };
  const cluster = new RaftCluster({
    seed,
    servers,
    clients: p.clients,
    record: options.record ?? false,
    replay,
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    network: {
      latency: p.latency,
      lossProbability: p.lossProbability,
      duplicateProbability: p.duplicateProbability,
    },
    raft: {
      electionTimeoutMinMs: p.electionTimeoutMinMs,
      electionTimeoutMaxMs: p.electionTimeoutMaxMs,
      heartbeatIntervalMs: p.heartbeatIntervalMs,
      diskWriteMs: p.diskWriteMs,
      preVote: p.preVote,
      reads: p.reads,
      appendNoopOnElection: p.appendNoopOnElection,
      unsafe,
      ...(options.upToDate === undefined ? {} : { upToDate: options.upToDate }),
      ...(options.commitRule === undefined ? {} : { commitRule: options.commitRule }),
    },
    client: {
      attemptTimeoutMs: p.attemptTimeoutMs,
      operationTimeoutMs: p.operationTimeoutMs,
      workload: { operations: p.operationsPerClient, keys, thinkMs: p.thinkMs },
    },
  });
  const simulation = cluster.simulation;
  simulation.addNode<RaftClientTimer>(PROBE, (ctx) =>
    new RaftClient(ctx, {
      servers,
      recorder: cluster.recorder,
      attemptTimeoutMs: p.attemptTimeoutMs,
      operationTimeoutMs: p.livenessBoundMs,
    }));

  const faults = scheduleRaftNemesis(cluster, steps, new Random(seed).child("nemesis-targets"), {
    leaderTargetProbability: p.leaderTargetProbability,
  });

  let failure: RaftTrialFailure | undefined;
  let recoveryMs: number | null = null;
  // Liveness: once the last fault has ended, a command must commit within the bound.
  const healedMs = steps.reduce((latest, step) => Math.max(latest, step.endMs), 0);
  try {
    simulation.runUntil(healedMs);
    const probe = simulation.node<RaftClient>(PROBE)!;
    probe.submit({ f: "write", key: keys[0]!, value: "probe" });
    const committedAt = simulation.runUntilTrue(
      () => probe.completions.some((c) => c.status === "ok"),
      {
        withinMs: p.livenessBoundMs,
        description: "a committed command after the last fault healed",
        explain: () => cluster.describeRoles(),
      },
    );
    recoveryMs = committedAt - healedMs;
    if (simulation.now < p.faultsUntilMs) simulation.runUntil(p.faultsUntilMs);
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    const invariant = /^Invariant "([^"]+)" broken/.exec(error.message)?.[1];
    failure = {
      seed,
      kind: error.kind,
      invariant,
      message: error.message,
      timeMs: error.timeMs,
      replay,
    };
  }
  if (failure === undefined) {
    const problems = raftStateProblems(cluster.liveServers());
    if (problems.length > 0) {
      failure = {
        seed,
        kind: "final-state",
        invariant: undefined,
        message: problems.join("\n"),
        timeMs: simulation.now,
        replay,
      };
    }
  }
  const history = cluster.history;
  // Checked whatever else went wrong: a run stopped by a broken invariant has a history
  // up to that moment, and it may already show the damage.
  const linearizability = checkLinearizable(history, { model: "kv" });
  if (linearizability.valid === false && failure === undefined) {
    const evidence = linearizability.evidence;
    failure = {
      seed,
      kind: "linearizability",
      invariant: undefined,
      message: evidence?.summary ?? "the history is not linearizable",
      timeMs: evidence?.failedAtTime,
      replay,
    };
  }
  const workloadClients = cluster.clients.map((id) => cluster.client(id));
  return {
    seed,
    params: p,
    faults,
    cluster,
    history,
    linearizability,
    failure,
    row: trialRow(p, cluster, workloadClients, linearizability, failure, recoveryMs),
  };
}

/** How many fault timelines run at once: the network's, if it has kinds, plus the servers'. */
function nemesisProcesses(p: RaftKvParams): number {
  const network = p.faultKinds.some((k) =>
    k === "partition" || k === "isolate" || k === "partition-one-way"
  );
  const server = p.faultKinds.some((k) => k === "crash" || k === "pause" || k === "clock-jump");
  return (network ? 1 : 0) + (server ? p.concurrentServerFaults : 0);
}

function trialRow(
  p: RaftKvParams,
  cluster: RaftCluster,
  clients: readonly RaftClient[],
  linearizability: LinearizabilityResult,
  failure: RaftTrialFailure | undefined,
  recoveryMs: number | null,
): RaftKvRow {
  let ok = 0, fail = 0, info = 0, lastMs = 0;
  const latencies: number[] = [];
  for (const client of clients) {
    for (const c of client.completions) {
      if (c.status === "info") info++;
      else {
        if (c.status === "ok") ok++;
        else fail++;
        latencies.push(c.completedMs - c.invokedMs);
        lastMs = Math.max(lastMs, c.completedMs);
      }
    }
  }
  const leaders = cluster.roleChanges.filter((change) => change.role === "leader");
  const maxTerm = cluster.roleChanges.reduce((max, change) => Math.max(max, change.term), 0);
  return {
    faultsPerSecond: p.faultsPerSecond,
    unsafe: p.unsafe,
    okOps: ok,
    failOps: fail,
    infoOps: info,
    throughputOpsPerSec: lastMs > 0 ? (ok + fail) / (lastMs / 1000) : 0,
    latencyP50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : null,
    latencyP99Ms: latencies.length > 0 ? quantile(latencies, 0.99) : null,
    linearizable: linearizability.valid,
    violation: failure === undefined
      ? null
      : failure.invariant === undefined
      ? failure.kind
      : `${failure.kind}: ${failure.invariant}`,
    elections: new Set(leaders.map((change) => change.term)).size,
    maxTerm,
    recoveryMs,
  };
}

/**
 * Fault profiles: parameter sets that stress different parts of Raft. A sweep over
 * several profiles gives seed `s` the profile at `s` modulo their number.
 *
 * - `mixed`: the `raft-kv` defaults: every kind of fault on random servers, now and then
 *   on the leader, over a lossy, duplicating, reordering network.
 * - `leader-hunt`: frequent partitions and crashes, nine in ten aimed at the leader:
 *   deposed leaders pile up entries no one commits while the majority moves on, and
 *   new leaders die soon after taking office.
 * - `crash-storm`: crashes of about 10 ms every 25 ms or so, two at a time, election
 *   timeouts of 50–55 ms (many split votes) and a tenth of the messages lost: servers die
 *   and come back in the middle of elections, having just voted.
 * - `figure-8`: the conditions of the paper's Figure 8: no no-op on election, one slow
 *   client (so new leaders often have no entry of their own term yet), and partitions
 *   and crashes aimed at leaders 25 times a second.
 * - `options`: three servers with pre-vote, reads through the log, no no-op on election,
 *   a slow disk and many duplicates.
 */
export const RAFT_FAULT_PROFILES: Readonly<Record<string, RaftKvParamsInput>> = {
  mixed: {},
  "leader-hunt": {
    thinkMs: 50,
    faultsPerSecond: 15,
    meanFaultDurationMs: 150,
    leaderTargetProbability: 0.9,
    faultKinds: ["partition", "crash"],
  },
  "crash-storm": {
    faultsPerSecond: 40,
    meanFaultDurationMs: 10,
    faultKinds: ["crash"],
    lossProbability: 0.1,
    electionTimeoutMaxMs: 55,
  },
  "figure-8": {
    appendNoopOnElection: false,
    clients: 1,
    thinkMs: 100,
    operationsPerClient: 30,
    faultsPerSecond: 25,
    meanFaultDurationMs: 100,
    leaderTargetProbability: 0.8,
    faultKinds: ["partition", "isolate", "crash"],
  },
  options: {
    servers: 3,
    preVote: true,
    reads: "log",
    appendNoopOnElection: false,
    faultsPerSecond: 8,
    duplicateProbability: 0.1,
    diskWriteMs: 2,
  },
};

/** Options of {@link raftFaultSweep}. */
export interface RaftSweepOptions {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /**
   * Parameter sets to cycle through: seed `s` runs `profiles[s % profiles.length]`, with
   * `params` on top. Default: one, the `raft-kv` defaults.
   */
  readonly profiles?: readonly RaftKvParamsInput[];
  /** The trial's parameters (on top of the profile). Default none. */
  readonly params?: RaftKvParamsInput;
  /** Replaces the servers' §5.4.1 vote comparison. */
  readonly upToDate?: UpToDateRule;
  /** Replaces the leaders' commit rule. */
  readonly commitRule?: CommitRule;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
  /** Called after each trial (progress, collecting rows). */
  readonly onTrial?: (result: RaftTrialResult) => void;
}

/** What a sweep found. */
export interface RaftSweepResult {
  /** Trials run. */
  readonly trials: number;
  /** Every failure, in seed order (at most one with `stopAtFirstFailure`). */
  readonly failures: readonly RaftTrialFailure[];
  /** Trials whose linearizability check ran out of budget (neither proven nor refuted). */
  readonly unknown: number;
  /** One row per trial. */
  readonly rows: readonly (RaftKvRow & { readonly seed: number })[];
}

/**
 * Runs {@link runRaftTrial} over many seeds. A failure names its seed and the line that
 * replays it; `stopAtFirstFailure` (the default) ends the sweep there.
 *
 * @example
 * ```ts
 * const result = raftFaultSweep({ seeds: 1000 });
 * result.failures.length; // 0
 * const broken = raftFaultSweep({ seeds: 1000, params: { unsafe: "voteWithoutLogCheck" } });
 * console.log(broken.failures[0]?.replay); // deno task exp run raft-kv --seed ... --param unsafe=voteWithoutLogCheck
 * ```
 */
export function raftFaultSweep(options: RaftSweepOptions = {}): RaftSweepResult {
  const seeds = typeof options.seeds === "object"
    ? [...options.seeds]
    : Array.from({ length: options.seeds ?? 100 }, (_, i) => (options.firstSeed ?? 1) + i);
  const profiles = (options.profiles ?? [{}]).map((profile) =>
    parseConfig(RaftKvParamsSchema, { ...profile, ...options.params }, "params")
  );
  if (profiles.length === 0) {
    throw new RangeError("Cannot run a Raft sweep: profiles must hold at least one parameter set");
  }
  const stop = options.stopAtFirstFailure ?? true;
  const failures: RaftTrialFailure[] = [];
  const rows: (RaftKvRow & { readonly seed: number })[] = [];
  let unknown = 0;
  for (const seed of seeds) {
    const params = profiles[seed % profiles.length]!;
    const result = runRaftTrial(params, seed, {
      ...(options.upToDate === undefined ? {} : { upToDate: options.upToDate }),
      ...(options.commitRule === undefined ? {} : { commitRule: options.commitRule }),
    });
    rows.push({ seed, ...result.row });
    if (result.linearizability.valid === "unknown") unknown++;
    options.onTrial?.(result);
    if (result.failure !== undefined) {
      failures.push(result.failure);
      if (stop) break;
    }
  }
  return { trials: rows.length, failures, unknown, rows };
}

/** A failure in a few lines: kind, seed, time, the message's first line and the replay. */
export function describeTrialFailure(failure: RaftTrialFailure): string {
  const what = failure.invariant === undefined
    ? failure.kind
    : `${failure.kind} (${failure.invariant})`;
  const at = failure.timeMs === undefined ? "" : ` at ${failure.timeMs.toFixed(3)} ms`;
  const first = failure.message.split("\n")[0];
  return `${what}, seed ${failure.seed}${at}: ${first}\n  replay: ${failure.replay}`;
}
