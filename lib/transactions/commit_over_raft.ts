/**
 * Two-phase commit whose coordinator and participants are Raft groups, the idea of Paxos
 * Commit (Gray and Lamport, "Consensus on transaction commit", 2006) as systems such as
 * Spanner run it: every fact two-phase commit writes to a log (a participant's
 * "prepared", the coordinator's votes and decision) is a command of a replicated state
 * machine instead, committed by a majority of the group. A crashed server is not a
 * crashed participant: its group elects a new leader, which reads the same replicated
 * state and carries on. The protocol is still two-phase commit, with the same rule for a
 * prepared participant (ask the coordinator, never decide alone); it no longer blocks on
 * one crash, only when a group loses its majority.
 *
 * Each server is a {@link CommitGroupMember}: a {@link RaftNode} replicating a
 * {@link CoordinatorMachine} or a {@link ParticipantMachine}, plus a small driver that,
 * on the group's leader only, turns messages from other groups into commands and the
 * group's state into messages to other groups.
 *
 * @module
 */
import { RaftNode } from "../consensus/raft_node.ts";
import type { RaftMessage, RaftTimer } from "../consensus/raft_messages.ts";
import type { RaftOptionsInput } from "../consensus/raft_options.ts";
import type { StateMachine } from "../consensus/state_machine.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import type { CommitDecision, CommitReporter } from "./commit_ledger.ts";

/** A command of a group's replicated state machine. */
export type GroupCommand =
  | { readonly op: "begin"; readonly txn: number }
  | {
    readonly op: "vote";
    readonly txn: number;
    readonly participant: string;
    readonly yes: boolean;
  }
  | { readonly op: "prepare"; readonly txn: number; readonly yes: boolean }
  | { readonly op: "decide"; readonly txn: number; readonly decision: CommitDecision };

/** A message between groups. */
export type GroupMessage =
  | { readonly type: "Prepare"; readonly txn: number }
  | {
    readonly type: "Vote";
    readonly txn: number;
    readonly participant: string;
    readonly yes: boolean;
  }
  | { readonly type: "Decision"; readonly txn: number; readonly decision: CommitDecision }
  | { readonly type: "DecisionRequest"; readonly txn: number };

/**
 * The coordinator's log as a replicated state machine: transactions begun one after
 * another, the participants' votes, and the decision (commit once every vote is yes;
 * abort on a no, or when the leader gives up waiting). The first decision applied stands.
 */
export class CoordinatorMachine implements StateMachine<GroupCommand, null> {
  readonly #participants: readonly string[];
  readonly #report: CommitReporter;
  readonly #name: string;
  /** The last transaction begun (0: none). */
  lastBegun = 0;
  readonly #votes = new Map<number, Map<string, boolean>>();
  readonly #decisions = new Map<number, CommitDecision>();

  /** A machine for `participants`, reporting decisions as `name`. */
  constructor(participants: readonly string[], report: CommitReporter, name: string) {
    this.#participants = participants;
    this.#report = report;
    this.#name = name;
  }

  /** The decision on `txn`, if made. */
  decision(txn: number): CommitDecision | undefined {
    return this.#decisions.get(txn);
  }

  /** The participants whose vote on `txn` has been recorded. */
  voted(txn: number): string[] {
    return [...this.#votes.get(txn)?.keys() ?? []];
  }

  /** Applies one command. */
  apply(command: GroupCommand): null {
    switch (command.op) {
      case "begin":
        // Transactions run one at a time, in order: a begin that is not the next one is a
        // retry of a proposal already applied.
        if (
          command.txn === this.lastBegun + 1 &&
          (this.lastBegun === 0 || this.#decisions.has(this.lastBegun))
        ) {
          this.lastBegun = command.txn;
          this.#votes.set(command.txn, new Map());
          this.#report({ kind: "begin", txn: command.txn });
        }
        return null;
      case "vote": {
        const votes = this.#votes.get(command.txn);
        if (votes === undefined || this.#decisions.has(command.txn)) return null;
        votes.set(command.participant, command.yes);
        if (!command.yes) this.#decide(command.txn, "abort");
        else if (this.#participants.every((p) => votes.get(p) === true)) {
          this.#decide(command.txn, "commit");
        }
        return null;
      }
      case "decide":
        if (this.#votes.has(command.txn) && !this.#decisions.has(command.txn)) {
          this.#decide(command.txn, command.decision);
        }
        return null;
      default:
        return null;
    }
  }

  #decide(txn: number, decision: CommitDecision): void {
    this.#decisions.set(txn, decision);
    this.#report({ kind: "decision", txn, decision, by: this.#name });
  }
}

/**
 * A participant as a replicated state machine: one lock, and per transaction its vote
 * (prepared or aborted) and then the outcome.
 */
export class ParticipantMachine implements StateMachine<GroupCommand, null> {
  readonly #report: CommitReporter;
  readonly #name: string;
  readonly #states = new Map<number, "prepared" | CommitDecision>();
  #lock: number | undefined;

  /** The machine of participant `name`. */
  constructor(report: CommitReporter, name: string) {
    this.#report = report;
    this.#name = name;
  }

  /** The participant's state in `txn`, if it has one. */
  state(txn: number): "prepared" | CommitDecision | undefined {
    return this.#states.get(txn);
  }

  /** The transaction holding the lock (prepared, outcome unknown), if any. */
  get lockedBy(): number | undefined {
    return this.#lock;
  }

  /** Applies one command. */
  apply(command: GroupCommand): null {
    const participant = this.#name;
    const txn = command.txn;
    if (command.op === "prepare" && !this.#states.has(txn)) {
      if (this.#lock !== undefined || !command.yes) {
        this.#states.set(txn, "abort");
        this.#report({ kind: "vote-no", txn, participant });
        this.#report({ kind: "outcome", txn, participant, decision: "abort" });
      } else {
        this.#states.set(txn, "prepared");
        this.#lock = txn;
        this.#report({ kind: "prepared", txn, participant });
      }
    }
    if (command.op === "decide") {
      const state = this.#states.get(txn);
      if (state === "commit" || state === "abort") return null;
      this.#states.set(txn, command.decision);
      if (this.#lock === txn) this.#lock = undefined;
      this.#report({ kind: "outcome", txn, participant, decision: command.decision });
    }
    return null;
  }
}

/** Options of a {@link CommitGroupMember}. */
export interface CommitGroupMemberOptions {
  /** The group this server belongs to: "coordinator", or a participant's name. */
  readonly group: string;
  /** The servers of every group, by group name ("coordinator" among them). */
  readonly groups: Readonly<Record<string, readonly NodeId[]>>;
  /** Raft's timing for every group (servers, state machine and observer are filled in). */
  readonly raft: Omit<RaftOptionsInput, "servers" | "stateMachine" | "observer">;
  /** How often the leader looks at its group's state and acts on it, in ms. */
  readonly pumpMs: number;
  /** Quiet time between one decision and the next transaction, in ms. */
  readonly gapMs: number;
  /** How long the coordinator's leader waits for votes before proposing abort, in ms. */
  readonly voteTimeoutMs: number;
  /** Begin no transaction after this time of the leader's clock, in ms. */
  readonly stopAtMs: number;
  /** Chance a participant votes no. */
  readonly abortProbability: number;
  /** Where the state machines report. */
  readonly report: CommitReporter;
  /**
   * Broken variant: the coordinator group's leader answers "abort" to a participant asking
   * about a transaction it has not decided yet (presumed abort without the log's say). A
   * participant then aborts a transaction the coordinator goes on to commit. Default false.
   */
  readonly unsafePresumeAbort?: boolean;
}

/** The coordinator group's name in {@link CommitGroupMemberOptions.groups}. */
export const COORDINATOR_GROUP = "coordinator";

type MemberTimer = RaftTimer | { readonly type: "pump" };
type MemberMessage = RaftMessage<GroupCommand, null> | GroupMessage;

/** How many pump ticks between resends of a request another group has not answered. */
const RESEND_TICKS = 3;

/**
 * One server of a commit group: a Raft server for the group's machine, and the driver
 * that acts for the group while this server leads it.
 */
export class CommitGroupMember implements Node<MemberMessage, MemberTimer> {
  readonly #ctx: NodeContext<MemberMessage, MemberTimer>;
  readonly #options: CommitGroupMemberOptions;
  readonly #raft: RaftNode<CoordinatorMachine | ParticipantMachine>;
  readonly #coordinator: CoordinatorMachine | undefined;
  readonly #participant: ParticipantMachine | undefined;
  readonly #participants: readonly string[];
  #seq = 0;
  /** Ticks of the driver, counted while leading. */
  #tick = 0;
  #pumping = false;
  /** Proposals made while leading, by key, with the tick: not proposed again too soon. */
  readonly #proposed = new Map<string, number>();
  /** Coordinator leader: since which tick it has waited for the votes of each transaction. */
  readonly #waitingSince = new Map<number, number>();
  /** Coordinator leader: decisions it has already announced. */
  readonly #announced = new Set<number>();
  #nextBeginTick = 0;

  /** A server acting through `ctx`; it rebuilds its group's state from its Raft log. */
  constructor(ctx: NodeContext<MemberMessage, MemberTimer>, options: CommitGroupMemberOptions) {
    this.#ctx = ctx;
    this.#options = options;
    const members = options.groups[options.group];
    if (members === undefined || !members.includes(ctx.id)) {
      throw new RangeError(`Cannot start ${ctx.id}: it is not a server of group ${options.group}`);
    }
    this.#participants = Object.keys(options.groups).filter((g) => g !== COORDINATOR_GROUP);
    if (options.group === COORDINATOR_GROUP) {
      this.#coordinator = new CoordinatorMachine(this.#participants, options.report, ctx.id);
    } else {
      this.#participant = new ParticipantMachine(options.report, options.group);
    }
    const machine = (this.#coordinator ?? this.#participant)!;
    // Raft talks through this context: replies to our own proposals are not needed (the
    // driver reads the applied state instead), so they are dropped here.
    const raftCtx: NodeContext<RaftMessage<GroupCommand, null>, RaftTimer> = {
      id: ctx.id,
      nodeIds: ctx.nodeIds,
      peers: ctx.peers,
      incarnation: ctx.incarnation,
      random: ctx.random,
      storage: ctx.storage,
      now: () => ctx.now(),
      send: (to, message) => {
        if (message.type !== "ClientReply") ctx.send(to, message);
      },
      setTimer: (delayMs, payload) => ctx.setTimer(delayMs, payload),
      cancelTimer: (id) => ctx.cancelTimer(id),
      log: (text, data) => ctx.log(text, data),
    };
    this.#raft = new RaftNode<CoordinatorMachine | ParticipantMachine>(raftCtx, {
      ...options.raft,
      servers: [...members],
      stateMachine: () => machine,
    });
  }

  /** The Raft server inside. */
  get raft(): RaftNode<CoordinatorMachine | ParticipantMachine> {
    return this.#raft;
  }

  /** Starts Raft; the driver's tick runs only while this server leads. */
  start(): void {
    this.#raft.start();
    this.#pumpIfLeading();
  }

  #pumpIfLeading(): void {
    if (!this.#pumping && this.#raft.role === "leader") {
      this.#pumping = true;
      this.#ctx.setTimer(this.#options.pumpMs, { type: "pump" });
    }
  }

  /** Raft's messages go to Raft; another group's, to the driver when this server leads. */
  onMessage(from: NodeId, message: MemberMessage): void {
    switch (message.type) {
      case "Prepare":
      case "Vote":
      case "Decision":
      case "DecisionRequest":
        if (this.#raft.role === "leader") this.#onGroupMessage(from, message);
        return;
      default:
        this.#raft.onMessage(from, message);
        this.#pumpIfLeading();
    }
  }

  /** Raft's timers go to Raft; the driver's tick runs the driver. */
  onTimer(timer: MemberTimer, id: TimerId): void {
    if (timer.type !== "pump") {
      this.#raft.onTimer(timer, id);
      this.#pumpIfLeading();
      return;
    }
    this.#pumping = false;
    if (this.#raft.role !== "leader") return;
    this.#tick++;
    if (this.#coordinator !== undefined) this.#driveCoordinator(this.#coordinator);
    else this.#driveParticipant(this.#participant!);
    this.#pumpIfLeading();
  }

  #propose(key: string, command: GroupCommand): void {
    const last = this.#proposed.get(key);
    if (last !== undefined && this.#tick - last < RESEND_TICKS) return;
    this.#proposed.set(key, this.#tick);
    this.#raft.onMessage(this.#ctx.id, {
      type: "ClientRequest",
      clientId: `${this.#ctx.id}#${this.#ctx.incarnation}`,
      seq: ++this.#seq,
      op: command,
    });
  }

  #sendToGroup(group: string, message: GroupMessage): void {
    for (const id of this.#options.groups[group] ?? []) this.#ctx.send(id, message);
  }

  #onGroupMessage(from: NodeId, message: GroupMessage): void {
    const coordinator = this.#coordinator;
    const participant = this.#participant;
    if (coordinator !== undefined) {
      if (message.type === "Vote") {
        if (!coordinator.voted(message.txn).includes(message.participant)) {
          this.#propose(`vote:${message.txn}:${message.participant}`, {
            op: "vote",
            txn: message.txn,
            participant: message.participant,
            yes: message.yes,
          });
        }
      } else if (message.type === "DecisionRequest") {
        const decision = coordinator.decision(message.txn);
        // No presumed abort here: a new leader may not yet have applied every committed
        // entry, so "not begun" in its state does not mean never begun.
        if (decision !== undefined) {
          this.#ctx.send(from, { type: "Decision", txn: message.txn, decision });
        } else if (this.#options.unsafePresumeAbort) {
          this.#ctx.send(from, { type: "Decision", txn: message.txn, decision: "abort" });
        }
      }
      return;
    }
    if (participant === undefined) return;
    if (message.type === "Prepare") {
      const state = participant.state(message.txn);
      if (state === undefined) {
        // The vote is drawn once, here, and replicated: every replica agrees on it.
        const key = `prepare:${message.txn}`;
        if (!this.#proposed.has(key)) {
          const yes = !this.#ctx.random.chance(this.#options.abortProbability);
          this.#propose(key, { op: "prepare", txn: message.txn, yes });
        }
      } else {
        this.#sendToGroup(COORDINATOR_GROUP, {
          type: "Vote",
          txn: message.txn,
          participant: this.#options.group,
          yes: state !== "abort",
        });
      }
    } else if (message.type === "Decision") {
      const state = participant.state(message.txn);
      if (state !== "commit" && state !== "abort") {
        this.#propose(`decide:${message.txn}`, {
          op: "decide",
          txn: message.txn,
          decision: message.decision,
        });
      }
    }
  }

  #driveCoordinator(machine: CoordinatorMachine): void {
    const txn = machine.lastBegun;
    const decided = txn === 0 || machine.decision(txn) !== undefined;
    if (decided) {
      if (txn > 0 && !this.#announced.has(txn)) {
        this.#announced.add(txn);
        const decision = machine.decision(txn)!;
        for (const p of this.#participants) {
          this.#sendToGroup(p, { type: "Decision", txn, decision });
        }
        this.#nextBeginTick = this.#tick + Math.ceil(this.#options.gapMs / this.#options.pumpMs);
      }
      if (this.#tick >= this.#nextBeginTick && this.#ctx.now() <= this.#options.stopAtMs) {
        this.#propose(`begin:${txn + 1}`, { op: "begin", txn: txn + 1 });
      }
      return;
    }
    const since = this.#waitingSince.get(txn) ?? this.#tick;
    this.#waitingSince.set(txn, since);
    if ((this.#tick - since) * this.#options.pumpMs >= this.#options.voteTimeoutMs) {
      this.#propose(`decide:${txn}`, { op: "decide", txn, decision: "abort" });
      return;
    }
    if ((this.#tick - since) % RESEND_TICKS === 0) {
      const voted = machine.voted(txn);
      for (const p of this.#participants) {
        if (!voted.includes(p)) this.#sendToGroup(p, { type: "Prepare", txn });
      }
    }
  }

  #driveParticipant(machine: ParticipantMachine): void {
    // The recovery rule of two-phase commit, for the group: prepared, so ask.
    const txn = machine.lockedBy;
    if (txn !== undefined && this.#tick % RESEND_TICKS === 0) {
      this.#sendToGroup(COORDINATOR_GROUP, { type: "DecisionRequest", txn });
    }
  }
}
