/**
 * Exercises of chapter 04 (consensus with Raft) with their self-checks:
 *
 * 1. **The up-to-date rule** ({@link checkUpToDateRule}): write the comparison a server
 *    makes before granting its vote (Raft §5.4.1). The check plugs it into every server
 *    and runs the fault sweep; the first violation found comes back with its seed, the
 *    invariant that broke and a space-time diagram of the moments before it.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { logIsAtLeastAsUpToDate, type UpToDateRule } from "../consensus/raft.ts";
import { roleTimeline } from "../consensus/raft_timeline.ts";
import {
  describeTrialFailure,
  RAFT_FAULT_PROFILES,
  raftFaultSweep,
  type RaftKvParamsInput,
  type RaftTrialFailure,
  runRaftTrial,
} from "../consensus/raft_trial.ts";
import type { Row } from "../experiments/experiment.ts";
import type { Figure } from "../viz/figure.ts";
import { spaceTimeDiagram } from "../viz/space_time.ts";
import { ExerciseResult, type ExerciseResultInit } from "./result.ts";

/**
 * An exercise result that also shows figures: the space-time diagram and the role
 * timeline of the run that broke, under the verdict.
 */
export class RaftExerciseResult extends ExerciseResult {
  /** The failed run drawn as a space-time diagram, when a run failed. */
  readonly diagram: Figure | undefined;
  /** The failed run's role/term timeline, when a run failed. */
  readonly timeline: Figure | undefined;
  /** The first failure the sweep found, if any. */
  readonly failure: RaftTrialFailure | undefined;

  /** A result with its figures. */
  constructor(
    init: ExerciseResultInit & {
      readonly diagram?: Figure;
      readonly timeline?: Figure;
      readonly failure?: RaftTrialFailure;
    },
  ) {
    super(init);
    this.diagram = init.diagram;
    this.timeline = init.timeline;
    this.failure = init.failure;
  }

  /** The verdict box, then the figures. */
  override toHtml(): string {
    const figures = [this.timeline, this.diagram].filter((f): f is Figure => f !== undefined);
    return super.toHtml() + figures.map((figure) => figure.html).join("");
  }
}

// ---- Exercise 1: the up-to-date rule ----------------------------------------------------

/** The reference answer: Raft §5.4.1, as the servers use it by default. */
export const referenceUpToDateRule: UpToDateRule = logIsAtLeastAsUpToDate;

/**
 * A tempting wrong answer: "the longer log is more up to date", ignoring terms. A server
 * that missed a few terms while cut off with a stale leader may hold a longer log of
 * entries nobody committed, and win with it.
 */
export function wrongUpToDateRule(
  _candidateLastTerm: number,
  candidateLastIndex: number,
  _myLastTerm: number,
  myLastIndex: number,
): boolean {
  return candidateLastIndex >= myLastIndex;
}

/** Options of {@link checkUpToDateRule}. */
export interface UpToDateCheckOptions {
  /** How many runs of the fault sweep (seeds 1, 2, ...). Default 200. */
  readonly seeds?: number;
  /** The first seed. Default 1. */
  readonly firstSeed?: number;
  /**
   * The sweep's parameters (see `raft-kv`). Default: the `leader-hunt` profile, whose
   * faults aimed at leaders leave stale servers with long logs of uncommitted entries.
   */
  readonly params?: RaftKvParamsInput;
  /** How much of the failed run the diagram shows before the failure, in ms. Default 300. */
  readonly windowMs?: number;
}

/** One case of the table the rule is first checked on. */
interface RuleCase {
  readonly candidate: readonly [number, number];
  readonly mine: readonly [number, number];
  readonly why: string;
}

const RULE_CASES: readonly RuleCase[] = [
  { candidate: [3, 5], mine: [2, 9], why: "a later last term wins, even with a shorter log" },
  { candidate: [1, 20], mine: [2, 3], why: "an older last term loses, however long the log" },
  { candidate: [2, 5], mine: [2, 9], why: "same last term: the shorter log loses" },
  { candidate: [2, 9], mine: [2, 9], why: "identical ends: at least as up to date" },
  { candidate: [2, 10], mine: [2, 9], why: "same last term: the longer log wins" },
  { candidate: [0, 0], mine: [0, 0], why: "two empty logs" },
  { candidate: [0, 0], mine: [1, 1], why: "an empty log loses to any entry" },
];

/**
 * Checks an answer to "write the up-to-date rule". First on a small table of cases, then
 * for real: every server votes with `rule` while the fault sweep runs `seeds` random
 * fault schedules (partitions, crashes, pauses, lossy and reordering links), checking
 * Raft's invariants after every event, the history for linearizability, and that the
 * cluster recovers after the faults. The first failure comes back with its seed, the
 * property that broke, and the run redrawn around it. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkUpToDateRule((cTerm, cIndex, myTerm, myIndex) => cIndex >= myIndex); // ✗ with a diagram
 * ```
 */
export function checkUpToDateRule(
  rule: UpToDateRule,
  options: UpToDateCheckOptions = {},
): RaftExerciseResult {
  const title = "The up-to-date rule (§5.4.1)";
  if (typeof rule !== "function") {
    return new RaftExerciseResult({
      passed: false,
      title,
      details: [
        "Expected a function (candidateLastTerm, candidateLastIndex, myLastTerm, myLastIndex) " +
        `=> boolean, got ${typeof rule}.`,
      ],
    });
  }
  const rows: Row[] = [];
  const wrongCases: string[] = [];
  for (const c of RULE_CASES) {
    const expected = referenceUpToDateRule(...c.candidate, ...c.mine);
    let answer: unknown;
    try {
      answer = rule(...c.candidate, ...c.mine);
    } catch (error) {
      answer = `threw ${error instanceof Error ? error.message : String(error)}`;
    }
    const agrees = answer === expected;
    rows.push({
      candidateLast: `(${c.candidate.join(", ")})`,
      myLast: `(${c.mine.join(", ")})`,
      expected,
      yours: typeof answer === "boolean" ? answer : String(answer),
      agrees,
    });
    if (!agrees) {
      wrongCases.push(
        `Candidate's last entry (term ${c.candidate[0]}, index ${c.candidate[1]}), the ` +
          `voter's (term ${c.mine[0]}, index ${c.mine[1]}): expected ${expected}, got ` +
          `${typeof answer === "boolean" ? answer : String(answer)} (${c.why}).`,
      );
    }
  }

  const seeds = options.seeds ?? 200;
  const params = options.params ?? RAFT_FAULT_PROFILES["leader-hunt"]!;
  const sweep = raftFaultSweep({
    seeds,
    firstSeed: options.firstSeed ?? 1,
    params,
    upToDate: rule,
  });
  const failure = sweep.failures[0];
  const details: string[] = [];
  if (wrongCases.length === 0) {
    details.push(`✓ Your rule agrees with §5.4.1 on all ${RULE_CASES.length} cases of the table.`);
  } else {
    details.push(
      `✗ Your rule disagrees with §5.4.1 on ${wrongCases.length} of ${RULE_CASES.length} cases:`,
      ...wrongCases,
    );
  }
  if (failure === undefined) {
    details.push(
      `✓ ${sweep.trials} runs under random faults: no invariant broken, every history ` +
        "linearizable, and the cluster recovered after every fault schedule.",
    );
    return new RaftExerciseResult({
      passed: wrongCases.length === 0,
      title,
      details,
      rows,
    });
  }
  details.push(
    `✗ The fault sweep failed on run ${sweep.trials} of ${seeds}: ${describeTrialFailure(failure)}`,
    `To look again: runRaftTrial(params, ${failure.seed}, { record: true, upToDate: yourRule }).`,
    explainFailure(failure),
  );
  const figures = drawFailure(params, failure, rule, options.windowMs ?? 300);
  return new RaftExerciseResult({
    passed: false,
    title,
    details,
    rows,
    failure,
    counterexample: { seed: failure.seed, kind: failure.kind, invariant: failure.invariant },
    ...figures,
  });
}

function explainFailure(failure: RaftTrialFailure): string {
  switch (failure.invariant) {
    case "leader completeness":
      return "A server won an election without an entry that was already committed: its " +
        "voters judged its log up to date when it was not.";
    case "state machine safety":
      return "Two servers applied different entries at one index: a leader without a " +
        "committed entry overwrote it.";
    case "election safety":
      return "Two leaders were elected in one term.";
    default:
      return failure.kind === "liveness"
        ? "The cluster could not elect a leader and commit after the faults healed: a rule " +
          "that refuses too many votes stops elections."
        : failure.kind === "node-exception"
        ? "A server's handler threw: your function must return true or false for any input."
        : "The clients saw results no single order of operations explains.";
  }
}

function drawFailure(
  params: RaftKvParamsInput,
  failure: RaftTrialFailure,
  rule: UpToDateRule,
  windowMs: number,
): { diagram?: Figure; timeline?: Figure } {
  try {
    const rerun = runRaftTrial(params, failure.seed, { record: true, upToDate: rule });
    const trace = rerun.cluster.simulation.trace;
    const at = failure.timeMs ?? rerun.cluster.now;
    const fromMs = Math.max(0, at - windowMs);
    const toMs = at + 1;
    const servers = [...rerun.cluster.servers];
    return {
      timeline: roleTimeline(trace, {
        nodes: servers,
        toMs,
        title: `Seed ${failure.seed}: roles and terms until the failure`,
      }),
      diagram: spaceTimeDiagram(trace, {
        fromMs,
        toMs,
        nodes: servers,
        types: ["RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply"],
        maxMessages: 400,
        title: `Seed ${failure.seed}: the last ${windowMs} ms before the failure`,
        caption: describeTrialFailure(failure).split("\n")[0],
      }),
    };
  } catch {
    // The figures are a help; the verdict stands without them.
    return {};
  }
}
