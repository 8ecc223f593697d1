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
 * - Any deterministic {@link StateMachine} behind client sessions (§8), the key-value
 *   store by default, and linearizable reads through the log or by ReadIndex (thesis
 *   §6.4).
 *
 * Deliberately broken variants for teaching sit under {@link RaftUnsafeOptions}: each is
 * off by default, and the fault sweep catches each one.
 *
 * The code is split by concern: messages and entries (raft_messages.ts), options, rules
 * and events (raft_options.ts), durable state (raft_storage.ts) and the server
 * (raft_node.ts). This module gathers their public names.
 *
 * @module
 */
export type {
  AppendEntriesMessage,
  AppendEntriesReplyMessage,
  ClientReplyMessage,
  ClientRequestMessage,
  OutgoingMessage,
  PreVoteMessage,
  PreVoteReplyMessage,
  RaftCommand,
  RaftEntry,
  RaftMessage,
  RaftRole,
  RaftTimer,
  RequestVoteMessage,
  RequestVoteReplyMessage,
} from "./raft_messages.ts";
export { noopEntry } from "./raft_messages.ts";
export type {
  CommitRule,
  CommitRuleInput,
  RaftEvent,
  RaftObserver,
  RaftOptions,
  RaftOptionsInput,
  RaftServerView,
  RaftUnsafeOptions,
  RaftUnsafeVariant,
  UpToDateRule,
} from "./raft_options.ts";
export {
  logIsAtLeastAsUpToDate,
  majorityCommitIndex,
  parseRaftOptions,
  RAFT_UNSAFE_VARIANTS,
  RaftOptionsSchema,
  RaftUnsafeOptionsSchema,
} from "./raft_options.ts";
export type { RaftDurableState } from "./raft_storage.ts";
export { readRaftState, writeRaftState } from "./raft_storage.ts";
export type { FollowerProgress } from "./raft_node.ts";
export { RaftNode } from "./raft_node.ts";
