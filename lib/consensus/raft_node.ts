/**
 * One Raft server as a state machine over the node contract: elections, replication,
 * commitment, client sessions and linearizable reads, for any replicated
 * {@link StateMachine}.
 *
 * @module
 */
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { KvStore } from "./kv_store.ts";
import {
  type AppendEntriesMessage,
  type AppendEntriesReplyMessage,
  type ClientRequestMessage,
  freezeEntry,
  noopEntry,
  type OutgoingMessage,
  type PreVoteMessage,
  type PreVoteReplyMessage,
  type RaftEntry,
  type RaftMessage,
  type RaftRole,
  type RaftTimer,
  type RequestVoteMessage,
  type RequestVoteReplyMessage,
} from "./raft_messages.ts";
import {
  type CommitRule,
  logIsAtLeastAsUpToDate,
  parseRaftOptions,
  type RaftEvent,
  type RaftObserver,
  type RaftOptions,
  type RaftOptionsInput,
  type RaftServerView,
  type UpToDateRule,
} from "./raft_options.ts";
import { entryKey, LENGTH_KEY, readRaftState, TERM_KEY, VOTE_KEY } from "./raft_storage.ts";
import {
  ClientSessions,
  type CommandOf,
  type ResultOf,
  type StateMachine,
} from "./state_machine.ts";

interface PendingRead<C> {
  readonly client: NodeId;
  readonly clientId: string;
  readonly seq: number;
  /** A read-only command, answered from the state machine once it is safe to. */
  readonly op: C;
  readIndex: number;
  round: number;
}

const ELECTION: RaftTimer = Object.freeze({ type: "election" });
const HEARTBEAT: RaftTimer = Object.freeze({ type: "heartbeat" });
const VOTE_RETRY: RaftTimer = Object.freeze({ type: "vote-retry" });

/** The timers a server handles in a step (a disk write only releases messages). */
type StepTimer = Exclude<RaftTimer, { readonly type: "disk-write" }>;

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
 * One Raft server, replicating the commands of a state machine `S` (by default the
 * key-value store, {@link KvStore}; any {@link StateMachine} plugs in through the
 * `stateMachine` option, and the node never looks inside its commands). Everything it
 * knows survives a crash only through `ctx.storage`: currentTerm, votedFor and the log.
 * The commit index, the state machine and the leader's bookkeeping are volatile and
 * rebuilt after a restart (§5, Figure 2).
 *
 * Observers read its state through getters that hand out frozen entries and copies, so
 * they cannot change it (the state machine is handed out as is: read it, never change
 * it).
 *
 * For another state machine, name its type and build it in the options, as in
 * `new RaftNode<LockService>(ctx, { servers, stateMachine: () => new LockService() })`:
 * without `stateMachine` a server runs the key-value store, whatever `S` says.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import type { RaftMessage } from "./raft_messages.ts";
 *
 * const servers = ["n1", "n2", "n3"];
 * const sim = new Simulation<RaftMessage>({ seed: 1 });
 * sim.addNodes(servers, (ctx) => new RaftNode(ctx, { servers }));
 * sim.runUntilTrue(() => servers.some((id) => sim.node<RaftNode>(id)?.role === "leader"));
 * ```
 */
// deno-lint-ignore no-explicit-any
export class RaftNode<S extends StateMachine<any, unknown> = KvStore>
  implements Node<RaftMessage<CommandOf<S>, ResultOf<S>>, RaftTimer>, RaftServerView<CommandOf<S>> {
  readonly #ctx: NodeContext<RaftMessage<CommandOf<S>, ResultOf<S>>, RaftTimer>;
  readonly #options: RaftOptions<CommandOf<S>, ResultOf<S>>;
  readonly #peers: readonly NodeId[];
  readonly #majority: number;
  readonly #upToDate: UpToDateRule;
  readonly #observer: RaftObserver<CommandOf<S>, ResultOf<S>> | undefined;

  // Durable (mirrored in storage).
  #currentTerm: number;
  #votedFor: NodeId | null;
  readonly #log: RaftEntry<CommandOf<S>>[];

  // Volatile.
  #role: RaftRole = "follower";
  #leaderId: NodeId | null = null;
  #commitIndex = 0;
  #lastApplied = 0;
  readonly #machine: S;
  readonly #sessions: ClientSessions<CommandOf<S>, ResultOf<S>>;
  #electionTimer: TimerId | undefined;
  #heartbeatTimer: TimerId | undefined;
  #voteRetryTimer: TimerId | undefined;
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
  #reads: PendingRead<CommandOf<S>>[] = [];
  #readsAwaitingTermCommit: PendingRead<CommandOf<S>>[] = [];

  /**
   * A server acting through `ctx`. It recovers currentTerm, votedFor and its log from
   * `ctx.storage` (empty on a first start). A bad option throws a ConfigError naming it.
   */
  constructor(
    ctx: NodeContext<RaftMessage<CommandOf<S>, ResultOf<S>>, RaftTimer>,
    options: RaftOptionsInput<CommandOf<S>, ResultOf<S>>,
  ) {
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
    // The default state machine is the key-value store, whose types are the defaults of S.
    this.#machine = (this.#options.stateMachine?.() ?? new KvStore()) as S;
    // The same object, seen through the command and result types S declares.
    this.#sessions = new ClientSessions(
      this.#machine as unknown as StateMachine<CommandOf<S>, ResultOf<S>>,
    );
    const durable = readRaftState<CommandOf<S>>(ctx.storage);
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
  get options(): RaftOptions<CommandOf<S>, ResultOf<S>> {
    return this.#options;
  }

  /** The term of the entry at `index` (0 for index 0 and beyond the end). */
  termAt(index: number): number {
    return index >= 1 && index <= this.#log.length ? this.#log[index - 1]!.term : 0;
  }

  /** The (frozen) entry at `index`, or undefined. */
  entry(index: number): RaftEntry<CommandOf<S>> | undefined {
    return this.#log[index - 1];
  }

  /** A copy of the log from index `from` (default 1) to `to` (default the last), index 1 first. */
  entries(from = 1, to = this.#log.length): RaftEntry<CommandOf<S>>[] {
    return this.#log.slice(Math.max(0, from - 1), Math.max(0, to));
  }

  /** The terms of the log's entries, index 1 first. */
  logTerms(): number[] {
    return this.#log.map((entry) => entry.term);
  }

  /**
   * Its state machine, with every entry up to {@link lastApplied} applied. For reading
   * (`node.stateMachine.read("x")` on the key-value store): changing it would make this
   * server's copy differ from the others'.
   */
  get stateMachine(): S {
    return this.#machine;
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
  #send(to: NodeId, message: RaftMessage<CommandOf<S>, ResultOf<S>>): void {
    if (
      (message.type === "RequestVoteReply" || message.type === "AppendEntriesReply") &&
      this.#wrote && this.#options.diskWriteMs + this.#options.diskWriteJitterMs > 0
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
  onMessage(from: NodeId, message: RaftMessage<CommandOf<S>, ResultOf<S>>): void {
    this.#step(() => this.#dispatch(from, message));
  }

  #dispatch(from: NodeId, message: RaftMessage<CommandOf<S>, ResultOf<S>>): void {
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

  /**
   * Handles the election timeout, a leader's heartbeat tick or a candidate's vote retry,
   * or sends the replies a finished disk write was holding back.
   */
  onTimer(timer: RaftTimer, id: TimerId): void {
    if (timer.type === "disk-write") {
      for (const { to, message } of timer.messages) this.#ctx.send(to, message);
      return;
    }
    this.#step(() => this.#onTick(timer, id));
  }

  #onTick(timer: StepTimer, id: TimerId): void {
    switch (timer.type) {
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
        if (id !== this.#voteRetryTimer) return;
        this.#voteRetryTimer = undefined;
        if (this.#role === "candidate" || this.#role === "pre-candidate") {
          this.#requestVotes(true);
          this.#voteRetryTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, VOTE_RETRY);
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
    this.#stopHeartbeats();
    this.#stopVoteRetries();
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
    this.#restartVoteRetries();
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
    this.#restartVoteRetries();
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
    this.#stopVoteRetries();
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
    this.#restartHeartbeats();
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

  #onAppendEntries(from: NodeId, message: AppendEntriesMessage<CommandOf<S>>): void {
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
    // Figure 2: commitIndex = min(leaderCommit, index of last new entry). Entries past
    // the last new one are not known to match the leader's log, and the index only grows.
    const lastNew = prev + message.entries.length;
    const unsafe = this.#options.unsafe;
    const target = Math.min(
      message.leaderCommit,
      unsafe.commitToLogEnd ? this.#log.length : lastNew,
    );
    if (target > this.#commitIndex) this.#advanceCommit(target);
    else if (unsafe.lowerCommitIndex && target < this.#commitIndex) this.#lowerCommit(target);
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

  #appendLocal(entry: RaftEntry<CommandOf<S>>): number {
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

  /** Only the `lowerCommitIndex` variant moves the commit index down. */
  #lowerCommit(index: number): void {
    const from = this.#commitIndex + 1;
    this.#commitIndex = index;
    this.#tell({ kind: "commit", node: this, fromIndex: from, toIndex: index });
  }

  #applyCommitted(): void {
    while (this.#lastApplied < this.#commitIndex) {
      const index = this.#lastApplied + 1;
      const entry = this.#log[index - 1];
      // Only a broken variant can commit past the end of the log (after a committed entry
      // was cut off); the invariants report that, so stop here.
      if (entry === undefined) break;
      this.#lastApplied = index;
      let result: ResultOf<S> | undefined;
      const command = entry.command;
      if (command.kind === "command") {
        result = this.#sessions.apply(command.op, command).result;
      }
      this.#tell({ kind: "apply", node: this, index, entry, result });
      if (command.kind === "command" && result !== undefined && this.#role === "leader") {
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

  #onClientRequest(from: NodeId, message: ClientRequestMessage<CommandOf<S>>): void {
    if (this.#role !== "leader") {
      const hint = this.#leaderId === this.id ? null : this.#leaderId;
      this.#ctx.send(from, {
        type: "ClientReply",
        clientId: message.clientId,
        seq: message.seq,
        status: "not-leader",
        result: null,
        leaderHint: hint,
      });
      return;
    }
    const op = message.op;
    if (this.#sessions.machine.isReadOnly?.(op) === true) {
      if (this.#options.unsafe.localReads) {
        // The bug: this server believes it leads, but a newer leader may have committed
        // writes it has not heard of.
        this.#replyClient(from, message.clientId, message.seq, this.#query(op));
        return;
      }
      if (this.#options.reads === "read-index") {
        this.#startRead({
          client: from,
          clientId: message.clientId,
          seq: message.seq,
          op,
          readIndex: 0,
          round: 0,
        });
        return;
      }
    }
    // A retry of a command this session already applied gets the remembered result.
    const session = this.#sessions.session(message.clientId);
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
    // A machine that reads time from the log gets the leader's clock stamped in here.
    const stamped = this.#sessions.machine.stamp?.(op, this.#ctx.now()) ?? op;
    const index = this.#appendLocal(freezeEntry({
      term: this.#currentTerm,
      command: { kind: "command", clientId: message.clientId, seq: message.seq, op: stamped },
    }));
    this.#waiting.set(message.clientId, { seq: message.seq, client: from });
    for (const peer of this.#peers) {
      if ((this.#nextIndex.get(peer) ?? 0) === index) this.#sendAppend(peer);
    }
    this.#advanceLeaderCommit();
  }

  #replyClient(to: NodeId, clientId: string, seq: number, result: ResultOf<S>): void {
    this.#ctx.send(to, {
      type: "ClientReply",
      clientId,
      seq,
      status: "ok",
      result,
      leaderHint: null,
    });
  }

  /** Answers a read-only command from this server's copy, outside the log and sessions. */
  #query(op: CommandOf<S>): ResultOf<S> {
    return this.#sessions.machine.apply(op);
  }

  /**
   * ReadIndex (thesis §6.4): note the commit index, confirm leadership with a round of
   * heartbeats acknowledged by a majority, then answer once the state machine has
   * applied up to the noted index. A new leader first needs an entry of its own term
   * committed, or its commit index may lag behind its predecessor's.
   */
  #startRead(read: PendingRead<CommandOf<S>>): void {
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
    const remaining: PendingRead<CommandOf<S>>[] = [];
    for (const read of this.#reads) {
      if (read.round <= confirmed && read.readIndex <= this.#lastApplied) {
        this.#replyClient(read.client, read.clientId, read.seq, this.#query(read.op));
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
  #storeEntry(index: number, entry: RaftEntry<CommandOf<S>>): void {
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

  #restartHeartbeats(): void {
    this.#stopHeartbeats();
    this.#heartbeatTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, HEARTBEAT);
  }

  #stopHeartbeats(): void {
    if (this.#heartbeatTimer === undefined) return;
    this.#ctx.cancelTimer(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  /** Candidates (and pre-candidates) ask again, each heartbeat interval, those that have not answered. */
  #restartVoteRetries(): void {
    this.#stopVoteRetries();
    this.#voteRetryTimer = this.#ctx.setTimer(this.#options.heartbeatIntervalMs, VOTE_RETRY);
  }

  #stopVoteRetries(): void {
    if (this.#voteRetryTimer === undefined) return;
    this.#ctx.cancelTimer(this.#voteRetryTimer);
    this.#voteRetryTimer = undefined;
  }

  #tell(event: RaftEvent<CommandOf<S>, ResultOf<S>>): void {
    this.#observer?.(event);
  }
}
