/**
 * Raft's settings: the validated options of a server, the rules an exercise may replace
 * (the §5.4.1 vote comparison and the leader's commit rule), the observer's events, and
 * the deliberately broken variants.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nodeIdField,
  nonNegativeMs,
  parseConfig,
  positiveMs,
} from "../config/mod.ts";
import type { NodeId } from "../sim/node.ts";
import type { KvOperation, KvResult } from "./kv_store.ts";
import type { RaftEntry, RaftRole } from "./raft_messages.ts";
import type { StateMachine } from "./state_machine.ts";

/**
 * The §5.4.1 comparison: may a voter whose last entry is (`myLastTerm`, `myLastIndex`)
 * vote for a candidate whose last entry is (`candidateLastTerm`, `candidateLastIndex`)?
 */
export type UpToDateRule = (
  candidateLastTerm: number,
  candidateLastIndex: number,
  myLastTerm: number,
  myLastIndex: number,
) => boolean;

/**
 * Raft §5.4.1: "If the logs have last entries with different terms, then the log with the
 * later term is more up-to-date. If the logs end with the same term, then whichever log
 * is longer is more up-to-date." A vote needs the candidate's log to be at least as up to
 * date as the voter's.
 *
 * @example
 * ```ts
 * logIsAtLeastAsUpToDate(3, 5, 2, 9); // true: a later last term wins, whatever the length
 * logIsAtLeastAsUpToDate(2, 5, 2, 9); // false: same last term, shorter log
 * ```
 */
export function logIsAtLeastAsUpToDate(
  candidateLastTerm: number,
  candidateLastIndex: number,
  myLastTerm: number,
  myLastIndex: number,
): boolean {
  if (candidateLastTerm !== myLastTerm) return candidateLastTerm > myLastTerm;
  return candidateLastIndex >= myLastIndex;
}

/** What a leader knows when it decides how far its commit index may go. */
export interface CommitRuleInput {
  /** The index each server is known to store up to, the leader's own last index first. */
  readonly matchIndexes: readonly number[];
  /** The term of the leader's entry at an index (0 beyond its log). */
  readonly termAt: (index: number) => number;
  /** The leader's term. */
  readonly currentTerm: number;
  /** The leader's commit index now. */
  readonly commitIndex: number;
  /** How many servers make a majority. */
  readonly majority: number;
}

/**
 * The leader's commit rule: the new commit index (at least `commitIndex`, at most the
 * leader's last index) given what the followers store.
 */
export type CommitRule = (input: CommitRuleInput) => number;

/**
 * Raft §5.3 and §5.4.2: the highest index stored on a majority, if its entry is of the
 * leader's own term; otherwise the commit index stays. Entries of earlier terms are
 * committed only indirectly, with a later entry of the current term.
 *
 * @example
 * ```ts
 * majorityCommitIndex({
 *   matchIndexes: [5, 5, 3, 2, 1], termAt: (i) => (i <= 2 ? 1 : 2),
 *   currentTerm: 2, commitIndex: 1, majority: 3,
 * }); // 3
 * ```
 */
export function majorityCommitIndex(input: CommitRuleInput): number {
  const sorted = [...input.matchIndexes].sort((a, b) => b - a);
  const stored = sorted[input.majority - 1] ?? 0;
  if (stored > input.commitIndex && input.termAt(stored) === input.currentTerm) return stored;
  return input.commitIndex;
}

/**
 * What an observer may read of a server: its identity, role, term, log and indexes.
 * {@link RaftNode} is one; the invariants read nothing else.
 */
export interface RaftServerView<C = KvOperation> {
  /** The server's id. */
  readonly id: NodeId;
  /** Its role now. */
  readonly role: RaftRole;
  /** The latest term it has seen. */
  readonly currentTerm: number;
  /** The highest log index it knows to be committed. */
  readonly commitIndex: number;
  /** The highest log index it has applied to its state machine. */
  readonly lastApplied: number;
  /** Index of its last log entry (0: empty). */
  readonly lastLogIndex: number;
  /** The term of the entry at `index` (0 for index 0 and beyond the end). */
  termAt(index: number): number;
  /** The (frozen) entry at `index`, or undefined. */
  entry(index: number): RaftEntry<C> | undefined;
  /** The terms of the log's entries, index 1 first. */
  logTerms(): number[];
}

/**
 * Something that happened inside a server, told to a {@link RaftObserver}. `C` and `R`
 * are the state machine's command and result types.
 */
export type RaftEvent<C = KvOperation, R = KvResult> =
  | {
    /** The server's role or term changed. */
    readonly kind: "role";
    readonly node: RaftServerView<C>;
    readonly role: RaftRole;
    readonly term: number;
  }
  | {
    /** The server granted its vote. */
    readonly kind: "vote";
    readonly node: RaftServerView<C>;
    readonly term: number;
    readonly candidate: NodeId;
  }
  | {
    /**
     * The log changed from `fromIndex` on: entries from there to the last index are new,
     * and any entry the log held past its new end was removed.
     */
    readonly kind: "log";
    readonly node: RaftServerView<C>;
    readonly fromIndex: number;
  }
  | {
    /**
     * The commit index moved from `fromIndex - 1` to `toIndex`: up, unless a broken
     * variant moves it down (then `toIndex` is below `fromIndex - 1`).
     */
    readonly kind: "commit";
    readonly node: RaftServerView<C>;
    readonly fromIndex: number;
    readonly toIndex: number;
  }
  | {
    /** The entry at `index` was applied to the state machine. */
    readonly kind: "apply";
    readonly node: RaftServerView<C>;
    readonly index: number;
    readonly entry: RaftEntry<C>;
    /**
     * The state machine's result, for a client command the session had not applied
     * before (a duplicate gets the remembered result; a stale one, none).
     */
    readonly result: R | undefined;
  };

/**
 * Told of each {@link RaftEvent} as it happens. An observer's hook: the server ignores
 * what it does, and it must only read the server's state, never act on the simulation.
 */
export type RaftObserver<C = KvOperation, R = KvResult> = (event: RaftEvent<C, R>) => void;

/** Names of the deliberately broken variants, for sweeps and experiment parameters. */
export const RAFT_UNSAFE_VARIANTS = [
  "voteWithoutLogCheck",
  "commitPreviousTermByCount",
  "forgetVotedFor",
  "localReads",
  "commitToLogEnd",
  "lowerCommitIndex",
] as const;

/** One deliberately broken variant. */
export type RaftUnsafeVariant = typeof RAFT_UNSAFE_VARIANTS[number];

const unsafeSwitch = () => z.boolean().default(false);

/** Zod schema of {@link RaftUnsafeOptions}. */
export const RaftUnsafeOptionsSchema = z.strictObject({
  /** Grant votes without the §5.4.1 up-to-date check. Default false. */
  voteWithoutLogCheck: unsafeSwitch(),
  /**
   * Commit an entry of an earlier term as soon as a majority stores it, ignoring §5.4.2
   * (the paper's Figure 8). Default false.
   */
  commitPreviousTermByCount: unsafeSwitch(),
  /** Keep votedFor only in memory, so a restarted server may vote twice in a term. Default false. */
  forgetVotedFor: unsafeSwitch(),
  /**
   * A server that believes it leads answers reads from its own state at once, without a
   * log entry or a ReadIndex round: a deposed leader serves stale values. Default false.
   */
  localReads: unsafeSwitch(),
  /**
   * A follower moves its commit index to min(leaderCommit, the end of its log) instead of
   * min(leaderCommit, the last entry the AppendEntries carried) (Figure 2). Entries past
   * those carried are not known to match the leader's: a stale tail left by a deposed
   * leader gets committed and applied. Only an AppendEntries that stops short of the
   * leader's commit index shows it: a follower catching up in small batches, or a late
   * copy of an old message. Default false.
   */
  commitToLogEnd: unsafeSwitch(),
  /**
   * A follower takes min(leaderCommit, last new entry) as its commit index even when that
   * is lower than the one it has: a late AppendEntries, or a new leader that has not yet
   * learned how far its predecessor committed, moves the commit index backwards. Default
   * false.
   */
  lowerCommitIndex: unsafeSwitch(),
});

/** The deliberately broken variants, each off by default. */
export type RaftUnsafeOptions = z.output<typeof RaftUnsafeOptionsSchema>;

/**
 * The fields of {@link RaftOptions}, without the rule that ties them together: the one
 * declaration of each Raft knob, its default and its description. Experiments and trials
 * pick from its `shape` (with `withDefaults` from lib/config where they need another
 * default) and apply {@link electionTimeoutsOrdered}.
 */
export const RaftOptionsFields = z.strictObject({
  /** Every server of the cluster, this one included (clients are not members). */
  servers: z.array(nodeIdField()).min(1, { error: "must name at least one server" }),
  /** Shortest election timeout, in ms of the server's clock. Default 150. */
  electionTimeoutMinMs: positiveMs().default(150).describe("Shortest election timeout, in ms"),
  /** Longest election timeout (each timeout is uniform between the two). Default 300. */
  electionTimeoutMaxMs: positiveMs().default(300)
    .describe("Longest election timeout (each is uniform between the two), in ms"),
  /** Time between a leader's heartbeats, in ms. Default 50. */
  heartbeatIntervalMs: positiveMs().default(50).describe("Leader heartbeat interval, in ms"),
  /** Ask for pre-votes before starting an election (thesis §9.6). Default false. */
  preVote: z.boolean().default(false).describe("Ask for pre-votes before an election"),
  /**
   * A new leader appends a no-op entry of its term at once, so entries of earlier terms
   * commit without waiting for a client (§8). Default true.
   */
  appendNoopOnElection: z.boolean().default(true)
    .describe("A new leader appends a no-op entry of its term"),
  /**
   * How long a durable write takes, in ms: a RequestVote or AppendEntries reply that
   * follows a write of the term, the vote or log entries leaves only when the write is
   * done (Figure 2: "updated on stable storage before responding to RPCs"). With the
   * network's latency it makes the paper's broadcast time. Requests are not held back:
   * the storage here is durable the moment it is written, so only the reply's delay is
   * modelled. Default 0 (instant).
   */
  diskWriteMs: nonNegativeMs().default(0)
    .describe("How long a durable write takes before the reply that depends on it, in ms"),
  /** Each write takes `diskWriteMs` plus up to this much more, uniformly. Default 0. */
  diskWriteJitterMs: nonNegativeMs().default(0)
    .describe("Each write takes up to this much longer, uniformly, in ms"),
  /**
   * Most entries in one AppendEntries. Default 64. Small values make a lagging follower
   * catch up in many steps, each ending before the leader's commit index.
   */
  maxEntriesPerMessage: integerAtLeast(1).default(64)
    .describe("Most log entries in one AppendEntries (small: followers catch up in steps)"),
  /**
   * How reads are made linearizable: `read-index` (the leader confirms it still leads
   * with a heartbeat round, then answers from its state once it has applied up to the
   * commit index it saw: thesis §6.4) or `log` (a read is a log entry like a write).
   * Default "read-index".
   */
  reads: z.enum(["read-index", "log"]).default("read-index")
    .describe("How reads are made linearizable"),
  /** Deliberately broken variants for teaching. Default: all off. */
  unsafe: RaftUnsafeOptionsSchema.prefault({}),
  /** Replaces the §5.4.1 comparison (an exercise plugs the reader's version in here). */
  upToDate: z.custom<UpToDateRule>((value) => typeof value === "function", {
    error:
      "must be a function (candidateLastTerm, candidateLastIndex, myLastTerm, myLastIndex) => boolean",
  }).optional(),
  /**
   * Replaces the leader's commit rule (an exercise plugs the reader's version in here),
   * `unsafe.commitPreviousTermByCount` included. An answer outside [commitIndex, last
   * index] throws.
   */
  commitRule: z.custom<CommitRule>((value) => typeof value === "function", {
    error:
      "must be a function ({ matchIndexes, termAt, currentTerm, commitIndex, majority }) => number",
  }).optional(),
  /** Told of role changes, votes, log changes, commits and applies. Default none. */
  observer: z.custom<(event: never) => void>((value) => typeof value === "function", {
    error: "must be a function (event) => void",
  }).optional(),
  /**
   * Builds the state machine a server applies committed commands to: called once per
   * server incarnation (a restarted server rebuilds its state by applying its log
   * again). Its commands must be plain JSON values. Default: a fresh `KvStore`.
   */
  // deno-lint-ignore no-explicit-any
  stateMachine: z.custom<() => StateMachine<any, unknown>>(
    (value) => typeof value === "function",
    { error: "must be a function () => StateMachine" },
  ).optional(),
});

/**
 * `schema` with Raft's rule on its election timeouts: the longest is at least the
 * shortest (reported on `electionTimeoutMaxMs`). Every schema that carries the two fields
 * applies it, so the rule is stated once.
 */
export function electionTimeoutsOrdered<
  S extends z.ZodType<{ electionTimeoutMinMs: number; electionTimeoutMaxMs: number }>,
>(schema: S): S {
  return schema.refine((p) => p.electionTimeoutMaxMs >= p.electionTimeoutMinMs, {
    error: "must be at least electionTimeoutMinMs",
    path: ["electionTimeoutMaxMs"],
  });
}

/** Zod schema of {@link RaftOptions}. */
export const RaftOptionsSchema = electionTimeoutsOrdered(RaftOptionsFields);

/**
 * A server's settings, with defaults applied, for a state machine with commands `C` and
 * results `R` (by default the key-value store's).
 */
export type RaftOptions<C = KvOperation, R = KvResult> =
  & Omit<z.output<typeof RaftOptionsSchema>, "observer" | "stateMachine">
  & {
    readonly observer?: RaftObserver<C, R> | undefined;
    readonly stateMachine?: (() => StateMachine<C, R>) | undefined;
  };

/** What a user may write for {@link RaftOptions}: everything but `servers` is optional. */
export type RaftOptionsInput<C = KvOperation, R = KvResult> =
  & Omit<z.input<typeof RaftOptionsSchema>, "observer" | "stateMachine">
  & {
    readonly observer?: RaftObserver<C, R> | undefined;
    readonly stateMachine?: (() => StateMachine<C, R>) | undefined;
  };

const PARSED = new WeakSet<object>();

/**
 * Validates server settings once, for many servers and restarts: a RaftNode given the
 * result skips validation. A bad value throws a ConfigError naming it.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RaftNode } from "./raft_node.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const options = parseRaftOptions({ servers: ["n1", "n2", "n3"], preVote: true });
 * sim.addNodes(options.servers, (ctx) => new RaftNode(ctx, options));
 * ```
 */
export function parseRaftOptions<C = KvOperation, R = KvResult>(
  input: RaftOptionsInput<C, R>,
): RaftOptions<C, R> {
  if (typeof input === "object" && input !== null && PARSED.has(input)) {
    return input as RaftOptions<C, R>;
  }
  // The schema checks the hooks are functions; their types are the caller's C and R.
  const options = Object.freeze(parseConfig(RaftOptionsSchema, input, "raft")) as RaftOptions<
    C,
    R
  >;
  PARSED.add(options);
  return options;
}
