/**
 * Raft's log entries, messages and timers, generic over the state machine's command and
 * result types (by default the key-value store's).
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { KvOperation, KvResult } from "./kv_store.ts";

// ---- log entries and messages -------------------------------------------------------

/**
 * What a log entry asks the state machine to do: nothing (the no-op a new leader appends
 * to commit its predecessors' entries, §8) or a state machine command `op` of a client
 * session. `C` is the state machine's command type (by default the key-value store's).
 */
export type RaftCommand<C = KvOperation> =
  | { readonly kind: "noop" }
  | {
    readonly kind: "command";
    /** The client that issued it. */
    readonly clientId: string;
    /** The client's sequence number for it: a retry carries the same number. */
    readonly seq: number;
    /** The state machine command. */
    readonly op: C;
  };

/** One entry of the replicated log: the leader's term when it was created, and a command. */
export interface RaftEntry<C = KvOperation> {
  /** The term of the leader that appended it. */
  readonly term: number;
  /** What it asks the state machine to do. */
  readonly command: RaftCommand<C>;
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
export interface AppendEntriesMessage<C = KvOperation> {
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
  readonly entries: readonly RaftEntry<C>[];
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

/** A client's request: one state machine command, numbered in the client's session. */
export interface ClientRequestMessage<C = KvOperation> {
  /** Always "ClientRequest". */
  readonly type: "ClientRequest";
  /** The client's session id. */
  readonly clientId: string;
  /** The operation's number in the session (the same for every retry). */
  readonly seq: number;
  /** The command. */
  readonly op: C;
}

/**
 * A server's answer to a client: `ok` (the command was applied; `result` is what the
 * state machine returned) or `not-leader` (try `leaderHint`).
 */
export interface ClientReplyMessage<R = KvResult> {
  /** Always "ClientReply". */
  readonly type: "ClientReply";
  /** The session the request came from. */
  readonly clientId: string;
  /** The request's sequence number. */
  readonly seq: number;
  /** What happened. */
  readonly status: "ok" | "not-leader";
  /** With `ok`: the state machine's result; null otherwise. */
  readonly result: R | null;
  /** With `not-leader`: the leader this server knows of, if any. */
  readonly leaderHint: NodeId | null;
}

/**
 * Every message of a Raft cluster and its clients, for a state machine with commands `C`
 * and results `R` (by default the key-value store's).
 */
export type RaftMessage<C = KvOperation, R = KvResult> =
  | RequestVoteMessage
  | RequestVoteReplyMessage
  | PreVoteMessage
  | PreVoteReplyMessage
  | AppendEntriesMessage<C>
  | AppendEntriesReplyMessage
  | ClientRequestMessage<C>
  | ClientReplyMessage<R>;

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
  /** The message: only replies that grant a vote or acknowledge entries wait for the disk. */
  readonly message: RequestVoteReplyMessage | AppendEntriesReplyMessage;
}

/** A server's role. `pre-candidate` exists only with pre-vote on. */
export type RaftRole = "follower" | "pre-candidate" | "candidate" | "leader";

/**
 * Freezes an entry, its command and the command's top level, so entries can be shared
 * between logs by reference. Internal to the Raft files.
 */
export function freezeEntry<C>(entry: RaftEntry<C>): RaftEntry<C> {
  if (Object.isFrozen(entry)) return entry;
  if (entry.command.kind === "command" && typeof entry.command.op === "object") {
    Object.freeze(entry.command.op);
  }
  Object.freeze(entry.command);
  return Object.freeze(entry);
}

/** A no-op entry of `term`. */
export function noopEntry(term: number): RaftEntry<never> {
  return freezeEntry<never>({ term, command: { kind: "noop" } });
}
