/**
 * The `raft-failover` experiment: how long a Raft cluster takes to detect and replace a
 * crashed leader, in the setup of Figure 16 of the Raft paper (Ongaro and Ousterhout,
 * USENIX ATC 2014, §9.3).
 *
 * The setup, as the paper describes it: five servers; a broadcast time of roughly 15 ms;
 * servers with logs of different lengths, so some candidates cannot win; the leader sends
 * a synchronized round of heartbeats just before it crashes (which approximates a leader
 * replicating a new entry before crashing, and lines the followers' timers up, inviting
 * split votes); the crash falls uniformly at random within the heartbeat interval, which
 * is half the minimum election timeout.
 *
 * The broadcast time (send to every server and hear back) is two network delays plus the
 * durable write the answer waits for: by default 2–4 ms each way and 8–10 ms of disk,
 * 12–18 ms in all, about 15 ms on average.
 *
 * Here the leader of term 1 is a stand-in that sends exactly the heartbeats a Raft leader
 * sends (AppendEntries with no entries, matching each follower's log), so the followers
 * keep their different log lengths until it crashes. The followers are ordinary
 * {@link RaftNode}s. Downtime is measured from the crash to the first moment a server
 * becomes leader of a later term (not the moment a majority learns of it: that is one
 * heartbeat later).
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, withDefaults } from "../config/mod.ts";
import {
  noopEntry,
  parseRaftOptions,
  type RaftMessage,
  RaftNode,
  type RaftObserver,
  writeRaftState,
} from "../consensus/raft.ts";
import { electionTimeoutsOrdered, RaftOptionsFields } from "../consensus/raft_options.ts";
import { networkParams } from "../sim/network_params.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  defineTrial,
  runTrial,
  type Trial,
  TrialFailedError,
  type TrialOutcome,
} from "../testing/mod.ts";
import { defineExperiment } from "./experiment.ts";
import type { ProgressSink } from "./progress.ts";
import { sweep, type SweepRow } from "./sweep.ts";
import { quantile } from "../viz/stats.ts";

/**
 * The disk of the paper's Figure 16 measurements, 8–10 ms per durable write (the options
 * default to an instant disk): with 2–4 ms one-way latency it makes the paper's broadcast
 * time of about 15 ms.
 */
export const FIGURE_16_DISK = { diskWriteMs: 8, diskWriteJitterMs: 2 } as const;

const raft = withDefaults(RaftOptionsFields.shape, FIGURE_16_DISK);

/** Zod schema of the `raft-failover` parameters. */
export const RaftFailoverParamsSchema = electionTimeoutsOrdered(z.strictObject({
  electionTimeoutMinMs: raft.electionTimeoutMinMs,
  electionTimeoutMaxMs: raft.electionTimeoutMaxMs,
  latency: networkParams({ latency: { kind: "uniform", minMs: 2, maxMs: 4 } }).latency,
  diskWriteMs: raft.diskWriteMs,
  diskWriteJitterMs: raft.diskWriteJitterMs,
  servers: integerAtLeast(3).default(5).describe("Servers, the crashing leader included"),
  heartbeatsBeforeCrash: integerAtLeast(1).default(3)
    .describe("Rounds of heartbeats the leader sends before it crashes"),
  maxDowntimeMs: positiveMs().default(10_000)
    .describe("Give up waiting for a new leader after this long, in ms"),
}));

/** Parameters of `raft-failover`, with defaults applied. */
export type RaftFailoverParams = z.output<typeof RaftFailoverParamsSchema>;

/** One trial of `raft-failover`. */
export type RaftFailoverRow = {
  /** The election timeout range, as the paper labels it ("150–300"). */
  readonly range: string;
  /** Shortest election timeout, in ms. */
  readonly electionTimeoutMinMs: number;
  /** Longest election timeout, in ms. */
  readonly electionTimeoutMaxMs: number;
  /** From the crash to the first server leading a later term, in ms; null if none did in time. */
  readonly downtimeMs: number | null;
  /** Whether a new leader was elected within `maxDowntimeMs`. */
  readonly converged: boolean;
  /** Terms used: 1 when the first election after the crash succeeded. */
  readonly terms: number;
  /** Elections started (candidacies) after the crash. */
  readonly candidacies: number;
  /** Terms with two or more candidates and no leader: split votes. */
  readonly splitVotes: number;
  /** The new leader, or null. */
  readonly newLeader: string | null;
  /** When the leader crashed after its last round of heartbeats, in ms. */
  readonly crashOffsetMs: number;
};

/** A finished `raft-failover` trial. */
export interface RaftFailoverRun {
  /** The simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<RaftMessage>;
  /** When the leader crashed, in ms. */
  readonly crashAtMs: number;
  /** The experiment's row. */
  readonly row: RaftFailoverRow;
}

/** The paper's numbers for Figure 16 (§9.3), to set beside a reproduction. */
export const RAFT_PAPER_FIGURE_16 = {
  /** With no randomness (150–150 ms), leader election "consistently took longer than 10 seconds" (100 trials). */
  noRandomnessAtLeastMs: 10_000,
  /** With 5 ms of randomness (150–155 ms): median downtime. */
  median150to155Ms: 287,
  /** With 50 ms of randomness (150–200 ms): the worst of 1,000 trials. */
  worst150to200Ms: 513,
  /** With 12–24 ms timeouts: mean downtime. */
  mean12to24Ms: 35,
  /** With 12–24 ms timeouts: the longest trial. */
  worst12to24Ms: 152,
  /** The conservative timeout the paper recommends, in ms. */
  recommendedMs: [150, 300] as const,
} as const;

/** The timeout ranges of Figure 16's two graphs, in ms: [min, max]. */
export const FIGURE_16_RANGES: {
  readonly top: readonly (readonly [number, number])[];
  readonly bottom: readonly (readonly [number, number])[];
} = {
  top: [[150, 150], [150, 151], [150, 155], [150, 175], [150, 200], [150, 300]],
  bottom: [[12, 24], [25, 50], [50, 100], [100, 200], [150, 300]],
};

/** The leader that crashes: it sends synchronized rounds of heartbeats, then is crashed. */
class HeartbeatingLeader implements Node<RaftMessage, "heartbeat"> {
  readonly #ctx: NodeContext<RaftMessage, "heartbeat">;
  readonly #logLengths: ReadonlyMap<NodeId, number>;
  readonly #intervalMs: number;
  #round = 0;

  constructor(
    ctx: NodeContext<RaftMessage, "heartbeat">,
    logLengths: ReadonlyMap<NodeId, number>,
    intervalMs: number,
  ) {
    this.#ctx = ctx;
    this.#logLengths = logLengths;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.onTimer();
  }

  onMessage(): void {}

  onTimer(): void {
    const round = this.#round++;
    for (const [peer, length] of this.#logLengths) {
      this.#ctx.send(peer, {
        type: "AppendEntries",
        term: 1,
        leader: this.#ctx.id,
        prevLogIndex: length,
        prevLogTerm: length > 0 ? 1 : 0,
        entries: [],
        leaderCommit: 1,
        round,
      });
    }
    this.#ctx.setTimer(this.#intervalMs, "heartbeat");
  }
}

/** What one `raft-failover` trial builds and watches. */
export interface RaftFailoverSystem {
  /** The simulation (its trace is empty unless the trial records). */
  readonly simulation: Simulation<RaftMessage>;
  /** When the leader crashes, in ms. */
  readonly crashAtMs: number;
  /** When the leader crashes after its last round of heartbeats, in ms. */
  readonly crashOffsetMs: number;
  /** When a server first became leader of a later term, in ms (undefined: not yet). */
  readonly electedAt: number | undefined;
  /** That server. */
  readonly newLeader: NodeId | null;
  /** Its term. */
  readonly newTerm: number;
  /** Candidates per term since the crash. */
  readonly candidatesByTerm: ReadonlyMap<number, number>;
  /** Elections started since the crash. */
  readonly candidacies: number;
}

function buildFailover(
  params: RaftFailoverParams,
  seed: number,
  record: boolean,
  replay: string,
): RaftFailoverSystem {
  const servers = Array.from({ length: params.servers }, (_, i) => `n${i + 1}`);
  const [leader, ...followers] = servers as [NodeId, ...NodeId[]];
  const heartbeatMs = params.electionTimeoutMinMs / 2;
  const simulation = new Simulation<RaftMessage>({
    seed,
    record,
    network: { latency: params.latency },
    replay,
  });
  const lastRoundMs = (params.heartbeatsBeforeCrash - 1) * heartbeatMs;
  const crashOffsetMs = simulation.random.child("crash").uniform(0, heartbeatMs);
  const crashAtMs = lastRoundMs + crashOffsetMs;
  const candidatesByTerm = new Map<number, number>();
  const system = {
    simulation,
    crashAtMs,
    crashOffsetMs,
    electedAt: undefined as number | undefined,
    newLeader: null as NodeId | null,
    newTerm: 1,
    candidatesByTerm,
    candidacies: 0,
  };
  const observer: RaftObserver = (event) => {
    if (event.kind !== "role" || simulation.now < crashAtMs) return;
    if (event.role === "candidate") {
      system.candidacies++;
      candidatesByTerm.set(event.term, (candidatesByTerm.get(event.term) ?? 0) + 1);
    } else if (event.role === "leader" && event.term > 1 && system.electedAt === undefined) {
      system.electedAt = simulation.now;
      system.newLeader = event.node.id;
      system.newTerm = event.term;
    }
  };
  const raftOptions = parseRaftOptions({
    servers,
    electionTimeoutMinMs: params.electionTimeoutMinMs,
    electionTimeoutMaxMs: params.electionTimeoutMaxMs,
    heartbeatIntervalMs: heartbeatMs,
    diskWriteMs: params.diskWriteMs,
    diskWriteJitterMs: params.diskWriteJitterMs,
    observer,
  });
  const logLengths = new Map(followers.map((id, i) => [id, followers.length - i]));
  simulation.addNode<"heartbeat">(
    leader,
    (ctx) => new HeartbeatingLeader(ctx, logLengths, heartbeatMs),
  );
  simulation.addNodes(followers, (ctx) => new RaftNode(ctx, raftOptions));
  for (const [id, length] of logLengths) {
    writeRaftState(simulation.storage(id), {
      currentTerm: 1,
      votedFor: leader,
      log: Array.from({ length }, () => noopEntry(1)),
    });
  }
  simulation.schedule([{ atMs: crashAtMs, kind: "crash", node: leader }]);
  return system;
}

function failoverRow(
  { params, system }: TrialOutcome<RaftFailoverSystem, RaftFailoverParams>,
): RaftFailoverRow {
  const { electedAt, newTerm, candidatesByTerm } = system;
  let splitVotes = 0;
  for (const [term, count] of candidatesByTerm) {
    if (count >= 2 && (electedAt === undefined || term < newTerm)) splitVotes++;
  }
  const lastTerm = electedAt !== undefined ? newTerm : Math.max(1, ...candidatesByTerm.keys());
  return {
    range: `${params.electionTimeoutMinMs}–${params.electionTimeoutMaxMs}`,
    electionTimeoutMinMs: params.electionTimeoutMinMs,
    electionTimeoutMaxMs: params.electionTimeoutMaxMs,
    downtimeMs: electedAt === undefined ? null : electedAt - system.crashAtMs,
    converged: electedAt !== undefined,
    terms: lastTerm - 1,
    candidacies: system.candidacies,
    splitVotes,
    newLeader: system.newLeader,
    crashOffsetMs: system.crashOffsetMs,
  };
}

/**
 * One `raft-failover` trial as the harness runs it: the cluster of the paper's setup,
 * the leader's crash, and a liveness condition, a new leader within `maxDowntimeMs` of
 * the crash. A trial that elects none in time is a row (`converged: false`), not an
 * error: without randomness that is the expected outcome.
 */
export const raftFailoverTrial: Trial<
  typeof RaftFailoverParamsSchema,
  RaftFailoverSystem,
  RaftFailoverRow
> = defineTrial({
  name: "raft-failover",
  params: RaftFailoverParamsSchema,
  build: ({ params, seed, record, replay }) => buildFailover(params, seed, record, replay),
  liveness: {
    name: "a new leader",
    // From time 0: the bound is the crash plus the longest downtime waited for.
    withinMs: (params, system) => system.crashAtMs + params.maxDowntimeMs,
    holds: (system) => system.electedAt !== undefined,
  },
  history: false,
  row: failoverRow,
});

/**
 * Runs one `raft-failover` trial: server n1 leads term 1 and sends
 * `heartbeatsBeforeCrash` synchronized rounds of heartbeats, every half minimum election
 * timeout, then crashes uniformly at random within the next interval; the others, whose
 * logs hold n−1, n−2, ..., 1 entries, elect a new leader. Pass `record: true` to keep
 * the trace and draw the election. Throws a TrialFailedError if the run fails other
 * than by electing no leader in time.
 *
 * @example
 * ```ts
 * import { raftFailover, simulateRaftFailover } from "./raft_failover.ts";
 *
 * const run = simulateRaftFailover(raftFailover.parseParams({ electionTimeoutMaxMs: 155 }), 3);
 * run.row.downtimeMs;
 * ```
 */
export function simulateRaftFailover(
  params: RaftFailoverParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): RaftFailoverRun {
  // No excerpt re-run: a trial that elects no leader in time is an expected outcome.
  const result = runTrial(raftFailoverTrial, params, seed, {
    record: options.record ?? false,
    excerpt: false,
  });
  if (result.failure !== undefined && result.failure.kind !== "liveness") {
    throw new TrialFailedError(result.failure);
  }
  return {
    simulation: result.system.simulation,
    crashAtMs: result.system.crashAtMs,
    row: result.row,
  };
}

/**
 * `raft-failover`: the time to detect and replace a crashed leader (Figure 16 of the Raft
 * paper). One row per trial with `downtimeMs`; sweep `electionTimeoutMinMs` and
 * `electionTimeoutMaxMs` over {@link FIGURE_16_RANGES} and plot the CDF per range.
 *
 * @example
 * ```ts
 * import { cdf } from "../viz/charts.ts";
 * import { sweep } from "./sweep.ts";
 *
 * const rows = sweep(raftFailover, { grid: { electionTimeoutMaxMs: [150, 155, 300] }, seeds: 200 });
 * cdf(rows.filter((r) => r.converged), { x: "downtimeMs", stroke: "range" });
 * ```
 */
export const raftFailover = defineExperiment({
  name: "raft-failover",
  title: "Time to detect and replace a crashed Raft leader (Figure 16)",
  description: "Five servers with logs of different lengths; the leader sends a synchronized " +
    "round of heartbeats, then crashes uniformly within the heartbeat interval (half the " +
    "minimum election timeout). One row per trial: the downtime until a new leader is " +
    "elected, the terms and candidacies it took, and the split votes on the way.",
  chapter: "04_consensus_raft",
  params: RaftFailoverParamsSchema,
  trial: (params, seed) => [simulateRaftFailover(params, seed).row],
});

/** Options of {@link figure16Rows}. */
export interface Figure16Options {
  /** Trials per range. Default 1,000, as in the paper. */
  readonly trials?: number;
  /** Trials for a range without randomness (min = max), whose runs go to the bound. Default 100, as in the paper. */
  readonly noRandomnessTrials?: number;
  /** The first seed. Default 1. */
  readonly seed?: number;
  /** Other parameters shared by every range (latency, disk, servers, ...). */
  readonly params?: Partial<
    Omit<RaftFailoverParams, "electionTimeoutMinMs" | "electionTimeoutMaxMs">
  >;
  /** Where to report progress; see `sweep`. */
  readonly progress?: ProgressSink | boolean;
}

/**
 * The rows of one graph of Figure 16: `raft-failover` over each of its timeout ranges
 * (`top`: 150–150 to 150–300 ms; `bottom`: 12–24 to 150–300 ms), one row per trial.
 *
 * @example
 * ```ts
 * import { cdf } from "../viz/charts.ts";
 *
 * const rows = figure16Rows("top");
 * cdf(rows.filter((r) => r.converged), { x: "downtimeMs", stroke: "range" });
 * ```
 */
export function figure16Rows(
  graph: "top" | "bottom",
  options: Figure16Options = {},
): SweepRow<RaftFailoverRow>[] {
  const rows: SweepRow<RaftFailoverRow>[] = [];
  for (const [min, max] of FIGURE_16_RANGES[graph]) {
    const trials = min === max ? options.noRandomnessTrials ?? 100 : options.trials ?? 1000;
    rows.push(...sweep(raftFailover, {
      params: { ...options.params, electionTimeoutMinMs: min, electionTimeoutMaxMs: max },
      seeds: trials,
      seed: options.seed ?? 1,
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    }));
  }
  return rows;
}

/** One range of Figure 16 in numbers. */
export type FailoverSummaryRow = {
  /** The election timeout range ("150–300"). */
  readonly range: string;
  /** Trials run. */
  readonly trials: number;
  /** Trials that elected a new leader within the bound. */
  readonly converged: number;
  /** Median downtime of those, in ms (null: none converged). */
  readonly medianMs: number | null;
  /** Mean downtime of those, in ms. */
  readonly meanMs: number | null;
  /** 99th percentile downtime of those, in ms. */
  readonly p99Ms: number | null;
  /** Longest downtime of those, in ms. */
  readonly maxMs: number | null;
  /** Split votes per trial, on average. */
  readonly meanSplitVotes: number;
};

/**
 * Figure 16 in numbers: per range, how many trials elected a leader in time, and the
 * median, mean, 99th percentile and worst downtime among them, to set beside
 * {@link RAFT_PAPER_FIGURE_16}.
 *
 * @example
 * ```ts
 * import { table } from "../course/table.ts";
 *
 * table(summarizeFailover(figure16Rows("bottom")));
 * ```
 */
export function summarizeFailover(rows: readonly RaftFailoverRow[]): FailoverSummaryRow[] {
  const groups = new Map<string, RaftFailoverRow[]>();
  for (const row of rows) {
    let group = groups.get(row.range);
    if (group === undefined) groups.set(row.range, group = []);
    group.push(row);
  }
  return [...groups].map(([range, group]) => {
    const downtimes = group.filter((row) => row.converged).map((row) => row.downtimeMs!);
    const some = downtimes.length > 0;
    return {
      range,
      trials: group.length,
      converged: downtimes.length,
      medianMs: some ? quantile(downtimes, 0.5) : null,
      meanMs: some ? downtimes.reduce((a, b) => a + b, 0) / downtimes.length : null,
      p99Ms: some ? quantile(downtimes, 0.99) : null,
      maxMs: some ? Math.max(...downtimes) : null,
      meanSplitVotes: group.reduce((sum, row) => sum + row.splitVotes, 0) / group.length,
    };
  });
}
