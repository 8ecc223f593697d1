/**
 * Raft (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm",
 * USENIX ATC 2014) as a state machine over the node contract: it acts only through its
 * context (send, timers, clock, random stream, durable storage, trace notes) and imports
 * nothing from the simulator but types.
 *
 * - Leader election (§5.2) with randomized timeouts, the up-to-date-log vote rule (§5.4.1)
 *   and an optional pre-vote round (Ongaro's thesis, §9.6).
 * - Log replication (§5.3) with the consistency check, fast conflict backup, heartbeats,
 *   and commitment of current-term entries only (§5.4.2).
 * - currentTerm, votedFor and the log kept in durable storage and written before any
 *   message that depends on them is sent (§5, Figure 2: "updated on stable storage before
 *   responding to RPCs").
 * - A key-value state machine with client sessions (§8), and linearizable reads through
 *   the log or by ReadIndex (thesis §6.4).
 *
 * Deliberately broken variants for teaching sit under {@link RaftUnsafeOptions}: each is
 * off by default, and the fault sweep catches each one.
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
import type { DurableStorage, Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { type KvOperation, type KvResult, KvStore, type KvValue } from "./kv_store.ts";

// ---- log entries and messages -------------------------------------------------------

/**
 * What a log entry asks the state machine to do: nothing (the no-op a new leader appends
 * to commit its predecessors' entries, §8) or a key-value operation of a client session.
 */
export type RaftCommand =
  | { readonly kind: "noop" }
  | {
    readonly kind: "kv";
    /** The client that issued it. */
    readonly clientId: string;
    /** The client's sequence number for it: a retry carries the same number. */
    readonly seq: number;
    /** The operation. */
    readonly op: KvOperation;
  };

/** One entry of the replicated log: the leader's term when it was created, and a command. */
export interface RaftEntry {
  /** The term of the leader that appended it. */
  readonly term: number;
  /** What it asks the state machine to do. */
  readonly command: RaftCommand;
}

/** RequestVote (§5.2): a candidate asks for a vote in `term`. */
export interface RequestVoteMessage {
  /** Always "RequestVote". */
  readonly type: "RequestVote";
  /** The candidate's term. */
  readonly term: number;
  /** The candidate. */
  readonly candidate: NodeId;
  /** Index of the candidate's last log entry (0: empty log). */
  readonly lastLogIndex: number;
  /** Term of the candidate's last log entry (0: empty log). */
  readonly lastLogTerm: number;
}

/** The answer to a RequestVote. */
export interface RequestVoteReplyMessage {
  /** Always "RequestVoteReply". */
  readonly type: "RequestVoteReply";
  /** The voter's current term, for the candidate to update itself. */
  readonly term: number;
  /** Whether the vote was granted. */
  readonly granted: boolean;
}

/**
 * PreVote (thesis §9.6): "would you vote for me in `term`?", asked before incrementing
 * the term, so a node cut off from the cluster cannot disrupt it when it comes back.
 */
export interface PreVoteMessage {
  /** Always "PreVote". */
  readonly type: "PreVote";
  /** The term the node would campaign in (its current term plus one). */
  readonly term: number;
  /** The would-be candidate. */
  readonly candidate: NodeId;
  /** Index of its last log entry. */
  readonly lastLogIndex: number;
  /** Term of its last log entry. */
  readonly lastLogTerm: number;
}

/** The answer to a PreVote: `term` is the asked term if granted, else the voter's term. */
export interface PreVoteReplyMessage {
  /** Always "PreVoteReply". */
  readonly type: "PreVoteReply";
  /** The asked term when granted; the voter's current term otherwise. */
  readonly term: number;
  /** Whether the voter would vote. */
  readonly granted: boolean;
}

/** AppendEntries (§5.3): replicate entries after `prevLogIndex`; empty, it is a heartbeat. */
export interface AppendEntriesMessage {
  /** Always "AppendEntries". */
  readonly type: "AppendEntries";
  /** The leader's term. */
  readonly term: number;
  /** The leader, so followers can redirect clients. */
  readonly leader: NodeId;
  /** Index of the entry just before the new ones. */
  readonly prevLogIndex: number;
  /** Its term: the follower must hold the same entry there (the consistency check). */
  readonly prevLogTerm: number;
  /** The entries to store (empty for a heartbeat). */
  readonly entries: readonly RaftEntry[];
  /** The leader's commit index. */
  readonly leaderCommit: number;
  /** The leader's heartbeat round when sent; echoed in the reply, for ReadIndex. */
  readonly round: number;
}

/**
 * The answer to an AppendEntries. On failure, `conflictTerm` and `conflictIndex` let the
 * leader skip a whole term of mismatching entries at once instead of one entry per round
 * trip (the optimization §5.3 sketches).
 */
export interface AppendEntriesReplyMessage {
  /** Always "AppendEntriesReply". */
  readonly type: "AppendEntriesReply";
  /** The follower's current term. */
  readonly term: number;
  /** Whether the consistency check passed and the entries are stored. */
  readonly success: boolean;
  /** On success, the index of the last entry now known to match the leader's log. */
  readonly matchIndex: number;
  /** On failure, where the leader should look: the first index of `conflictTerm`, or the follower's last index + 1. */
  readonly conflictIndex: number;
  /** On failure, the term of the follower's entry at `prevLogIndex` (0: it has none). */
  readonly conflictTerm: number;
  /** The round of the AppendEntries this answers. */
  readonly round: number;
}

/** A client's request: one key-value operation, numbered in the client's session. */
export interface ClientRequestMessage {
  /** Always "ClientRequest". */
  readonly type: "ClientRequest";
  /** The client's session id. */
  readonly clientId: string;
  /** The operation's number in the session (the same for every retry). */
  readonly seq: number;
  /** The operation. */
  readonly op: KvOperation;
}

/**
 * A server's answer to a client: `ok` (done; `value` is what a read read), `fail` (a cas
 * that found another value: nothing changed) or `not-leader` (try `leaderHint`).
 */
export interface ClientReplyMessage {
  /** Always "ClientReply". */
  readonly type: "ClientReply";
  /** The session the request came from. */
  readonly clientId: string;
  /** The request's sequence number. */
  readonly seq: number;
  /** What happened. */
  readonly status: "ok" | "fail" | "not-leader";
  /** The value read, or the key's value a failed cas found; null otherwise. */
  readonly value: KvValue;
  /** With `not-leader`: the leader this server knows of, if any. */
  readonly leaderHint: NodeId | null;
}

/** Every message of a Raft cluster and its clients. */
export type RaftMessage =
  | RequestVoteMessage
  | RequestVoteReplyMessage
  | PreVoteMessage
  | PreVoteReplyMessage
  | AppendEntriesMessage
  | AppendEntriesReplyMessage
  | ClientRequestMessage
  | ClientReplyMessage;

/**
 * A server's timers: `election` (no leader heard from: campaign), `heartbeat` (a leader's
 * periodic AppendEntries), `vote-retry` (a candidate asks again those that have not
 * answered; RPCs are retried, §5.1) and `disk-write` (messages that wait for the durable
 * write they depend on, with {@link RaftOptions} `diskWriteMs`).
 */
export type RaftTimer =
  | { readonly type: "election" }
  | { readonly type: "heartbeat" }
  | { readonly type: "vote-retry" }
  | { readonly type: "disk-write"; readonly messages: readonly OutgoingMessage[] };

/** A message waiting for a disk write to finish before it leaves. */
export interface OutgoingMessage {
  /** Its destination. */
  readonly to: NodeId;
  /** The message. */
  readonly message: RaftMessage;
}

const ELECTION: RaftTimer = Object.freeze({ type: "election" });
const HEARTBEAT: RaftTimer = Object.freeze({ type: "heartbeat" });
const VOTE_RETRY: RaftTimer = Object.freeze({ type: "vote-retry" });

/** A server's role. `pre-candidate` exists only with pre-vote on. */
export type RaftRole = "follower" | "pre-candidate" | "candidate" | "leader";

// ---- options --------------------------------------------------------------------------

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

/** Something that happened inside a server, told to a {@link RaftObserver}. */
export type RaftEvent =
  | {
    /** The server's role or term changed. */
    readonly kind: "role";
    readonly node: RaftNode;
    readonly role: RaftRole;
    readonly term: number;
  }
  | {
    /** The server granted its vote. */
    readonly kind: "vote";
    readonly node: RaftNode;
    readonly term: number;
    readonly candidate: NodeId;
  }
  | {
    /**
     * The log changed from `fromIndex` on: entries from there to the last index are new,
     * and any entry the log held past its new end was removed.
     */
    readonly kind: "log";
    readonly node: RaftNode;
    readonly fromIndex: number;
  }
  | {
    /** The commit index rose from `fromIndex - 1` to `toIndex`. */
    readonly kind: "commit";
    readonly node: RaftNode;
    readonly fromIndex: number;
    readonly toIndex: number;
  }
  | {
    /** The entry at `index` was applied to the state machine. */
    readonly kind: "apply";
    readonly node: RaftNode;
    readonly index: number;
    readonly entry: RaftEntry;
    /** The key-value result, for a kv entry. */
    readonly result: KvResult | undefined;
  };

/**
 * Told of each {@link RaftEvent} as it happens. An observer's hook: the server ignores
 * what it does, and it must only read the server's state, never act on the simulation.
 */
export type RaftObserver = (event: RaftEvent) => void;

/** Names of the deliberately broken variants, for sweeps and experiment parameters. */
export const RAFT_UNSAFE_VARIANTS = [
  "voteWithoutLogCheck",
  "commitPreviousTermByCount",
  "forgetVotedFor",
  "localReads",
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
});

/** The deliberately broken variants, each off by default. */
export type RaftUnsafeOptions = z.output<typeof RaftUnsafeOptionsSchema>;

/** Zod schema of {@link RaftOptions}. */
export const RaftOptionsSchema = z.strictObject({
  /** Every server of the cluster, this one included (clients are not members). */
  servers: z.array(nodeIdField()).min(1, { error: "must name at least one server" }),
  /** Shortest election timeout, in ms of the server's clock. Default 150. */
  electionTimeoutMinMs: positiveMs().default(150),
  /** Longest election timeout (each timeout is uniform between the two). Default 300. */
  electionTimeoutMaxMs: positiveMs().default(300),
  /** Time between a leader's heartbeats, in ms. Default 50. */
  heartbeatIntervalMs: positiveMs().default(50),
  /** Ask for pre-votes before starting an election (thesis §9.6). Default false. */
  preVote: z.boolean().default(false),
  /**
   * A new leader appends a no-op entry of its term at once, so entries of earlier terms
   * commit without waiting for a client (§8). Default true.
   */
  appendNoopOnElection: z.boolean().default(true),
  /**
   * How long a durable write takes, in ms: a RequestVote or AppendEntries reply that
   * follows a write of the term, the vote or log entries leaves only when the write is
   * done (Figure 2: "updated on stable storage before responding to RPCs"). With the
   * network's latency it makes the paper's broadcast time. Requests are not held back:
   * the storage here is durable the moment it is written, so only the reply's delay is
   * modelled. Default 0 (instant).
   */
  diskWriteMs: nonNegativeMs().default(0),
  /** Each write takes `diskWriteMs` plus up to this much more, uniformly. Default 0. */
  diskWriteJitterMs: nonNegativeMs().default(0),
  /** Most entries in one AppendEntries. Default 64. */
  maxEntriesPerMessage: integerAtLeast(1).default(64),
  /**
   * How reads are made linearizable: `read-index` (the leader confirms it still leads
   * with a heartbeat round, then answers from its state once it has applied up to the
   * commit index it saw: thesis §6.4) or `log` (a read is a log entry like a write).
   * Default "read-index".
   */
  reads: z.enum(["read-index", "log"]).default("read-index"),
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
  observer: z.custom<RaftObserver>((value) => typeof value === "function", {
    error: "must be a function (event) => void",
  }).optional(),
}).refine((options) => options.electionTimeoutMaxMs >= options.electionTimeoutMinMs, {
  error: "must be at least electionTimeoutMinMs",
  path: ["electionTimeoutMaxMs"],
});

/** A server's settings, with defaults applied. */
export type RaftOptions = z.output<typeof RaftOptionsSchema>;

/** What a user may write for {@link RaftOptions}: everything but `servers` is optional. */
export type RaftOptionsInput = z.input<typeof RaftOptionsSchema>;

const PARSED = new WeakSet<object>();

/**
 * Validates server settings once, for many servers and restarts: a RaftNode given the
 * result skips validation. A bad value throws a ConfigError naming it.
 *
 * @example
 * ```ts
 * const options = parseRaftOptions({ servers: ["n1", "n2", "n3"], preVote: true });
 * sim.addNodes(options.servers, (ctx) => new RaftNode(ctx, options));
 * ```
 */
export function parseRaftOptions(input: RaftOptionsInput): RaftOptions {
  if (typeof input === "object" && input !== null && PARSED.has(input)) {
    return input as RaftOptions;
  }
  const options = Object.freeze(parseConfig(RaftOptionsSchema, input, "raft"));
  PARSED.add(options);
  return options;
}

// ---- durable state --------------------------------------------------------------------

/**
 * Storage keys: the term, the vote, the log's length and one key per entry. Entries are
 * stored as JSON text: storage copies what it is given, and copying a string is far
 * cheaper than copying an object, which matters in sweeps of thousands of runs.
 */
const TERM_KEY = "raft:currentTerm";
const VOTE_KEY = "raft:votedFor";
const LENGTH_KEY = "raft:logLength";
const entryKey = (index: number) => `raft:log:${index}`;

/** The durable state of a server, as {@link writeRaftState} writes it. */
export interface RaftDurableState {
  /** The latest term the server has seen. Default 0. */
  readonly currentTerm?: number;
  /** Whom it voted for in that term. Default none. */
  readonly votedFor?: NodeId | null;
  /** Its log, index 1 first. Default empty. */
  readonly log?: readonly RaftEntry[];
}

/**
 * Writes a server's durable state before it starts: how scenarios set up logs of
 * different lengths or the starting point of the paper's Figure 8. Overwrites what the
 * storage held under Raft's keys.
 *
 * @example
 * ```ts
 * writeRaftState(sim.storage("n2"), { currentTerm: 1, log: [{ term: 1, command: { kind: "noop" } }] });
 * ```
 */
export function writeRaftState(storage: DurableStorage, state: RaftDurableState): void {
  const log = state.log ?? [];
  const old = storage.get<number>(LENGTH_KEY) ?? 0;
  for (let index = log.length + 1; index <= old; index++) storage.delete(entryKey(index));
  storage.set(TERM_KEY, state.currentTerm ?? 0);
  storage.set(VOTE_KEY, state.votedFor ?? null);
  log.forEach((entry, i) => storage.set(entryKey(i + 1), JSON.stringify(entry)));
  storage.set(LENGTH_KEY, log.length);
}

/** Reads a server's durable state (what a restarted server recovers from). */
export function readRaftState(
  storage: DurableStorage,
): { currentTerm: number; votedFor: NodeId | null; log: RaftEntry[] } {
  const length = storage.get<number>(LENGTH_KEY) ?? 0;
  const log: RaftEntry[] = [];
  for (let index = 1; index <= length; index++) {
    const text = storage.get<string>(entryKey(index));
    if (typeof text !== "string") {
      throw new RangeError(`Cannot read the Raft log: entry ${index} of ${length} is missing`);
    }
    log.push(freezeEntry(JSON.parse(text) as RaftEntry));
  }
  return {
    currentTerm: storage.get<number>(TERM_KEY) ?? 0,
    votedFor: storage.get<NodeId | null>(VOTE_KEY) ?? null,
    log,
  };
}

function freezeEntry(entry: RaftEntry): RaftEntry {
  if (Object.isFrozen(entry)) return entry;
  if (entry.command.kind === "kv") Object.freeze(entry.command.op);
  Object.freeze(entry.command);
  return Object.freeze(entry);
}

/** A no-op entry of `term`. */
export function noopEntry(term: number): RaftEntry {
  return freezeEntry({ term, command: { kind: "noop" } });
}

// ---- the server -----------------------------------------------------------------------

interface PendingRead {
  readonly client: NodeId;
  readonly clientId: string;
  readonly seq: number;
  readonly key: string;
  readIndex: number;
  round: number;
}

/** Where a leader stands with one follower (§5.3). */
export interface FollowerProgress {
  /** The follower. */
  readonly peer: NodeId;
  /** The next entry the leader will send it. */
  readonly nextIndex: number;
  /** The highest entry known to match the leader's log there. */
  readonly matchIndex: number;
}

/**
 * One Raft server. Everything it knows survives a crash only through `ctx.storage`:
 * currentTerm, votedFor and the log. The commit index, the state machine and the
 * leader's bookkeeping are volatile and rebuilt after a restart (§5, Figure 2).
 *
 * Observers read its state through getters that hand out frozen entries and copies, so
 * they cannot change it.
 *
 * @example
 * ```ts
 * const servers = ["n1", "n2", "n3"];
 * const sim = new Simulation<RaftMessage>({ seed: 1 });
 * sim.addNodes(servers, (ctx) => new RaftNode(ctx, { servers }));
 * sim.runUntilTrue(() => servers.some((id) => sim.node<RaftNode>(id)?.role === "leader"));
 * ```
 */
export class RaftNode implements Node<RaftMessage, RaftTimer> {
  readonly #ctx: NodeContext<RaftMessage, RaftTimer>;
  readonly #options: RaftOptions;
  readonly #peers: readonly NodeId[];
  readonly #majority: number;
  readonly #upToDate: UpToDateRule;
  readonly #observer: RaftObserver | undefined;

  // Durable (mirrored in storage).
  #currentTerm: number;
  #votedFor: NodeId | null;
  readonly #log: RaftEntry[];

  // Volatile.
  #role: RaftRole = "follower";
  #leaderId: NodeId | null = null;
  #commitIndex = 0;
  #lastApplied = 0;
  readonly #kv = new KvStore();
  #electionTimer: TimerId | undefined;
  #heartbeatTimer: TimerId | undefined;
  #lastLeaderContactMs = -Infinity;
  #votes = new Set<NodeId>();
  #answered = new Set<NodeId>();
  /** Whether the current step has written to storage: replies then wait for the disk. */
  #wrote = false;
  #afterWrite: OutgoingMessage[] = [];

  // Leader only.
  readonly #nextIndex = new Map<NodeId, number>();
  readonly #matchIndex = new Map<NodeId, number>();
  readonly #ackedRound = new Map<NodeId, number>();
  #round = 0;
  /** Per client session: the request waiting for its entry to apply, and where to answer. */
  readonly #waiting = new Map<string, { seq: number; client: NodeId }>();
  #reads: PendingRead[] = [];
  #readsAwaitingTermCommit: PendingRead[] = [];

  /**
   * A server acting through `ctx`. It recovers currentTerm, votedFor and its log from
   * `ctx.storage` (empty on a first start). A bad option throws a ConfigError naming it.
   */
  constructor(ctx: NodeContext<RaftMessage, RaftTimer>, options: RaftOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseRaftOptions(options);
    if (!this.#options.servers.includes(ctx.id)) {
      throw new RangeError(
        `Cannot start Raft server ${ctx.id}: it is not in servers (${
          this.#options.servers.join(", ")
        })`,
      );
    }
    this.#peers = this.#options.servers.filter((id) => id !== ctx.id);
    this.#majority = Math.floor(this.#options.servers.length / 2) + 1;
    this.#upToDate = this.#options.upToDate ?? logIsAtLeastAsUpToDate;
    this.#observer = this.#options.observer;
    const durable = readRaftState(ctx.storage);
    this.#currentTerm = durable.currentTerm;
    this.#votedFor = this.#options.unsafe.forgetVotedFor ? null : durable.votedFor;
    this.#log = durable.log;
  }

  // ---- read-only state ----------------------------------------------------------------

  /** This server's id. */
  get id(): NodeId {
    return this.#ctx.id;
  }

  /** Its role now. */
  get role(): RaftRole {
    return this.#role;
  }

  /** The latest term it has seen. */
  get currentTerm(): number {
    return this.#currentTerm;
  }

  /** Whom it voted for in the current term, or null. */
  get votedFor(): NodeId | null {
    return this.#votedFor;
  }

  /** The leader it follows in the current term (itself when leading), or null. */
  get leaderId(): NodeId | null {
    return this.#leaderId;
  }

  /** The highest log index it knows to be committed. */
  get commitIndex(): number {
    return this.#commitIndex;
  }

  /** The highest log index it has applied to its state machine. */
  get lastApplied(): number {
    return this.#lastApplied;
  }

  /** Index of its last log entry (0: empty). */
  get lastLogIndex(): number {
    return this.#log.length;
  }

  /** Term of its last log entry (0: empty). */
  get lastLogTerm(): number {
    return this.termAt(this.#log.length);
  }

  /** The settings it runs with. */
  get options(): RaftOptions {
    return this.#options;
  }

  /** The term of the entry at `index` (0 for index 0 and beyond the end). */
  termAt(index: number): number {
    return index >= 1 && index <= this.#log.length ? this.#log[index - 1]!.term : 0;
  }

  /** The (frozen) entry at `index`, or undefined. */
  entry(index: number): RaftEntry | undefined {
    return this.#log[index - 1];
  }

  /** A copy of the log from index `from` (default 1) to `to` (default the last), index 1 first. */
  entries(from = 1, to = this.#log.length): RaftEntry[] {
    return this.#log.slice(Math.max(0, from - 1), Math.max(0, to));
  }

  /** The terms of the log's entries, index 1 first. */
  logTerms(): number[] {
    return this.#log.map((entry) => entry.term);
  }

  /** The value of `key` in its state machine (what it has applied). */
  read(key: string): KvValue {
    return this.#kv.read(key);
  }

  /** A copy of its state machine's map. */
  snapshot(): Record<string, KvValue> {
    return this.#kv.snapshot();
  }

  /** A leader's view of each follower; empty unless leading. */
  progress(): FollowerProgress[] {
    if (this.#role !== "leader") return [];
    return this.#peers.map((peer) => ({
      peer,
      nextIndex: this.#nextIndex.get(peer) ?? this.#log.length + 1,
      matchIndex: this.#matchIndex.get(peer) ?? 0,
    }));
  }

  // ---- inputs -------------------------------------------------------------------------

  /** Starts as a follower of no one, with an election timer running. */
  start(): void {
    this.#ctx.log("became follower", { term: this.#currentTerm });
    this.#tell({ kind: "role", node: this, role: "follower", term: this.#currentTerm });
    this.#resetElectionTimer();
  }

  /** Runs one step; messages that depend on a write made in it leave when the write is done. */
  #step(action: () => void): void {
    this.#wrote = false;
    action();
    if (this.#afterWrite.length === 0) return;
    const messages = this.#afterWrite;
    this.#afterWrite = [];
    const { diskWriteMs, diskWriteJitterMs } = this.#options;
    const delayMs = diskWriteMs +
      (diskWriteJitterMs > 0 ? this.#ctx.random.uniform(0, diskWriteJitterMs) : 0);
    this.#ctx.setTimer(delayMs, { type: "disk-write", messages });
  }

  /** Sends now, or after this step's disk write when the message depends on it. */
  #send(to: NodeId, message: RaftMessage): void {
    if (
      this.#wrote && this.#options.diskWriteMs + this.#options.diskWriteJitterMs > 0 &&
      (message.type === "RequestVoteReply" || message.type === "AppendEntriesReply")
    ) {
      this.#afterWrite.push({ to, message });
    } else {
      this.#ctx.send(to, message);
    }
  }

  /**
   * Starts an election now, as if the election timer had fired (etcd's `Campaign`):
   * how scripted scenarios choose who runs. Does nothing on a leader.
   */
  campaign(): void {
    this.#step(() => this.#campaign());
  }

  #campaign(): void {
    if (this.#role === "leader") return;
    if (this.#options.preVote) this.#becomePreCandidate();
    else this.#becomeCandidate();
  }

  /** Handles a message from a server or a client. */
  onMessage(from: NodeId, message: RaftMessage): void {
    this.#step(() => this.#dispatch(from, message));
  }

  #dispatch(from: NodeId, message: RaftMessage): void {
    switch (message.type) {
      case "RequestVote":
        return this.#onRequestVote(from, message);
      case "RequestVoteReply":
        return this.#onRequestVoteReply(from, message);
      case "PreVote":
        return this.#onPreVote(from, message);
      case "PreVoteReply":
        return this.#onPreVoteReply(from, message);
      case "AppendEntries":
        return this.#onAppendEntries(from, message);
      case "AppendEntriesReply":
        return this.#onAppendEntriesReply(from, message);
      case "ClientRequest":
        return this.#onClientRequest(from, message);
      case "ClientReply":
        return;
    }
  }

  /** Handles the election timeout, a leader's heartbeat tick, or a candidate's retry. */
  onTimer(timer: RaftTimer, id: TimerId): void {
    if (timer.type === "disk-write") {
      for (const { to, message } of timer.messages) this.#ctx.send(to, message);
      return;
    }
    this.#step(() => this.#onTick(timer, id));
  }

  #onTick(timer: RaftTimer, id: TimerId): void {
    switch (timer.type) {
      case "disk-write":
        return;
      case "election":
        if (id !== this.#electionTimer) return;
        this.#electionTimer = undefined;
        // §5.2: no AppendEntries from a current leader and no vote granted for a whole
        // timeout: start an election.
        if (this.#role !== "leader") this.#campaign();
        return;
      case "heartbeat":
        if (id !== this.#heartbeatTimer) return;
        this.#heartbeatTimer = undefined;
        if (this.#role === "leader") {
          this.#broadcastAppend();
          this.#heartbeatTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, HEARTBEAT);
        }
        return;
      case "vote-retry":
        if (id !== this.#heartbeatTimer) return;
        this.#heartbeatTimer = undefined;
        if (this.#role === "candidate" || this.#role === "pre-candidate") {
          this.#requestVotes(true);
          this.#heartbeatTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, VOTE_RETRY);
        }
        return;
    }
  }

  // ---- role changes -------------------------------------------------------------------

  /**
   * Becomes a follower in `term` (at least the current term), following `leader` if
   * known. A higher term clears the vote (§5.1: "If RPC request or response contains term
   * T > currentTerm: set currentTerm = T, convert to follower").
   */
  #becomeFollower(term: number, leader: NodeId | null): void {
    if (term < this.#currentTerm) {
      throw new Error(
        `Cannot become a follower in term ${term}: ${this.id} is already in term ${this.#currentTerm}`,
      );
    }
    const changed = this.#role !== "follower" || term !== this.#currentTerm;
    if (term > this.#currentTerm) {
      this.#currentTerm = term;
      this.#votedFor = null;
      this.#persistTermAndVote();
    }
    const wasLeader = this.#role === "leader";
    this.#role = "follower";
    this.#leaderId = leader;
    if (this.#heartbeatTimer !== undefined) {
      this.#ctx.cancelTimer(this.#heartbeatTimer);
      this.#heartbeatTimer = undefined;
    }
    if (wasLeader) this.#forgetLeadership();
    if (this.#electionTimer === undefined) this.#resetElectionTimer();
    if (changed) {
      this.#ctx.log("became follower", { term, ...(leader === null ? {} : { leader }) });
      this.#tell({ kind: "role", node: this, role: "follower", term });
    }
  }

  /** Asks for pre-votes for term + 1 without changing the term (thesis §9.6). */
  #becomePreCandidate(): void {
    if (this.#role === "leader") {
      throw new Error(
        `Cannot become a pre-candidate: ${this.id} leads term ${this.#currentTerm}`,
      );
    }
    this.#role = "pre-candidate";
    this.#leaderId = null;
    this.#votes = new Set([this.id]);
    this.#answered = new Set([this.id]);
    this.#ctx.log("became pre-candidate", { term: this.#currentTerm + 1 });
    this.#tell({ kind: "role", node: this, role: "pre-candidate", term: this.#currentTerm });
    this.#resetElectionTimer();
    if (this.#votes.size >= this.#majority) {
      this.#becomeCandidate();
      return;
    }
    this.#requestVotes(false);
    this.#restartTickTimer(VOTE_RETRY);
  }

  /** Starts an election: next term, a vote for itself, RequestVote to every peer (§5.2). */
  #becomeCandidate(): void {
    if (this.#role === "leader") {
      throw new Error(`Cannot become a candidate: ${this.id} leads term ${this.#currentTerm}`);
    }
    this.#currentTerm++;
    this.#votedFor = this.id;
    this.#persistTermAndVote();
    this.#role = "candidate";
    this.#leaderId = null;
    this.#votes = new Set([this.id]);
    this.#answered = new Set([this.id]);
    this.#ctx.log("became candidate", { term: this.#currentTerm });
    this.#tell({ kind: "role", node: this, role: "candidate", term: this.#currentTerm });
    this.#resetElectionTimer();
    if (this.#votes.size >= this.#majority) {
      this.#becomeLeader();
      return;
    }
    this.#requestVotes(false);
    this.#restartTickTimer(VOTE_RETRY);
  }

  /** Takes office with a majority of votes in the current term (§5.2). */
  #becomeLeader(): void {
    if (this.#role !== "candidate" || this.#votes.size < this.#majority) {
      throw new Error(
        `Cannot become leader: ${this.id} is a ${this.#role} with ${this.#votes.size} of ` +
          `${this.#majority} votes needed in term ${this.#currentTerm}`,
      );
    }
    this.#role = "leader";
    this.#leaderId = this.id;
    if (this.#electionTimer !== undefined) {
      this.#ctx.cancelTimer(this.#electionTimer);
      this.#electionTimer = undefined;
    }
    this.#nextIndex.clear();
    this.#matchIndex.clear();
    this.#ackedRound.clear();
    this.#round = 0;
    this.#ctx.log("became leader", { term: this.#currentTerm });
    this.#tell({ kind: "role", node: this, role: "leader", term: this.#currentTerm });
    // Figure 2: nextIndex starts just past the leader's last entry. Set before the no-op
    // is appended, the first AppendEntries carries the no-op itself.
    for (const peer of this.#peers) {
      this.#nextIndex.set(peer, this.#log.length + 1);
      this.#matchIndex.set(peer, 0);
    }
    if (this.#options.appendNoopOnElection) this.#appendLocal(noopEntry(this.#currentTerm));
    this.#broadcastAppend();
    this.#restartTickTimer(HEARTBEAT);
    this.#advanceLeaderCommit();
  }

  #forgetLeadership(): void {
    this.#nextIndex.clear();
    this.#matchIndex.clear();
    this.#ackedRound.clear();
    this.#waiting.clear();
    this.#reads = [];
    this.#readsAwaitingTermCommit = [];
  }

  // ---- elections ----------------------------------------------------------------------

  #requestVotes(onlyUnanswered: boolean): void {
    const pre = this.#role === "pre-candidate";
    const term = pre ? this.#currentTerm + 1 : this.#currentTerm;
    const lastLogIndex = this.#log.length;
    const lastLogTerm = this.lastLogTerm;
    for (const peer of this.#peers) {
      if (onlyUnanswered && this.#answered.has(peer)) continue;
      this.#send(
        peer,
        pre
          ? { type: "PreVote", term, candidate: this.id, lastLogIndex, lastLogTerm }
          : { type: "RequestVote", term, candidate: this.id, lastLogIndex, lastLogTerm },
      );
    }
  }

  #onRequestVote(from: NodeId, message: RequestVoteMessage): void {
    if (message.term > this.#currentTerm) this.#becomeFollower(message.term, null);
    let granted = false;
    if (
      message.term === this.#currentTerm &&
      (this.#votedFor === null || this.#votedFor === message.candidate) &&
      this.#role !== "leader" &&
      this.#mayVoteFor(message.lastLogTerm, message.lastLogIndex)
    ) {
      granted = true;
      if (this.#votedFor !== message.candidate) {
        this.#votedFor = message.candidate;
        // The vote is on disk before the reply that grants it leaves (Figure 2).
        this.#persistTermAndVote();
        this.#ctx.log("voted", { term: this.#currentTerm, for: message.candidate });
        this.#tell({
          kind: "vote",
          node: this,
          term: this.#currentTerm,
          candidate: message.candidate,
        });
      }
      // §5.2: granting a vote resets the election timer.
      this.#resetElectionTimer();
      if (this.#role === "pre-candidate") this.#becomeFollower(this.#currentTerm, null);
    }
    this.#send(from, { type: "RequestVoteReply", term: this.#currentTerm, granted });
  }

  /** Raft §5.4.1: vote only for a candidate whose log is at least as up to date. */
  #mayVoteFor(lastLogTerm: number, lastLogIndex: number): boolean {
    if (this.#options.unsafe.voteWithoutLogCheck) return true;
    return this.#upToDate(lastLogTerm, lastLogIndex, this.lastLogTerm, this.#log.length) === true;
  }

  #onRequestVoteReply(from: NodeId, message: RequestVoteReplyMessage): void {
    if (message.term > this.#currentTerm) {
      this.#becomeFollower(message.term, null);
      return;
    }
    if (this.#role !== "candidate" || message.term !== this.#currentTerm) return;
    this.#answered.add(from);
    if (!message.granted) return;
    this.#votes.add(from);
    if (this.#votes.size >= this.#majority) this.#becomeLeader();
  }

  #onPreVote(from: NodeId, message: PreVoteMessage): void {
    // A pre-vote changes nothing here: no term update, no vote recorded. It is refused
    // while this server hears from a leader (its lease has not run out), so a node coming
    // back from a partition cannot depose a healthy leader.
    const hearsLeader = this.#role === "leader" ||
      (this.#leaderId !== null &&
        this.#ctx.now() - this.#lastLeaderContactMs < this.#options.electionTimeoutMinMs);
    const granted = message.term > this.#currentTerm && !hearsLeader &&
      this.#mayVoteFor(message.lastLogTerm, message.lastLogIndex);
    this.#ctx.send(from, {
      type: "PreVoteReply",
      term: granted ? message.term : this.#currentTerm,
      granted,
    });
  }

  #onPreVoteReply(from: NodeId, message: PreVoteReplyMessage): void {
    if (this.#role !== "pre-candidate") return;
    if (!message.granted) {
      if (message.term > this.#currentTerm) this.#becomeFollower(message.term, null);
      else this.#answered.add(from);
      return;
    }
    if (message.term !== this.#currentTerm + 1) return;
    this.#answered.add(from);
    this.#votes.add(from);
    if (this.#votes.size >= this.#majority) this.#becomeCandidate();
  }

  // ---- replication: follower side -----------------------------------------------------

  #onAppendEntries(from: NodeId, message: AppendEntriesMessage): void {
    if (message.term < this.#currentTerm) {
      // A deposed leader: the higher term in the reply makes it step down.
      this.#replyAppend(from, false, 0, 0, 0, message.round);
      return;
    }
    if (message.term > this.#currentTerm || this.#role !== "follower") {
      this.#becomeFollower(message.term, message.leader);
    }
    this.#leaderId = message.leader;
    this.#lastLeaderContactMs = this.#ctx.now();
    this.#resetElectionTimer();

    // §5.3 consistency check: the entry before the new ones must match the leader's.
    const prev = message.prevLogIndex;
    if (prev > this.#log.length) {
      this.#replyAppend(from, false, 0, this.#log.length + 1, 0, message.round);
      return;
    }
    const termThere = this.termAt(prev);
    if (prev > 0 && termThere !== message.prevLogTerm) {
      let first = prev;
      while (first > 1 && this.termAt(first - 1) === termThere) first--;
      this.#replyAppend(from, false, 0, first, termThere, message.round);
      return;
    }

    // Entries already held with the same term are kept: a late or duplicated
    // AppendEntries must not cut off entries a newer one appended (§5.3: delete only on a
    // conflict).
    let index = prev;
    let changedFrom = 0;
    for (const entry of message.entries) {
      index++;
      if (index <= this.#log.length) {
        if (this.termAt(index) === entry.term) continue;
        this.#truncateFrom(index);
      }
      this.#storeEntry(index, entry);
      if (changedFrom === 0) changedFrom = index;
    }
    if (changedFrom > 0) {
      this.#ctx.storage.set(LENGTH_KEY, this.#log.length);
      this.#tell({ kind: "log", node: this, fromIndex: changedFrom });
    }
    const lastNew = prev + message.entries.length;
    if (message.leaderCommit > this.#commitIndex) {
      const target = Math.min(message.leaderCommit, lastNew);
      if (target > this.#commitIndex) this.#advanceCommit(target);
    }
    this.#replyAppend(from, true, lastNew, 0, 0, message.round);
  }

  #replyAppend(
    to: NodeId,
    success: boolean,
    matchIndex: number,
    conflictIndex: number,
    conflictTerm: number,
    round: number,
  ): void {
    this.#send(to, {
      type: "AppendEntriesReply",
      term: this.#currentTerm,
      success,
      matchIndex,
      conflictIndex,
      conflictTerm,
      round,
    });
  }

  // ---- replication: leader side -------------------------------------------------------

  #broadcastAppend(): void {
    for (const peer of this.#peers) this.#sendAppend(peer);
  }

  #sendAppend(peer: NodeId): void {
    const next = this.#nextIndex.get(peer) ?? this.#log.length + 1;
    const prev = next - 1;
    const end = Math.min(this.#log.length, prev + this.#options.maxEntriesPerMessage);
    this.#ctx.send(peer, {
      type: "AppendEntries",
      term: this.#currentTerm,
      leader: this.id,
      prevLogIndex: prev,
      prevLogTerm: this.termAt(prev),
      entries: end > prev ? this.#log.slice(prev, end) : [],
      leaderCommit: this.#commitIndex,
      round: this.#round,
    });
  }

  #onAppendEntriesReply(from: NodeId, message: AppendEntriesReplyMessage): void {
    if (message.term > this.#currentTerm) {
      this.#becomeFollower(message.term, null);
      return;
    }
    if (this.#role !== "leader" || message.term !== this.#currentTerm) return;
    // Any reply in this term acknowledges this server as leader, success or not.
    if (message.round > (this.#ackedRound.get(from) ?? -1)) {
      this.#ackedRound.set(from, message.round);
    }
    const match = this.#matchIndex.get(from) ?? 0;
    if (message.success) {
      if (message.matchIndex > match) {
        this.#matchIndex.set(from, message.matchIndex);
        if (message.matchIndex + 1 > (this.#nextIndex.get(from) ?? 0)) {
          this.#nextIndex.set(from, message.matchIndex + 1);
        }
        this.#advanceLeaderCommit();
      }
      if ((this.#nextIndex.get(from) ?? 0) <= this.#log.length) this.#sendAppend(from);
    } else {
      // Fast backup: skip the follower's whole conflicting term at once.
      let next = message.conflictIndex;
      if (message.conflictTerm > 0) {
        let last = this.#log.length;
        while (last > 0 && this.termAt(last) > message.conflictTerm) last--;
        if (last > 0 && this.termAt(last) === message.conflictTerm) next = last + 1;
      }
      const current = this.#nextIndex.get(from) ?? this.#log.length + 1;
      // A late reply to an older AppendEntries may point past where the leader already
      // looks; stepping back one entry then is harmless and never stalls.
      if (next >= current) next = current - 1;
      next = Math.max(match + 1, Math.min(next, this.#log.length + 1));
      if (next < current) {
        this.#nextIndex.set(from, next);
        this.#sendAppend(from);
      }
    }
    this.#serveReads();
  }

  /**
   * Raft §5.4.2: a leader counts replicas only for entries of its own term; entries of
   * earlier terms become committed indirectly, with the first current-term entry after
   * them (Figure 8 shows an "old" entry stored on a majority and still overwritten).
   */
  #advanceLeaderCommit(): void {
    const matches = [this.#log.length];
    for (const peer of this.#peers) matches.push(this.#matchIndex.get(peer) ?? 0);
    const rule = this.#options.commitRule;
    if (rule !== undefined) {
      this.#advanceByRule(rule, matches);
      return;
    }
    matches.sort((a, b) => b - a);
    const stored = matches[this.#majority - 1]!;
    if (stored <= this.#commitIndex) return;
    if (
      this.termAt(stored) === this.#currentTerm || this.#options.unsafe.commitPreviousTermByCount
    ) {
      this.#advanceCommit(stored);
      if (this.#readsAwaitingTermCommit.length > 0) this.#startAwaitingReads();
    }
  }

  #advanceByRule(rule: CommitRule, matchIndexes: readonly number[]): void {
    const next = rule({
      matchIndexes,
      termAt: (index) => this.termAt(index),
      currentTerm: this.#currentTerm,
      commitIndex: this.#commitIndex,
      majority: this.#majority,
    });
    if (
      typeof next !== "number" || !Number.isInteger(next) || next < this.#commitIndex ||
      next > this.#log.length
    ) {
      throw new RangeError(
        `Cannot advance the commit index of ${this.id}: the commit rule returned ` +
          `${
            String(next)
          }, expected a whole number from ${this.#commitIndex} to ${this.#log.length}`,
      );
    }
    if (next > this.#commitIndex) {
      this.#advanceCommit(next);
      if (this.#readsAwaitingTermCommit.length > 0) this.#startAwaitingReads();
    }
  }

  #appendLocal(entry: RaftEntry): number {
    const index = this.#log.length + 1;
    this.#storeEntry(index, entry);
    this.#ctx.storage.set(LENGTH_KEY, this.#log.length);
    this.#tell({ kind: "log", node: this, fromIndex: index });
    return index;
  }

  // ---- commit and apply ---------------------------------------------------------------

  #advanceCommit(index: number): void {
    const from = this.#commitIndex + 1;
    this.#commitIndex = index;
    if (this.#role === "leader") this.#ctx.log("committed", { upTo: index });
    this.#tell({ kind: "commit", node: this, fromIndex: from, toIndex: index });
    this.#applyCommitted();
  }

  #applyCommitted(): void {
    while (this.#lastApplied < this.#commitIndex) {
      const index = this.#lastApplied + 1;
      const entry = this.#log[index - 1];
      // Only a broken variant can commit past the end of the log (after a committed entry
      // was cut off); the invariants report that, so stop here.
      if (entry === undefined) break;
      this.#lastApplied = index;
      let result: KvResult | undefined;
      const command = entry.command;
      if (command.kind === "kv") {
        result = this.#kv.apply(command.op, command).result;
      }
      this.#tell({ kind: "apply", node: this, index, entry, result });
      if (command.kind === "kv" && result !== undefined && this.#role === "leader") {
        const waiting = this.#waiting.get(command.clientId);
        if (waiting !== undefined && waiting.seq === command.seq) {
          this.#waiting.delete(command.clientId);
          this.#replyClient(waiting.client, command.clientId, command.seq, result);
        }
      }
    }
    if (this.#reads.length > 0) this.#serveReads();
  }

  // ---- clients ------------------------------------------------------------------------

  #onClientRequest(from: NodeId, message: ClientRequestMessage): void {
    if (this.#role !== "leader") {
      const hint = this.#leaderId === this.id ? null : this.#leaderId;
      this.#ctx.send(from, {
        type: "ClientReply",
        clientId: message.clientId,
        seq: message.seq,
        status: "not-leader",
        value: null,
        leaderHint: hint,
      });
      return;
    }
    const op = message.op;
    if (op.f === "read") {
      if (this.#options.unsafe.localReads) {
        // The bug: this server believes it leads, but a newer leader may have committed
        // writes it has not heard of.
        this.#replyClient(from, message.clientId, message.seq, {
          ok: true,
          value: this.#kv.read(op.key),
        });
        return;
      }
      if (this.#options.reads === "read-index") {
        this.#startRead({
          client: from,
          clientId: message.clientId,
          seq: message.seq,
          key: op.key,
          readIndex: 0,
          round: 0,
        });
        return;
      }
    }
    // A retry of a command this session already applied gets the remembered result.
    const session = this.#kv.session(message.clientId);
    if (session !== undefined && session.seq >= message.seq) {
      if (session.seq === message.seq) {
        this.#replyClient(from, message.clientId, message.seq, session.result);
      }
      return;
    }
    const waiting = this.#waiting.get(message.clientId);
    if (waiting !== undefined && waiting.seq === message.seq) {
      waiting.client = from;
      return;
    }
    const index = this.#appendLocal(freezeEntry({
      term: this.#currentTerm,
      command: { kind: "kv", clientId: message.clientId, seq: message.seq, op },
    }));
    this.#waiting.set(message.clientId, { seq: message.seq, client: from });
    for (const peer of this.#peers) {
      if ((this.#nextIndex.get(peer) ?? 0) === index) this.#sendAppend(peer);
    }
    this.#advanceLeaderCommit();
  }

  #replyClient(to: NodeId, clientId: string, seq: number, result: KvResult): void {
    this.#ctx.send(to, {
      type: "ClientReply",
      clientId,
      seq,
      status: result.ok ? "ok" : "fail",
      value: result.value,
      leaderHint: null,
    });
  }

  /**
   * ReadIndex (thesis §6.4): note the commit index, confirm leadership with a round of
   * heartbeats acknowledged by a majority, then answer once the state machine has
   * applied up to the noted index. A new leader first needs an entry of its own term
   * committed, or its commit index may lag behind its predecessor's.
   */
  #startRead(read: PendingRead): void {
    if (this.termAt(this.#commitIndex) !== this.#currentTerm) {
      this.#readsAwaitingTermCommit.push(read);
      if (this.lastLogTerm !== this.#currentTerm) {
        this.#appendLocal(noopEntry(this.#currentTerm));
        this.#broadcastAppend();
        this.#advanceLeaderCommit();
      }
      return;
    }
    read.readIndex = this.#commitIndex;
    read.round = ++this.#round;
    this.#reads.push(read);
    this.#broadcastAppend();
    this.#serveReads();
  }

  #startAwaitingReads(): void {
    const waiting = this.#readsAwaitingTermCommit;
    this.#readsAwaitingTermCommit = [];
    for (const read of waiting) this.#startRead(read);
  }

  #serveReads(): void {
    if (this.#reads.length === 0 || this.#role !== "leader") return;
    const confirmed = this.#confirmedRound();
    const remaining: PendingRead[] = [];
    for (const read of this.#reads) {
      if (read.round <= confirmed && read.readIndex <= this.#lastApplied) {
        this.#replyClient(read.client, read.clientId, read.seq, {
          ok: true,
          value: this.#kv.read(read.key),
        });
      } else {
        remaining.push(read);
      }
    }
    this.#reads = remaining;
  }

  /** The latest heartbeat round a majority (this server included) has acknowledged. */
  #confirmedRound(): number {
    if (this.#majority <= 1) return this.#round;
    const rounds = this.#peers.map((peer) => this.#ackedRound.get(peer) ?? -1);
    rounds.sort((a, b) => b - a);
    return rounds[this.#majority - 2] ?? -1;
  }

  // ---- storage and timers -------------------------------------------------------------

  #persistTermAndVote(): void {
    this.#wrote = true;
    this.#ctx.storage.set(TERM_KEY, this.#currentTerm);
    if (!this.#options.unsafe.forgetVotedFor) this.#ctx.storage.set(VOTE_KEY, this.#votedFor);
  }

  /** Writes the entry at `index` (the log's next slot) to storage and memory; the caller writes the length. */
  #storeEntry(index: number, entry: RaftEntry): void {
    this.#wrote = true;
    this.#ctx.storage.set(entryKey(index), JSON.stringify(entry));
    this.#log[index - 1] = freezeEntry(entry);
  }

  #truncateFrom(index: number): void {
    this.#wrote = true;
    const storage = this.#ctx.storage;
    for (let i = index; i <= this.#log.length; i++) storage.delete(entryKey(i));
    this.#log.length = index - 1;
    storage.set(LENGTH_KEY, this.#log.length);
    this.#ctx.log("truncated log", { from: index });
  }

  #resetElectionTimer(): void {
    if (this.#electionTimer !== undefined) this.#ctx.cancelTimer(this.#electionTimer);
    const { electionTimeoutMinMs: min, electionTimeoutMaxMs: max } = this.#options;
    const timeoutMs = max > min ? this.#ctx.random.uniform(min, max) : min;
    this.#electionTimer = this.#ctx.setTimer(timeoutMs, ELECTION);
  }

  #restartTickTimer(payload: RaftTimer): void {
    if (this.#heartbeatTimer !== undefined) this.#ctx.cancelTimer(this.#heartbeatTimer);
    this.#heartbeatTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, payload);
  }

  #tell(event: RaftEvent): void {
    this.#observer?.(event);
  }
}
