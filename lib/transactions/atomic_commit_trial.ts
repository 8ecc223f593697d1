/**
 * Atomic commit as a trial: a coordinator runs transactions one after another over three
 * participants, with two-phase commit, three-phase commit, or two-phase commit over Raft
 * groups, while a nemesis crashes and restarts nodes (and, with `faults: "partitions"`,
 * cuts the network too). Three invariants are checked after every event: atomicity (no
 * participant commits a transaction another aborts), no commit before every participant
 * prepared, and no decision that changes. After the faults heal, every prepared
 * participant must learn its outcome.
 *
 * The `atomic-commit` experiment is this trial, one row per seed: whether the run stayed
 * atomic, and `blockedMs`, the longest a live participant stayed prepared, waiting for an
 * outcome (the time it was itself crashed does not count: that is not blocking).
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import type { Fault, NemesisFaultKind } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, type Trial } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { CommitLedger, type PreparedWait } from "./commit_ledger.ts";
import { CommitGroupMember, COORDINATOR_GROUP } from "./commit_over_raft.ts";
import { ThreePhaseCoordinator, ThreePhaseParticipant } from "./three_phase_commit.ts";
import {
  abortAfter,
  askTheCoordinator,
  type RecoveryRule,
  TwoPhaseCoordinator,
  TwoPhaseParticipant,
} from "./two_phase_commit.ts";

/** The protocols the trial runs. */
export const ATOMIC_COMMIT_PROTOCOLS = ["2pc", "3pc", "2pc-raft"] as const;

/** One of {@link ATOMIC_COMMIT_PROTOCOLS}. */
export type AtomicCommitProtocol = typeof ATOMIC_COMMIT_PROTOCOLS[number];

/** Zod schema of the `atomic-commit` parameters. */
export const AtomicCommitParamsSchema = z.strictObject({
  protocol: z.enum(ATOMIC_COMMIT_PROTOCOLS).default("2pc")
    .describe("2pc, 3pc, or 2pc-raft (coordinator and participants are Raft groups)"),
  faults: z.enum(["none", "crashes", "partitions"]).default("crashes")
    .describe(
      "none; crashes (crash and restart, one node at a time); partitions (crashes plus partitions)",
    ),
  participants: integerAtLeast(2).default(3).describe("Participants in every transaction"),
  abortProbability: probability().default(0.1)
    .describe("Chance a participant votes no on a transaction"),
  runMs: positiveMs().default(3000)
    .describe("Transactions begin and faults strike until this time, in ms"),
  faultsPerSecond: z.number().min(0).default(2)
    .describe("Mean rate of faults, per timeline, per second"),
  meanFaultDurationMs: positiveMs().default(400)
    .describe("Mean length of a crash or a partition, in ms"),
  maxLatencyMs: positiveMs().min(1).default(5)
    .describe("Message delays are uniform between 1 ms and this, in ms"),
  timeoutMs: positiveMs().default(20)
    .describe(
      "How long a coordinator waits for votes (and 3PC for acknowledgements), in ms; over Raft groups at least 60",
    ),
  gapMs: nonNegativeMs().default(5).describe("Quiet time between transactions, in ms"),
  groupSize: integerAtLeast(1).default(3).describe("Servers per Raft group (2pc-raft)"),
  unsafeAbortAfterMs: nonNegativeMs().default(0)
    .describe("Broken 2PC variant: a prepared participant aborts alone after this wait (0: off)"),
  unsafeSendBeforeLog: z.boolean().default(false)
    .describe("Broken 2PC variant: the coordinator sends its decision before logging it"),
  unsafePresumeAbort: z.boolean().default(false)
    .describe("Broken 2pc-raft variant: the coordinator's leader answers abort before deciding"),
}).refine((p) => p.timeoutMs > 2 * p.maxLatencyMs, {
  error: "must exceed twice maxLatencyMs: the timeouts assume a round trip fits in them",
  path: ["timeoutMs"],
});

/** The `atomic-commit` parameters, with defaults applied. */
export type AtomicCommitParams = z.output<typeof AtomicCommitParamsSchema>;

/** What one atomic-commit trial builds. */
export interface AtomicCommitSystem {
  /** The simulation. */
  // deno-lint-ignore no-explicit-any
  readonly simulation: Simulation<any>;
  /** The ledger every node reports to. */
  readonly ledger: CommitLedger;
  /** Every node faults may hit. */
  readonly nodes: readonly NodeId[];
  /** The coordinator's node (or the coordinator group's servers). */
  readonly coordinators: readonly NodeId[];
  /** The participants' names (node ids for 2pc and 3pc, group names for 2pc-raft). */
  readonly participants: readonly string[];
}

/** One row of the `atomic-commit` experiment. */
export type AtomicCommitRow = {
  /** The protocol. */
  readonly protocol: AtomicCommitProtocol;
  /** The fault profile. */
  readonly faults: string;
  /** No participant committed a transaction another aborted. */
  readonly atomic: boolean;
  /** The longest a live participant stayed prepared waiting for an outcome, in ms. */
  readonly blockedMs: number;
  /** Transactions begun. */
  readonly transactions: number;
  /** Transactions committed. */
  readonly committed: number;
  /** Crashes of the coordinator (of any coordinator server, for 2pc-raft). */
  readonly coordinatorCrashes: number;
  /** Prepared waits that were open while a coordinator (server) was crashed. */
  readonly waitsDuringCoordinatorCrash: number;
  /** Of those, how many ended only after that coordinator restarted (or never). */
  readonly waitsOutlastingCoordinatorCrash: number;
  /** The invariant or liveness condition that failed, or null. */
  readonly failure: string | null;
};

/** Options of {@link atomicCommitTrial}. */
export interface AtomicCommitTrialOptions {
  /**
   * The recovery rule of a 2PC participant (how an exercise plugs in the reader's).
   * Default: {@link askTheCoordinator}, or {@link abortAfter} with `unsafeAbortAfterMs`.
   */
  readonly recoveryRule?: RecoveryRule;
}

const COORDINATOR: NodeId = "coord";
/** How often a prepared 2PC participant applies its recovery rule, in ms. */
const RETRY_MS = 20;

/** Options of {@link buildAtomicCommit}. */
export interface BuildAtomicCommitOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** The line that replays the run. */
  readonly replay?: string;
  /** The 2PC participants' recovery rule. Default {@link askTheCoordinator}. */
  readonly recoveryRule?: RecoveryRule;
  /** The 2PC or 3PC coordinator begins no transaction numbered above this. Default: no limit. */
  readonly lastTxn?: number;
}

/** Builds the system of one trial: nodes, network and ledger. */
export function buildAtomicCommit(
  params: AtomicCommitParams,
  seed: number,
  options: BuildAtomicCommitOptions = {},
): AtomicCommitSystem {
  const simulation = new Simulation({
    seed,
    record: options.record ?? false,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: params.maxLatencyMs } },
    ...(options.replay === undefined ? {} : { replay: options.replay }),
  });
  const participants = Array.from({ length: params.participants }, (_, i) => `p${i + 1}`);
  const ledger = new CommitLedger(participants, () => simulation.now);
  const report = ledger.report;
  if (params.protocol === "2pc") {
    const rule = options.recoveryRule ??
      (params.unsafeAbortAfterMs > 0 ? abortAfter(params.unsafeAbortAfterMs) : askTheCoordinator);
    simulation.addNode(COORDINATOR, (ctx) =>
      new TwoPhaseCoordinator(ctx, {
        participants,
        gapMs: params.gapMs,
        voteTimeoutMs: params.timeoutMs,
        stopAtMs: params.runMs,
        report,
        sendBeforeLog: params.unsafeSendBeforeLog,
        ...(options.lastTxn === undefined ? {} : { lastTxn: options.lastTxn }),
      }));
    simulation.addNodes(participants, (ctx) =>
      new TwoPhaseParticipant(ctx, {
        coordinator: COORDINATOR,
        abortProbability: params.abortProbability,
        retryMs: RETRY_MS,
        recoveryRule: rule,
        report,
      }));
    return {
      simulation,
      ledger,
      nodes: [COORDINATOR, ...participants],
      coordinators: [COORDINATOR],
      participants,
    };
  }
  if (params.protocol === "3pc") {
    simulation.addNode(COORDINATOR, (ctx) =>
      new ThreePhaseCoordinator(ctx, {
        participants,
        gapMs: params.gapMs,
        timeoutMs: params.timeoutMs,
        stopAtMs: params.runMs,
        report,
        ...(options.lastTxn === undefined ? {} : { lastTxn: options.lastTxn }),
      }));
    simulation.addNodes(participants, (ctx) =>
      new ThreePhaseParticipant(ctx, {
        coordinator: COORDINATOR,
        participants,
        abortProbability: params.abortProbability,
        timeoutMs: params.timeoutMs,
        report,
      }));
    return {
      simulation,
      ledger,
      nodes: [COORDINATOR, ...participants],
      coordinators: [COORDINATOR],
      participants,
    };
  }
  const letters = "abcdefghi";
  const serversOf = (prefix: string) =>
    Array.from({ length: params.groupSize }, (_, i) => `${prefix}${letters[i] ?? i}`);
  const groups: Record<string, NodeId[]> = {
    [COORDINATOR_GROUP]: serversOf("c"),
  };
  for (const p of participants) groups[p] = serversOf(p);
  const memberOptions = {
    groups,
    raft: { electionTimeoutMinMs: 60, electionTimeoutMaxMs: 120, heartbeatIntervalMs: 20 },
    pumpMs: 10,
    gapMs: params.gapMs,
    voteTimeoutMs: Math.max(params.timeoutMs, 60),
    stopAtMs: params.runMs,
    abortProbability: params.abortProbability,
    report,
    unsafePresumeAbort: params.unsafePresumeAbort,
  };
  for (const [group, servers] of Object.entries(groups)) {
    simulation.addNodes(servers, (ctx) => new CommitGroupMember(ctx, { ...memberOptions, group }));
  }
  return {
    simulation,
    ledger,
    nodes: Object.values(groups).flat(),
    coordinators: groups[COORDINATOR_GROUP]!,
    participants,
  };
}

/**
 * The longest a participant waited while it was itself up: each wait minus the time the
 * participant's node was crashed during it. Open waits count up to `endMs`.
 *
 * @example
 * ```ts
 * liveBlockedMs(
 *   [{ participant: "p1", txn: 1, fromMs: 0, toMs: 100, decision: "commit" }],
 *   [{ atMs: 10, kind: "crash", node: "p1" }, { atMs: 60, kind: "restart", node: "p1" }],
 *   200,
 * ); // 50
 * ```
 */
export function liveBlockedMs(
  waits: readonly PreparedWait[],
  faults: readonly Fault[],
  endMs: number,
): number {
  const down = crashIntervals(faults, endMs);
  let longest = 0;
  for (const wait of waits) {
    const to = wait.toMs ?? endMs;
    let span = to - wait.fromMs;
    for (const [a, b] of down.get(wait.participant) ?? []) {
      span -= Math.max(0, Math.min(b, to) - Math.max(a, wait.fromMs));
    }
    longest = Math.max(longest, span);
  }
  return Math.round(longest * 1000) / 1000;
}

/**
 * How many prepared waits were open while a coordinator node was crashed (still open
 * `graceMs` after the crash: no decision was on its way), and how many of those ended only
 * after it restarted: under two-phase commit, all of them.
 *
 * @example
 * ```ts
 * coordinatorCrashWaits(
 *   [{ participant: "p1", txn: 1, fromMs: 0, toMs: 100, decision: "commit" }],
 *   [{ atMs: 10, kind: "crash", node: "coord" }, { atMs: 60, kind: "restart", node: "coord" }],
 *   ["coord"],
 *   200,
 * ); // { waitsDuringCoordinatorCrash: 1, waitsOutlastingCoordinatorCrash: 1 }
 * ```
 */
export function coordinatorCrashWaits(
  waits: readonly PreparedWait[],
  faults: readonly Fault[],
  coordinators: readonly NodeId[],
  endMs: number,
  graceMs = 0,
): { waitsDuringCoordinatorCrash: number; waitsOutlastingCoordinatorCrash: number } {
  const down = crashIntervals(faults, endMs);
  const intervals = coordinators.flatMap((id) => down.get(id) ?? []);
  let during = 0;
  let outlasting = 0;
  for (const wait of waits) {
    const to = wait.toMs ?? endMs;
    // Open past the crash by more than a message delay: the decision was not already
    // on its way.
    const hit = intervals.filter(([a, b]) => a + graceMs < to && b > wait.fromMs);
    if (hit.length === 0) continue;
    during++;
    if (hit.some(([, b]) => to >= b)) outlasting++;
  }
  return { waitsDuringCoordinatorCrash: during, waitsOutlastingCoordinatorCrash: outlasting };
}

function crashIntervals(faults: readonly Fault[], endMs: number): Map<NodeId, [number, number][]> {
  const down = new Map<NodeId, [number, number][]>();
  for (const fault of faults) {
    if (fault.kind === "crash") {
      const list = down.get(fault.node) ?? [];
      list.push([fault.atMs, endMs]);
      down.set(fault.node, list);
    } else if (fault.kind === "restart") {
      const last = down.get(fault.node)?.at(-1);
      if (last !== undefined) last[1] = fault.atMs;
    }
  }
  return down;
}

/**
 * The atomic-commit trial. With `recoveryRule`, 2PC participants use the given rule (the
 * chapter's exercise); otherwise the protocol's own.
 */
export function atomicCommitTrial(
  options: AtomicCommitTrialOptions = {},
): Trial<typeof AtomicCommitParamsSchema, AtomicCommitSystem, AtomicCommitRow> {
  return defineTrial({
    name: "atomic-commit",
    params: AtomicCommitParamsSchema,
    build: ({ params, seed, record, replay }) =>
      buildAtomicCommit(params, seed, {
        record,
        replay,
        ...(options.recoveryRule === undefined ? {} : { recoveryRule: options.recoveryRule }),
      }),
    nemesis: (system, { params }) => {
      if (params.faults === "none" || params.faultsPerSecond === 0) return undefined;
      const kinds: NemesisFaultKind[] = params.faults === "crashes"
        ? ["crash"]
        : ["crash", "partition", "isolate"];
      // One node fault at a time: "a single crash" for every protocol.
      return {
        nodes: system.nodes,
        endMs: params.runMs,
        faultsPerSecond: params.faultsPerSecond * (params.faults === "crashes" ? 1 : 2),
        meanDurationMs: params.meanFaultDurationMs,
        kinds,
        nodeProcesses: 1,
      };
    },
    invariants: [
      invariant("atomicity", (s: AtomicCommitSystem) => s.ledger.atomicityViolation),
      invariant(
        "no commit before every participant prepared",
        (s: AtomicCommitSystem) => s.ledger.prematureCommit,
      ),
      invariant("decisions never change", (s: AtomicCommitSystem) => s.ledger.changedDecision),
    ],
    liveness: {
      name: "every prepared participant learns the outcome",
      withinMs: () => 3000,
      holds: (s) => s.ledger.waiting === 0,
      explain: (s) => `still prepared: ${s.ledger.stillPrepared().slice(0, 4).join(", ")}`,
    },
    untilMs: (params) => params.runMs + 500,
    history: false,
    row: ({ system, params, faults, failure }): AtomicCommitRow => ({
      protocol: params.protocol,
      faults: params.faults,
      atomic: system.ledger.atomicityViolation === undefined,
      blockedMs: liveBlockedMs(system.ledger.waits(), faults, system.simulation.now),
      transactions: system.ledger.transactions,
      committed: system.ledger.committed,
      coordinatorCrashes: faults.filter((f) =>
        f.kind === "crash" && system.coordinators.includes(f.node)
      ).length,
      ...coordinatorCrashWaits(
        system.ledger.waits(),
        faults,
        system.coordinators,
        system.simulation.now,
        params.maxLatencyMs,
      ),
      failure: failure?.invariant ?? null,
    }),
  });
}

/** The `atomic-commit` experiment: one row per seed. */
export const atomicCommit: Experiment<typeof AtomicCommitParamsSchema, AtomicCommitRow> =
  trialExperiment(atomicCommitTrial(), {
    title: "Atomic commit under crashes and partitions: 2PC, 3PC and 2PC over Raft groups",
    description:
      "A coordinator runs transactions one after another over three participants while " +
      "nodes crash and restart (and, with faults=partitions, the network splits). Each " +
      "row says whether every transaction was atomic and how long a live participant " +
      "stayed prepared waiting for the outcome (blockedMs).",
    chapter: "13_atomic_commit",
  });
