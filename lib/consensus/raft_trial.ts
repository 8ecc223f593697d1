/**
 * Raft under random faults: one trial runs the key-value store with clients while a
 * nemesis partitions (both ways and one way), crashes and restarts, pauses and resumes
 * servers and jumps their clocks, over a network that loses, duplicates and reorders
 * messages. The safety invariants are checked after every event; at the end, the
 * servers' logs are compared directly, the clients' history is checked for
 * linearizability, and liveness is required: once the last fault has healed, a client
 * command must commit within a bound.
 *
 * The trial is a plug-in of the shared harness (lib/testing): Raft supplies its cluster,
 * its four safety properties as named invariants, a nemesis that hunts the leader, the
 * liveness probe and its row; the harness runs it and reports failures.
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
  withDefaults,
} from "../config/mod.ts";
import type { LinearizabilityResult } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { networkParams } from "../sim/network_params.ts";
import type { Fault } from "../sim/faults.ts";
import {
  defineTrial,
  describeFailure,
  faultSweep,
  type Invariant,
  invariant,
  linearizability,
  runTrial,
  type Trial,
  type TrialFailure,
  type TrialOutcome,
  type TrialResult,
} from "../testing/mod.ts";
import { quantile } from "../viz/stats.ts";
import { RAFT_INVARIANTS, raftStateProblems } from "./invariants.ts";
import {
  type CommitRule,
  RAFT_UNSAFE_VARIANTS,
  type RaftObserver,
  type UpToDateRule,
} from "./raft.ts";
import { electionTimeoutsOrdered, RaftOptionsFields } from "./raft_options.ts";
import { RaftClient, type RaftClientTimer } from "./raft_client.ts";
import { RaftCluster } from "./raft_cluster.ts";
import { huntTheLeader } from "./raft_nemesis.ts";
import { clientTrialParams, committedWriteLiveness } from "./probe_liveness.ts";

/**
 * The Raft defaults of fault trials, faster than the paper's 150–300 ms timeouts and 50 ms
 * heartbeats (the options' defaults): a nemesis fault lasts about 150 ms, and a trial
 * wants several elections per fault, not one per several faults.
 */
export const FAULT_TRIAL_RAFT_DEFAULTS = {
  electionTimeoutMinMs: 50,
  electionTimeoutMaxMs: 100,
  heartbeatIntervalMs: 15,
} as const;

/** The Raft knobs of a fault trial: the options' fields, with the fault-trial defaults. */
const raft = withDefaults(RaftOptionsFields.shape, FAULT_TRIAL_RAFT_DEFAULTS);

/** Zod schema of the parameters of a Raft fault trial (and of the `raft-kv` experiment). */
export const RaftKvParamsSchema = electionTimeoutsOrdered(z.strictObject({
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
  ...networkParams({
    latency: { kind: "uniform", minMs: 1, maxMs: 10 },
    lossProbability: 0.02,
    duplicateProbability: 0.02,
  }),
  electionTimeoutMinMs: raft.electionTimeoutMinMs,
  electionTimeoutMaxMs: raft.electionTimeoutMaxMs,
  heartbeatIntervalMs: raft.heartbeatIntervalMs,
  diskWriteMs: raft.diskWriteMs,
  maxEntriesPerMessage: raft.maxEntriesPerMessage,
  preVote: raft.preVote,
  reads: raft.reads,
  appendNoopOnElection: raft.appendNoopOnElection,
  unsafe: z.enum(["none", ...RAFT_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant to run (none: correct Raft)"),
  ...clientTrialParams(),
}));

/** Parameters of a Raft fault trial, with defaults applied. */
export type RaftKvParams = z.output<typeof RaftKvParamsSchema>;

/** What a user may write for {@link RaftKvParams}: every field is optional. */
export type RaftKvParamsInput = z.input<typeof RaftKvParamsSchema>;

/** The default parameters. */
export const RAFT_KV_DEFAULTS: RaftKvParams = parseConfig(RaftKvParamsSchema, {}, "params");

/**
 * How a Raft trial failed: the harness's failure report (seed, virtual time, kind, the
 * name of what broke, the last records and the replay line).
 */
export type RaftTrialFailure = TrialFailure;

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

/** The name of the direct comparison of the servers' logs at the end of a trial. */
export const RAFT_FINAL_STATE = "logs agree at the end";

/**
 * Raft's four safety properties (§5.4) as named invariants of a cluster, checked after
 * every event: each reads the first violation the cluster's {@link RaftInvariants}
 * checker saw of that property.
 */
export const RAFT_TRIAL_INVARIANTS: readonly Invariant<RaftCluster>[] = RAFT_INVARIANTS.map(
  (name) =>
    invariant(name, (cluster: RaftCluster) => cluster.invariants.firstViolation(name)?.message),
);

/**
 * The Raft fault trial as the harness runs it: a cluster with clients (the workload), a
 * nemesis that hunts the leader, the four safety properties after every event, a probe
 * client whose write must commit once the faults have healed, the direct comparison of
 * the logs at the end, and linearizability of the history (a register per key).
 *
 * @example
 * ```ts
 * import { runTrial } from "../testing/mod.ts";
 * import { raftKvTrial } from "./raft_trial.ts";
 *
 * const result = runTrial(raftKvTrial(), { unsafe: "localReads" }, 7);
 * result.failure?.kind; // "history" for many seeds
 * ```
 */
export function raftKvTrial(
  options: Omit<RaftTrialOptions, "record" | "replay"> = {},
): Trial<typeof RaftKvParamsSchema, RaftCluster, RaftKvRow> {
  return defineTrial({
    name: "raft-kv",
    params: RaftKvParamsSchema,
    build: ({ params: p, seed, record, replay }) => {
      const servers = Array.from({ length: p.servers }, (_, i) => `n${i + 1}`);
      const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
      const unsafe = p.unsafe === "none" ? {} : { [p.unsafe]: true };
      return new RaftCluster({
        seed,
        servers,
        clients: p.clients,
        record,
        replay,
        // The harness checks them, by name.
        checkInvariants: false,
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
          maxEntriesPerMessage: p.maxEntriesPerMessage,
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
    },
    nemesis: (cluster, { params: p }) =>
      p.faultsPerSecond > 0 && cluster.servers.length >= 2
        ? {
          nodes: cluster.servers,
          endMs: p.faultsUntilMs,
          faultsPerSecond: p.faultsPerSecond,
          nodeProcesses: p.concurrentServerFaults,
          meanDurationMs: p.meanFaultDurationMs,
          kinds: p.faultKinds,
          aim: huntTheLeader(cluster, p.leaderTargetProbability),
        }
        : undefined,
    invariants: RAFT_TRIAL_INVARIANTS,
    liveness: committedWriteLiveness<RaftCluster, RaftKvParams>((cluster, id, options) =>
      cluster.simulation.addNode<RaftClientTimer>(id, (ctx) => new RaftClient(ctx, options))
    ),
    finalChecks: [
      invariant(RAFT_FINAL_STATE, (cluster: RaftCluster) => {
        const problems = raftStateProblems(cluster.liveServers());
        return problems.length === 0 ? undefined : problems.join("\n");
      }),
    ],
    history: linearizability("kv"),
    untilMs: (p) => p.faultsUntilMs,
    row: trialRow,
  });
}

const DEFAULT_TRIAL = raftKvTrial();

/**
 * Runs one trial: the servers and clients of `params`, a nemesis drawn from `seed`, and
 * every check. Never throws for a protocol failure: it is returned in `failure` (a bad
 * parameter throws a ConfigError naming it).
 *
 * @example
 * ```ts
 * import { runRaftTrial } from "./raft_trial.ts";
 *
 * const trial = runRaftTrial({ unsafe: "localReads" }, 7);
 * trial.failure?.kind; // "history" for many seeds
 * ```
 */
export function runRaftTrial(
  params: RaftKvParamsInput,
  seed: number,
  options: RaftTrialOptions = {},
): RaftTrialResult {
  const { record, replay, ...plugins } = options;
  const trial = Object.keys(plugins).length === 0 ? DEFAULT_TRIAL : raftKvTrial(plugins);
  return raftResult(runTrial(trial, params, seed, {
    ...(record === undefined ? {} : { record }),
    ...(replay === undefined ? {} : { replay }),
  }));
}

function raftResult(result: TrialResult<RaftCluster, RaftKvParams, RaftKvRow>): RaftTrialResult {
  return {
    seed: result.seed,
    params: result.params,
    faults: result.faults,
    cluster: result.system,
    history: result.system.history,
    linearizability: result.history!.linearizability!,
    failure: result.failure,
    row: result.row,
  };
}

function trialRow(
  { params: p, system: cluster, failure, recoveryMs, history }: TrialOutcome<
    RaftCluster,
    RaftKvParams
  >,
): RaftKvRow {
  const clients = cluster.clients.map((id) => cluster.client(id));
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
    linearizable: history?.valid ?? true,
    violation: violation(failure),
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
 * - `small-batches`: `leader-hunt` with one entry per AppendEntries, so a follower that
 *   fell behind catches up in many steps, each ending before the leader's commit index:
 *   the only way to exercise the follower's rule commitIndex = min(leaderCommit, last
 *   new entry).
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
  "small-batches": {
    maxEntriesPerMessage: 1,
    thinkMs: 50,
    faultsPerSecond: 15,
    meanFaultDurationMs: 150,
    leaderTargetProbability: 0.9,
    faultKinds: ["partition", "crash"],
  },
};

/**
 * The row's name for a failure: `safety: <property>`, `final-state`, `liveness`,
 * `linearizability`, `node-exception` or `bound-exceeded`.
 */
function violation(failure: TrialFailure | undefined): string | null {
  if (failure === undefined) return null;
  switch (failure.kind) {
    case "safety":
      return failure.invariant === RAFT_FINAL_STATE
        ? "final-state"
        : `safety: ${failure.invariant}`;
    case "liveness":
      return "liveness";
    default:
      // The history checker's name ("linearizability") or the exception's kind.
      return failure.invariant;
  }
}

/** Options of {@link raftFaultSweep}. */
export interface RaftSweepOptions {
  /** How many seeds (from `firstSeed`), or the seeds themselves. Default 100. */
  readonly seeds?: number | readonly number[];
  /** The first seed when `seeds` is a count. Default 1. */
  readonly firstSeed?: number;
  /**
   * Parameter sets to cycle through: seed `s` runs `profiles[s % profiles.length]`, with
   * `params` on top (named profiles, as {@link RAFT_FAULT_PROFILES}, or a list). Default:
   * one, the `raft-kv` defaults.
   */
  readonly profiles?: Readonly<Record<string, RaftKvParamsInput>> | readonly RaftKvParamsInput[];
  /** The trial's parameters (on top of the profile). Default none. */
  readonly params?: RaftKvParamsInput;
  /** Replaces the servers' §5.4.1 vote comparison. */
  readonly upToDate?: UpToDateRule;
  /** Replaces the leaders' commit rule. */
  readonly commitRule?: CommitRule;
  /** Stop at the first failure. Default true. */
  readonly stopAtFirstFailure?: boolean;
  /** Called after each trial (progress, collecting rows), with the seed's profile name. */
  readonly onTrial?: (result: RaftTrialResult, profile: string) => void;
}

/** What a sweep found. */
export interface RaftSweepResult {
  /** Trials run. */
  readonly trials: number;
  /** Every failure, in seed order (at most one with `stopAtFirstFailure`). */
  readonly failures: readonly RaftTrialFailure[];
  /** Trials whose linearizability check ran out of budget (neither proven nor refuted). */
  readonly unknown: number;
  /** One row per trial, with its seed and profile name. */
  readonly rows: readonly (RaftKvRow & { readonly seed: number; readonly profile: string })[];
}

/**
 * Runs the Raft trial over many seeds (the harness's `faultSweep`). A failure names its
 * seed and the line that replays it; `stopAtFirstFailure` (the default) ends the sweep
 * there.
 *
 * @example
 * ```ts
 * import { raftFaultSweep } from "./raft_trial.ts";
 *
 * const result = raftFaultSweep({ seeds: 20 });
 * result.failures.length; // 0
 * const broken = raftFaultSweep({ seeds: 20, params: { unsafe: "voteWithoutLogCheck" } });
 * broken.failures[0]?.replay; // "deno task exp run raft-kv --seed ... --param unsafe=voteWithoutLogCheck"
 * ```
 */
export function raftFaultSweep(options: RaftSweepOptions = {}): RaftSweepResult {
  const plugins = {
    ...(options.upToDate === undefined ? {} : { upToDate: options.upToDate }),
    ...(options.commitRule === undefined ? {} : { commitRule: options.commitRule }),
  };
  const trial = Object.keys(plugins).length === 0 ? DEFAULT_TRIAL : raftKvTrial(plugins);
  const onTrial = options.onTrial;
  return faultSweep(trial, {
    ...(options.seeds === undefined ? {} : { seeds: options.seeds }),
    ...(options.firstSeed === undefined ? {} : { firstSeed: options.firstSeed }),
    ...(options.profiles === undefined ? {} : { profiles: options.profiles }),
    ...(options.params === undefined ? {} : { params: options.params }),
    stopAtFirstFailure: options.stopAtFirstFailure ?? true,
    ...(onTrial === undefined ? {} : {
      onTrial: (result, profile) => onTrial(raftResult(result), profile),
    }),
  });
}

/** A failed Raft trial in a few lines: the harness's `describeFailure`. */
export function describeTrialFailure(failure: RaftTrialFailure): string {
  return describeFailure(failure);
}
