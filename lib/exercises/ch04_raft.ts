/**
 * Exercises of chapter 04 (consensus with Raft) with their self-checks:
 *
 * 1. **The up-to-date rule** ({@link checkUpToDateRule}): write the comparison a server
 *    makes before granting its vote (Raft §5.4.1). The check plugs it into every server
 *    and runs the fault sweep; the first violation found comes back with its seed, the
 *    invariant that broke and a space-time diagram zoomed to the messages that show it,
 *    with what to look at.
 *
 * 2. **The commit rule** ({@link checkCommitRule}): write how far a leader may move its
 *    commit index, given what its followers store (Raft §5.3 and §5.4.2). The check runs
 *    the fault sweep under the conditions of the paper's Figure 8, where counting
 *    replicas of an old entry loses committed data.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import {
  type CommitRule,
  type CommitRuleInput,
  logIsAtLeastAsUpToDate,
  majorityCommitIndex,
  type UpToDateRule,
} from "../consensus/raft.ts";
import { roleTimeline } from "../consensus/raft_timeline.ts";
import {
  describeTrialFailure,
  RAFT_FAULT_PROFILES,
  raftFaultSweep,
  type RaftKvParamsInput,
  type RaftTrialFailure,
  runRaftTrial,
} from "../consensus/raft_trial.ts";
import type { TraceRecord } from "../sim/trace.ts";
import type { RaftMessage } from "../consensus/raft_messages.ts";
import type { Figure } from "../viz/figure.ts";
import * as Plot from "@observablehq/plot";
import { spaceTimeDiagram } from "../viz/space_time.ts";
import {
  type CaseTableOutcome,
  ExerciseResult,
  type ExerciseResultInit,
  notAFunction,
  tryCases,
} from "./result.ts";

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
    super({ ...init, figures: [init.timeline, init.diagram] });
    this.diagram = init.diagram;
    this.timeline = init.timeline;
    this.failure = init.failure;
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
  /**
   * How much of the failed run the diagram shows before a failure it has no closer view
   * of, in ms. Default 300. (A wrongly won election, or a cluster that commits nothing, is
   * drawn zoomed to the messages that show it.)
   */
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
    return new RaftExerciseResult(notAFunction(
      title,
      "(candidateLastTerm, candidateLastIndex, myLastTerm, myLastIndex) => boolean",
      rule,
    ));
  }
  const table = tryCases({
    cases: RULE_CASES,
    expected: (c) => referenceUpToDateRule(...c.candidate, ...c.mine),
    answer: (c) => rule(...c.candidate, ...c.mine),
    columns: (c) => ({
      candidateLast: `(${c.candidate.join(", ")})`,
      myLast: `(${c.mine.join(", ")})`,
    }),
    describe: (c) =>
      `Candidate's last entry (term ${c.candidate[0]}, index ${c.candidate[1]}), the ` +
      `voter's (term ${c.mine[0]}, index ${c.mine[1]})`,
    why: (c) => c.why,
  });

  const seeds = options.seeds ?? 200;
  const params = options.params ?? RAFT_FAULT_PROFILES["leader-hunt"]!;
  const sweep = raftFaultSweep({
    seeds,
    firstSeed: options.firstSeed ?? 1,
    params,
    upToDate: rule,
  });
  return verdict({
    title,
    table,
    sweep,
    seeds,
    redraw: (failure) => drawFailure(params, failure, { upToDate: rule }, options.windowMs ?? 300),
    option: "upToDate",
  });
}

// ---- Exercise 2: the commit rule ---------------------------------------------------------

/** The reference answer: §5.3 with §5.4.2, as leaders use it by default. */
export const referenceCommitRule: CommitRule = majorityCommitIndex;

/**
 * The tempting wrong answer of the paper's Figure 8: commit the highest index a majority
 * stores, whatever its term.
 */
export function wrongCommitRule(input: CommitRuleInput): number {
  const sorted = [...input.matchIndexes].sort((a, b) => b - a);
  return Math.max(input.commitIndex, sorted[input.majority - 1] ?? 0);
}

/** Options of {@link checkCommitRule}. */
export interface CommitRuleCheckOptions {
  /** How many runs of the fault sweep (seeds 1, 2, ...). Default 100. */
  readonly seeds?: number;
  /** The first seed. Default 1. */
  readonly firstSeed?: number;
  /** The sweep's parameters (see `raft-kv`). Default: the `figure-8` profile. */
  readonly params?: RaftKvParamsInput;
  /**
   * How much of the failed run the diagram shows before a failure it has no closer view
   * of, in ms. Default 300. (A wrongly won election, or a cluster that commits nothing, is
   * drawn zoomed to the messages that show it.)
   */
  readonly windowMs?: number;
}

interface CommitCase {
  readonly input: Omit<CommitRuleInput, "termAt"> & { readonly terms: readonly number[] };
  readonly why: string;
}

const COMMIT_CASES: readonly CommitCase[] = [
  {
    input: {
      matchIndexes: [5, 5, 3, 2, 1],
      terms: [1, 1, 2, 2, 2],
      currentTerm: 2,
      commitIndex: 1,
      majority: 3,
    },
    why: "index 3 is on three of five servers and of the current term",
  },
  {
    input: {
      matchIndexes: [5, 5, 3, 2, 1],
      terms: [1, 1, 2, 2, 3],
      currentTerm: 3,
      commitIndex: 1,
      majority: 3,
    },
    why: "index 3 is on a majority but of an earlier term: it waits (§5.4.2)",
  },
  {
    input: {
      matchIndexes: [6, 6, 6, 1, 1],
      terms: [1, 1, 2, 2, 3, 3],
      currentTerm: 3,
      commitIndex: 2,
      majority: 3,
    },
    why: "an entry of the current term commits every entry before it too",
  },
  {
    input: {
      matchIndexes: [4, 2, 2],
      terms: [1, 2, 2, 2],
      currentTerm: 2,
      commitIndex: 0,
      majority: 2,
    },
    why: "three servers: two make a majority",
  },
  {
    input: { matchIndexes: [3], terms: [1, 1, 1], currentTerm: 1, commitIndex: 0, majority: 1 },
    why: "a single server is a majority of one",
  },
  {
    input: {
      matchIndexes: [4, 1, 1],
      terms: [3, 3, 3, 3],
      currentTerm: 3,
      commitIndex: 2,
      majority: 2,
    },
    why: "the commit index never goes back",
  },
];

/**
 * Checks an answer to "write the commit rule". First on a table of cases, then for real:
 * every leader commits with `rule` while the fault sweep runs `seeds` fault schedules
 * under the conditions of the paper's Figure 8 (no no-op on election, leaders hunted by
 * partitions and crashes). The first failure comes back with its seed, the property that
 * broke, and the run redrawn around it. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkCommitRule(({ matchIndexes, commitIndex }) => Math.max(commitIndex, ...matchIndexes)); // ✗
 * ```
 */
export function checkCommitRule(
  rule: CommitRule,
  options: CommitRuleCheckOptions = {},
): RaftExerciseResult {
  const title = "The commit rule (§5.3, §5.4.2)";
  if (typeof rule !== "function") {
    return new RaftExerciseResult(notAFunction(
      title,
      "({ matchIndexes, termAt, currentTerm, commitIndex, majority }) => number",
      rule,
    ));
  }
  const inputOf = ({ input: { terms, ...rest } }: CommitCase): CommitRuleInput => ({
    ...rest,
    termAt: (index) => terms[index - 1] ?? 0,
  });
  const table = tryCases({
    cases: COMMIT_CASES,
    expected: (c) => referenceCommitRule(inputOf(c)),
    answer: (c) => rule(inputOf(c)),
    columns: ({ input }) => ({
      matchIndexes: `[${input.matchIndexes.join(", ")}]`,
      terms: `[${input.terms.join(", ")}]`,
      currentTerm: input.currentTerm,
      commitIndex: input.commitIndex,
    }),
    describe: ({ input }) =>
      `Stored up to [${input.matchIndexes.join(", ")}], log terms [${input.terms.join(", ")}], ` +
      `term ${input.currentTerm}, commit index ${input.commitIndex}`,
    why: (c) => c.why,
  });
  const params = options.params ?? RAFT_FAULT_PROFILES["figure-8"]!;
  const seeds = options.seeds ?? 100;
  const sweep = raftFaultSweep({
    seeds,
    firstSeed: options.firstSeed ?? 1,
    params,
    commitRule: rule,
  });
  return verdict({
    title,
    table,
    sweep,
    seeds,
    redraw: (failure) =>
      drawFailure(params, failure, { commitRule: rule }, options.windowMs ?? 300),
    option: "commitRule",
  });
}

/** The verdict of a rule: its table, then the sweep, and the failed run's figures. */
function verdict(input: {
  readonly title: string;
  /** How the rule did on the table of cases. */
  readonly table: CaseTableOutcome;
  readonly sweep: ReturnType<typeof raftFaultSweep>;
  readonly seeds: number;
  readonly redraw: (failure: RaftTrialFailure) => { diagram?: Figure; timeline?: Figure };
  /** The option that plugs the answer into a trial: "upToDate" or "commitRule". */
  readonly option: string;
}): RaftExerciseResult {
  const { title, sweep, seeds } = input;
  const { rows, wrong: wrongCases, count: caseCount } = input.table;
  const details: string[] = [];
  if (wrongCases.length === 0) {
    details.push(`✓ Your rule agrees with the paper on all ${caseCount} cases of the table.`);
  } else {
    details.push(
      `✗ Your rule disagrees with the paper on ${wrongCases.length} of ${caseCount} cases:`,
      ...wrongCases,
    );
  }
  const failure = sweep.failures[0];
  if (failure === undefined) {
    details.push(
      `✓ ${sweep.trials} runs under random faults: no invariant broken, every history ` +
        "linearizable, and the cluster recovered after every fault schedule.",
    );
    return new RaftExerciseResult({ passed: wrongCases.length === 0, title, details, rows });
  }
  details.push(
    // The replay command would run the built-in rule, not the reader's: leave it out.
    `✗ The fault sweep failed on run ${sweep.trials} of ${seeds}: ${
      describeTrialFailure(failure).split("\n")[0]
    }`,
    `To look again: runRaftTrial(params, ${failure.seed}, { record: true, ${input.option}: ` +
      "yourRule }), with the sweep's params.",
    explainFailure(failure, input.option),
  );
  return new RaftExerciseResult({
    passed: false,
    title,
    details,
    rows,
    failure,
    counterexample: { seed: failure.seed, kind: failure.kind, invariant: failure.invariant },
    ...input.redraw(failure),
  });
}

function explainFailure(failure: RaftTrialFailure, option: string): string {
  const votes = option === "upToDate";
  switch (failure.invariant) {
    case "leader completeness":
      return votes
        ? "A server won an election without an entry that was already committed: its " +
          "voters judged its log up to date when it was not."
        : "An entry counted committed was missing from a later leader's log, which then " +
          "overwrote it: it had been counted committed too early.";
    case "state machine safety":
      return "Two servers applied different entries at one index: a leader without a " +
        "committed entry overwrote it.";
    case "election safety":
      return "Two leaders were elected in one term.";
    default:
      if (failure.kind === "liveness") {
        return votes
          ? "The cluster could not elect a leader and commit after the faults healed: a " +
            "rule that refuses too many votes stops elections."
          : "Nothing committed after the faults healed: a rule that waits for too many " +
            "servers stalls the cluster.";
      }
      if (failure.kind === "exception") {
        return votes
          ? "A server's handler threw: your function must return true or false for any input."
          : "A leader's handler threw: your function must return a whole number from the " +
            "commit index to the leader's last index.";
      }
      return "The clients saw results no single order of operations explains.";
  }
}

function drawFailure(
  params: RaftKvParamsInput,
  failure: RaftTrialFailure,
  answer: { readonly upToDate?: UpToDateRule; readonly commitRule?: CommitRule },
  windowMs: number,
): { diagram?: Figure; timeline?: Figure } {
  try {
    const rerun = runRaftTrial(params, failure.seed, { ...answer, record: true });
    const trace = rerun.cluster.simulation.trace;
    const at = failure.timeMs ?? rerun.cluster.now;
    const servers = [...rerun.cluster.servers];
    const focus = electionFocus(trace.records, failure, at, answer.upToDate !== undefined) ??
      commitFocus(trace.records, failure, at) ??
      recentFocus(failure, at, windowMs);
    const lane = (node: string) => servers.indexOf(node);
    const records = trace.records.filter((record) => !("msgId" in record) || focus.keeps(record));
    const label = (above: boolean, stands: boolean, before: boolean) =>
      Plot.text(
        focus.labels.filter((row) =>
          row.above === above && (row.colour !== undefined) === stands &&
          (row.before === true) === before
        ),
        {
          x: "t",
          y: (row: FocusLabel) => lane(row.node),
          text: "text",
          dx: before ? -8 : 0,
          dy: above ? -9 : 11,
          textAnchor: before ? "end" : "middle",
          fontSize: 10,
          fill: (row: FocusLabel) => row.colour ?? "currentColor",
          fontWeight: stands ? "bold" : "normal",
        },
      );
    const labelMarks = [true, false].flatMap((above) =>
      [true, false].flatMap((stands) => [true, false].map((before) => label(above, stands, before)))
    );
    return {
      timeline: roleTimeline(trace, {
        nodes: servers,
        toMs: at + 1,
        title: `Seed ${failure.seed}: roles and terms until the failure`,
      }),
      diagram: spaceTimeDiagram(records, {
        fromMs: focus.fromMs,
        toMs: focus.toMs,
        nodes: servers,
        types: [...focus.types],
        notes: false,
        maxMessages: 400,
        title: `Seed ${failure.seed}: ${focus.title}`,
        caption: focus.lookAt,
        marks: labelMarks,
      }),
    };
  } catch {
    // The figures are a help; the verdict stands without them.
    return {};
  }
}

/** A send, delivery or drop in the trace. */
type MessageRecord = Extract<TraceRecord<RaftMessage>, { readonly msgId: number }>;

/** A word written on the diagram at an event. */
interface FocusLabel {
  readonly t: number;
  readonly node: string;
  readonly text: string;
  /** Above the lane (true) or below it. */
  readonly above: boolean;
  /** A colour that makes it stand out; default the text's. */
  readonly colour?: string;
  /** Written to the left of the event instead of centred on it. */
  readonly before?: boolean;
}

/** What a failure's diagram zooms to, and what it tells the reader to look at. */
interface FailureFocus {
  readonly fromMs: number;
  readonly toMs: number;
  readonly types: readonly string[];
  readonly keeps: (record: MessageRecord) => boolean;
  readonly labels: readonly FocusLabel[];
  readonly title: string;
  readonly lookAt: string;
}

const WRONG = "#d62728";

/**
 * A leader that should not have won ("n4 became leader of term 4 with ..."): its election
 * alone, the requests for votes it sent in that term and the answers, each request
 * labelled with the candidate's last entry and each answer with the vote.
 */
function electionFocus(
  records: readonly TraceRecord<RaftMessage>[],
  failure: RaftTrialFailure,
  at: number,
  votes: boolean,
): FailureFocus | undefined {
  const match = /(\S+) became leader of term (\d+) with /.exec(failure.message);
  if (match === null) return undefined;
  const candidate = match[1] as string;
  const term = Number(match[2]);
  const ofElection = (record: MessageRecord) => {
    const message = record.message;
    return "term" in message && message.term === term &&
      ((message.type === "RequestVote" && record.from === candidate) ||
        (message.type === "RequestVoteReply" && record.to === candidate));
  };
  const sends = records.filter((record): record is MessageRecord =>
    record.kind === "send" && "msgId" in record && ofElection(record)
  );
  if (sends.length === 0) return undefined;
  const labels: FocusLabel[] = [];
  for (const record of sends) {
    const message = record.message;
    if (message.type === "RequestVote" && record === sends[0]) {
      labels.push({
        t: record.t,
        node: candidate,
        text: `asks; its last entry: index ${message.lastLogIndex}, term ${message.lastLogTerm}`,
        above: false,
        before: true,
      });
    } else if (message.type === "RequestVoteReply") {
      labels.push({
        t: record.t,
        node: record.from,
        text: message.granted ? "grants" : "refuses",
        above: false,
        ...(message.granted ? { colour: WRONG } : {}),
      });
    }
  }
  const held = /with (.+?) at index (\d+), where .* was committed in term (\d+)/.exec(
    failure.message,
  );
  const committed = held === null
    ? "an entry already committed"
    : `the entry committed in term ${held[3]} at index ${held[2]}`;
  const has = held === null ? "" : ` (it holds ${held[1]} there)`;
  const lookAt = votes
    ? `Look at the votes in red: ${candidate} lacks ${committed}${has}. A committed entry ` +
      `is on a majority, so one of the servers that granted a vote held it, and your rule ` +
      `still judged ${candidate}'s log up to date.`
    : `Look at the votes in red: servers vote for ${candidate}, which lacks ${committed}` +
      `${has}. Your rule counted that entry committed too early: on too few servers, or by ` +
      "counting replicas of an entry from an older term, which a log with a newer last term " +
      "may still overwrite (§5.4.2).";
  // Votes still on their way when the candidate won are part of the story: wait for them.
  const lastArrival = records.reduce(
    (last, record) =>
      record.kind === "deliver" && ofElection(record) && record.t <= at + 100
        ? Math.max(last, record.t)
        : last,
    at,
  );
  return {
    fromMs: Math.max(0, (sends[0] as MessageRecord).t - 5),
    toMs: lastArrival + 3,
    types: ["RequestVote", "RequestVoteReply"],
    keeps: ofElection,
    labels,
    title: `${candidate} is elected leader of term ${term}`,
    lookAt,
  };
}

/**
 * A cluster that commits nothing ("n3 leader t25" among the roles): the leader's last two
 * rounds of AppendEntries, each labelled with the commit index it announces, and the
 * followers' answers with how far their logs match.
 */
function commitFocus(
  records: readonly TraceRecord<RaftMessage>[],
  failure: RaftTrialFailure,
  at: number,
): FailureFocus | undefined {
  if (failure.kind !== "liveness") return undefined;
  const leader = /(\S+) leader t\d+/.exec(failure.message)?.[1];
  if (leader === undefined) return undefined;
  const isAppend = (record: MessageRecord) =>
    (record.type === "AppendEntries" && record.from === leader) ||
    (record.type === "AppendEntriesReply" && record.to === leader);
  const rounds = [
    ...new Set(
      records.filter((record) =>
        record.kind === "send" && record.type === "AppendEntries" && record.from === leader
      ).map((record) => record.t),
    ),
  ].filter((t) => t <= at);
  const fromMs = rounds.at(-2);
  if (fromMs === undefined) return undefined;
  const labels: FocusLabel[] = [];
  // One label per node and text: a duplicate or a retry would write it twice, overlapping.
  const said = new Set<string>();
  const say = (label: FocusLabel) => {
    const key = `${label.node} ${label.text}`;
    if (said.has(key)) return;
    said.add(key);
    labels.push(label);
  };
  let stored = 0;
  let commit = 0;
  for (const record of records) {
    if (record.kind !== "deliver" || record.t < fromMs || !isAppend(record)) continue;
    const message = record.message;
    if (message.type === "AppendEntries") {
      commit = Math.max(commit, message.leaderCommit ?? 0);
      say({
        t: record.t,
        node: record.to,
        text: `commit ${message.leaderCommit}`,
        above: true,
        colour: WRONG,
      });
    } else if (message.type === "AppendEntriesReply" && message.success) {
      stored = Math.max(stored, message.matchIndex);
      say({
        t: record.sentAt,
        node: record.from,
        text: `stores up to ${message.matchIndex}`,
        above: false,
      });
    }
  }
  return {
    fromMs: Math.max(0, fromMs - 2),
    toMs: at + 2,
    types: ["AppendEntries", "AppendEntriesReply"],
    keeps: isAppend,
    labels,
    title: `${leader}'s last rounds of AppendEntries before the bound`,
    lookAt: `Look at the numbers: the followers answer that they store entries up to index ` +
      `${stored}, yet the commit index ${leader} announces (in red) stays at ${commit}.`,
  };
}

/** Any other failure: the messages of the last `windowMs` before it. */
function recentFocus(failure: RaftTrialFailure, at: number, windowMs: number): FailureFocus {
  return {
    fromMs: Math.max(0, at - windowMs),
    toMs: at + 1,
    types: ["RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply"],
    keeps: () => true,
    labels: [],
    title: `the last ${windowMs} ms before the failure`,
    lookAt: `The failure (${failure.invariant ?? failure.kind}) is at the right edge.`,
  };
}
