/**
 * Multi-Paxos with a stable leader: one instance of Paxos per log slot, and a
 * distinguished proposer (the leader) that runs phase 1 once for its ballot and for
 * every slot from the first it does not know to be chosen onward ("Paxos Made Simple",
 * §3). After that, each client command costs one phase 2: `Accept(ballot, slot, value)`
 * to every server and `Accepted` from a majority. The chosen commands are applied in
 * slot order to a {@link StateMachine} through {@link ClientSessions}, exactly as Raft
 * applies its log, and clients talk to it with the same `ClientRequest` / `ClientReply`
 * messages, so `RaftClient` drives either protocol.
 *
 * How it sits beside Raft: both have a leader that owns a number (ballot, term), both
 * need a majority for each entry, both recover the uncertain suffix when a leader
 * changes. Paxos's new leader *asks* a majority what they accepted in its phase 1 and
 * re-proposes the highest-ballot value of each slot (any server may win); Raft's
 * election *restricts* who may win (§5.4.1, an up-to-date log), so the new leader
 * already holds every committed entry and only pushes its log, with the log-matching
 * check instead of per-slot values.
 *
 * Servers learn which slots are chosen from the leader: its `Accept` and `Heartbeat`
 * messages carry the prefix it knows chosen, and a server that fell behind (a restart
 * forgets what was chosen; the acceptor's promise and accepted proposals are durable)
 * is sent the chosen values in batches.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, parseConfig, positiveMs } from "../config/mod.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { KvStore } from "./kv_store.ts";
import { ballotOf, ballotRound, formatBallot, PAXOS_UNSAFE_VARIANTS } from "./paxos.ts";
import type { ClientReplyMessage, ClientRequestMessage } from "./raft_messages.ts";
import { ClientSessions, type StateMachine } from "./state_machine.ts";

/** What a slot holds: a client's command, with its session tag, or a no-op filling a gap. */
export type MultiPaxosValue<C = unknown> =
  | { readonly kind: "noop" }
  | {
    readonly kind: "command";
    readonly clientId: string;
    readonly seq: number;
    readonly op: C;
  };

/** A slot's accepted proposal: `[slot, ballot, value]`. */
export type SlotProposal<C = unknown> = readonly [
  slot: number,
  ballot: number,
  value: MultiPaxosValue<C>,
];

/** Phase 1a for every slot from `fromSlot` on. */
export interface MultiPrepareMessage {
  /** Always "Prepare". */
  readonly type: "Prepare";
  /** The ballot. */
  readonly ballot: number;
  /** The first slot the candidate does not know to be chosen. */
  readonly fromSlot: number;
}

/** Phase 1b: a promise for every slot, with what was accepted from `fromSlot` on. */
export interface MultiPromiseMessage<C = unknown> {
  /** Always "Promise". */
  readonly type: "Promise";
  /** The ballot promised. */
  readonly ballot: number;
  /** The highest-numbered proposal accepted in each slot from `fromSlot` on. */
  readonly accepted: readonly SlotProposal<C>[];
}

/** Phase 2a for one slot; also tells how far the leader knows the log chosen. */
export interface MultiAcceptMessage<C = unknown> {
  /** Always "Accept". */
  readonly type: "Accept";
  /** The leader's ballot. */
  readonly ballot: number;
  /** The slot. */
  readonly slot: number;
  /** The value. */
  readonly value: MultiPaxosValue<C>;
  /** Every slot up to this one is chosen (-1: none). */
  readonly chosenThrough: number;
}

/** Phase 2b, to the leader. */
export interface MultiAcceptedMessage {
  /** Always "Accepted". */
  readonly type: "Accepted";
  /** The ballot accepted. */
  readonly ballot: number;
  /** The slot. */
  readonly slot: number;
}

/** A refusal: the server has promised a higher ballot. */
export interface MultiNackMessage {
  /** Always "Nack". */
  readonly type: "Nack";
  /** The ballot refused. */
  readonly ballot: number;
  /** The higher ballot promised. */
  readonly promised: number;
}

/** The leader is alive; every slot up to `chosenThrough` is chosen. */
export interface MultiHeartbeatMessage {
  /** Always "Heartbeat". */
  readonly type: "Heartbeat";
  /** The leader's ballot. */
  readonly ballot: number;
  /** Every slot up to this one is chosen (-1: none). */
  readonly chosenThrough: number;
}

/** A server's answer to a heartbeat: how far it knows the log chosen. */
export interface MultiHeartbeatReplyMessage {
  /** Always "HeartbeatReply". */
  readonly type: "HeartbeatReply";
  /** The heartbeat's ballot. */
  readonly ballot: number;
  /** It knows every slot up to this one chosen (-1: none). */
  readonly learnedThrough: number;
}

/** Chosen values for a server that fell behind. */
export interface MultiLearnMessage<C = unknown> {
  /** Always "Learn". */
  readonly type: "Learn";
  /** `[slot, value]` pairs, every one chosen. */
  readonly chosen: readonly (readonly [slot: number, value: MultiPaxosValue<C>])[];
}

/** Every message of a Multi-Paxos cluster and its clients. */
export type MultiPaxosMessage<C = unknown, R = unknown> =
  | MultiPrepareMessage
  | MultiPromiseMessage<C>
  | MultiAcceptMessage<C>
  | MultiAcceptedMessage
  | MultiNackMessage
  | MultiHeartbeatMessage
  | MultiHeartbeatReplyMessage
  | MultiLearnMessage<C>
  | ClientRequestMessage<C>
  | ClientReplyMessage<R>;

/** A Multi-Paxos server's timers. */
export type MultiPaxosTimer =
  | { readonly type: "election" }
  | { readonly type: "heartbeat" };

/** A server's role. */
export type MultiPaxosRole = "follower" | "candidate" | "leader";

/** What a server reports to its observer. */
export type MultiPaxosEvent<C = unknown> =
  | {
    readonly kind: "role";
    readonly node: NodeId;
    readonly role: MultiPaxosRole;
    readonly ballot: number;
  }
  | {
    readonly kind: "accept";
    readonly node: NodeId;
    readonly slot: number;
    readonly ballot: number;
    readonly value: MultiPaxosValue<C>;
  }
  | {
    readonly kind: "learn";
    readonly node: NodeId;
    readonly slot: number;
    readonly value: MultiPaxosValue<C>;
  };

/** Receives every {@link MultiPaxosEvent} (an observer: it must not act on the simulation). */
export type MultiPaxosObserver<C = unknown> = (event: MultiPaxosEvent<C>) => void;

/** Zod schema of the numeric settings of a {@link MultiPaxosNode}. */
export const MultiPaxosSettingsSchema = z.strictObject({
  electionTimeoutMinMs: positiveMs().default(150)
    .describe("Shortest wait without a leader before a server runs phase 1, in ms"),
  electionTimeoutMaxMs: positiveMs().default(300)
    .describe("Longest such wait (each is uniform between the two), in ms"),
  heartbeatIntervalMs: positiveMs().default(50)
    .describe("Leader heartbeat (and retransmission) interval, in ms"),
  maxEntriesPerMessage: integerAtLeast(1).default(64)
    .describe("Most chosen values in one catch-up message"),
  unsafe: z.enum(["none", ...PAXOS_UNSAFE_VARIANTS]).default("none")
    .describe("A deliberately broken variant (none: correct Multi-Paxos)"),
}).refine((s) => s.electionTimeoutMaxMs >= s.electionTimeoutMinMs, {
  error: "must be at least electionTimeoutMinMs",
  path: ["electionTimeoutMaxMs"],
});

/** The numeric settings, with defaults applied. */
export type MultiPaxosSettings = z.output<typeof MultiPaxosSettingsSchema>;

/** Options of a {@link MultiPaxosNode}. */
export type MultiPaxosOptions<C, R> = z.input<typeof MultiPaxosSettingsSchema> & {
  /** Every server, this one included. */
  readonly servers: readonly NodeId[];
  /** Builds the state machine (a fresh one at every start). Default: a {@link KvStore}. */
  readonly stateMachine?: () => StateMachine<C, R>;
  /** Told of every event. */
  readonly observer?: MultiPaxosObserver<C>;
};

const PROMISED_KEY = "mp.promised";
const ROUND_KEY = "mp.round";
const ACCEPTED_PREFIX = "mp.accepted.";

interface Proposal<C> {
  readonly value: MultiPaxosValue<C>;
  readonly acks: Set<NodeId>;
  /** The leader's heartbeat tick when it was last sent (ticks, not the clock, which may jump). */
  sentTick: number;
}

/**
 * A Multi-Paxos server: acceptor, learner, and a proposer when it leads.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { RaftClient } from "./raft_client.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const servers = ["n1", "n2", "n3"];
 * sim.addNodes(servers, (ctx) => new MultiPaxosNode(ctx, { servers }));
 * sim.addNode("c1", (ctx) => new RaftClient(ctx, { servers, workload: { operations: 5 } }));
 * sim.runUntil(2_000);
 * ```
 */
export class MultiPaxosNode<C = unknown, R = unknown>
  implements Node<MultiPaxosMessage<C, R>, MultiPaxosTimer> {
  readonly #ctx: NodeContext<MultiPaxosMessage<C, R>, MultiPaxosTimer>;
  readonly #settings: MultiPaxosSettings;
  readonly #servers: readonly NodeId[];
  readonly #majority: number;
  readonly #index: number;
  readonly #observer: MultiPaxosObserver<C> | undefined;
  readonly #sessions: ClientSessions<C, R>;
  // Acceptor (durable).
  #promised: number;
  #round: number;
  readonly #accepted = new Map<
    number,
    { readonly ballot: number; readonly value: MultiPaxosValue<C> }
  >();
  // Learner.
  readonly #chosen = new Map<number, MultiPaxosValue<C>>();
  #chosenThrough = -1;
  // Roles.
  #role: MultiPaxosRole = "follower";
  #ballot = 0;
  #leader: NodeId | null = null;
  #electionTimer: TimerId | undefined;
  #heartbeatTimer: TimerId | undefined;
  // Candidate.
  #fromSlot = 0;
  readonly #promises = new Map<NodeId, readonly SlotProposal<C>[]>();
  // Leader.
  readonly #proposals = new Map<number, Proposal<C>>();
  #nextSlot = 0;
  #tick = 0;

  /** A server acting through `ctx`; bad settings throw a ConfigError naming the field. */
  constructor(
    ctx: NodeContext<MultiPaxosMessage<C, R>, MultiPaxosTimer>,
    options: MultiPaxosOptions<C, R>,
  ) {
    this.#ctx = ctx;
    const { servers, stateMachine, observer, ...settings } = options;
    this.#settings = parseConfig(MultiPaxosSettingsSchema, settings, "multiPaxos");
    if (!servers.includes(ctx.id)) {
      throw new RangeError(`Cannot start Multi-Paxos server ${ctx.id}: it is not in servers`);
    }
    this.#servers = servers;
    this.#majority = Math.floor(servers.length / 2) + 1;
    this.#index = servers.indexOf(ctx.id);
    this.#observer = observer;
    const machine = stateMachine?.() ?? (new KvStore() as unknown as StateMachine<C, R>);
    this.#sessions = new ClientSessions(machine);
    this.#promised = ctx.storage.get<number>(PROMISED_KEY) ?? 0;
    this.#round = ctx.storage.get<number>(ROUND_KEY) ?? 0;
    for (const key of ctx.storage.keys()) {
      if (!key.startsWith(ACCEPTED_PREFIX)) continue;
      const slot = Number(key.slice(ACCEPTED_PREFIX.length));
      const proposal = ctx.storage.get<{ ballot: number; value: MultiPaxosValue<C> }>(key)!;
      this.#accepted.set(slot, proposal);
      // An acceptor never holds a proposal above its promise; a forgetful one starts at 0.
      if (this.#settings.unsafe !== "forgetPromise") {
        this.#promised = Math.max(this.#promised, proposal.ballot);
      }
    }
  }

  /** This server's id. */
  get id(): NodeId {
    return this.#ctx.id;
  }

  /** Its role now. */
  get role(): MultiPaxosRole {
    return this.#role;
  }

  /** The ballot it leads or follows (0: none yet). */
  get ballot(): number {
    return Math.max(this.#ballot, this.#promised);
  }

  /** Every slot up to this one is known chosen here (-1: none). */
  get chosenThrough(): number {
    return this.#chosenThrough;
  }

  /** The value chosen in `slot`, if this server knows it. */
  chosen(slot: number): MultiPaxosValue<C> | undefined {
    return this.#chosen.get(slot);
  }

  /** The state machine this server applies chosen commands to. */
  get stateMachine(): StateMachine<C, R> {
    return this.#sessions.machine;
  }

  /** Arms the election timer. */
  start(): void {
    this.#resetElectionTimer();
  }

  /** Handles a message. */
  onMessage(from: NodeId, message: MultiPaxosMessage<C, R>): void {
    switch (message.type) {
      case "Prepare":
        return this.#onPrepare(from, message);
      case "Promise":
        return this.#onPromise(from, message);
      case "Accept":
        return this.#onAccept(from, message);
      case "Accepted":
        return this.#onAccepted(from, message);
      case "Nack":
        return this.#onNack(message);
      case "Heartbeat":
        return this.#onHeartbeat(from, message);
      case "HeartbeatReply":
        return this.#onHeartbeatReply(from, message);
      case "Learn":
        for (const [slot, value] of message.chosen) this.#learn(slot, value);
        return;
      case "ClientRequest":
        return this.#onClientRequest(from, message);
      case "ClientReply":
        return;
    }
  }

  /** Runs phase 1 when no leader was heard in time; sends heartbeats while leading. */
  onTimer(timer: MultiPaxosTimer): void {
    if (timer.type === "election") {
      this.#electionTimer = undefined;
      if (this.#role !== "leader") this.#startPhase1();
    } else {
      this.#heartbeatTimer = undefined;
      if (this.#role === "leader") this.#heartbeat(true);
    }
  }

  // ---- Acceptor ----------------------------------------------------------------------

  #onPrepare(from: NodeId, message: MultiPrepareMessage): void {
    // Phase 1b for every slot at once: promise if no higher ballot was promised.
    if (message.ballot < this.#promised) {
      this.#send(from, { type: "Nack", ballot: message.ballot, promised: this.#promised });
      return;
    }
    this.#promise(message.ballot);
    if (from !== this.#ctx.id && message.ballot > this.#ballot) this.#follow(null, message.ballot);
    const accepted: SlotProposal<C>[] = [];
    for (const [slot, proposal] of this.#accepted) {
      if (slot >= message.fromSlot) accepted.push([slot, proposal.ballot, proposal.value]);
    }
    accepted.sort((a, b) => a[0] - b[0]);
    this.#send(from, { type: "Promise", ballot: message.ballot, accepted });
  }

  #onAccept(from: NodeId, message: MultiAcceptMessage<C>): void {
    // Phase 2b: accept unless a higher ballot was promised (P1a).
    if (message.ballot < this.#promised) {
      this.#send(from, { type: "Nack", ballot: message.ballot, promised: this.#promised });
      return;
    }
    this.#promise(message.ballot);
    if (from !== this.#ctx.id) this.#follow(from, message.ballot);
    this.#accepted.set(message.slot, { ballot: message.ballot, value: message.value });
    this.#ctx.storage.set(ACCEPTED_PREFIX + message.slot, {
      ballot: message.ballot,
      value: message.value,
    });
    this.#observer?.({
      kind: "accept",
      node: this.#ctx.id,
      slot: message.slot,
      ballot: message.ballot,
      value: message.value,
    });
    this.#send(from, { type: "Accepted", ballot: message.ballot, slot: message.slot });
    this.#learnFromLeader(message.ballot, message.chosenThrough);
  }

  #promise(ballot: number): void {
    if (ballot === this.#promised) return;
    this.#promised = ballot;
    // Durable before the reply leaves (§2.3); the forgetful variant keeps it in memory.
    if (this.#settings.unsafe !== "forgetPromise") this.#ctx.storage.set(PROMISED_KEY, ballot);
  }

  #onHeartbeat(from: NodeId, message: MultiHeartbeatMessage): void {
    if (message.ballot < this.#promised) {
      this.#send(from, { type: "Nack", ballot: message.ballot, promised: this.#promised });
      return;
    }
    this.#promise(message.ballot);
    this.#follow(from, message.ballot);
    this.#learnFromLeader(message.ballot, message.chosenThrough);
    this.#send(from, {
      type: "HeartbeatReply",
      ballot: message.ballot,
      learnedThrough: this.#chosenThrough,
    });
  }

  /**
   * What the leader's "chosen through" says here: a slot it knows chosen whose proposal
   * this server accepted in the leader's own ballot holds the chosen value (a ballot has
   * one value per slot). Anything else waits for a `Learn`.
   */
  #learnFromLeader(ballot: number, chosenThrough: number): void {
    for (let slot = this.#chosenThrough + 1; slot <= chosenThrough; slot++) {
      const proposal = this.#accepted.get(slot);
      if (proposal === undefined || proposal.ballot !== ballot) break;
      this.#learn(slot, proposal.value);
    }
  }

  // ---- Roles -------------------------------------------------------------------------

  #follow(leader: NodeId | null, ballot: number): void {
    if (this.#role !== "follower" || ballot !== this.#ballot) {
      this.#become("follower", ballot);
    }
    if (leader !== null) this.#leader = leader;
    this.#resetElectionTimer();
  }

  #become(role: MultiPaxosRole, ballot: number): void {
    if (role !== "leader") {
      this.#proposals.clear();
      if (this.#heartbeatTimer !== undefined) this.#ctx.cancelTimer(this.#heartbeatTimer);
      this.#heartbeatTimer = undefined;
    }
    this.#leader = role === "leader" ? this.#ctx.id : null;
    this.#role = role;
    this.#ballot = ballot;
    this.#ctx.log(`${role} ${formatBallot(ballot)}`);
    this.#observer?.({ kind: "role", node: this.#ctx.id, role, ballot });
  }

  #resetElectionTimer(): void {
    if (this.#electionTimer !== undefined) this.#ctx.cancelTimer(this.#electionTimer);
    const { electionTimeoutMinMs: min, electionTimeoutMaxMs: max } = this.#settings;
    this.#electionTimer = this.#ctx.setTimer(this.#ctx.random.uniform(min, max), {
      type: "election",
    });
  }

  // ---- Candidate: phase 1 once per leadership ----------------------------------------

  #startPhase1(): void {
    this.#round = Math.max(this.#round, ballotRound(this.#promised)) + 1;
    this.#ctx.storage.set(ROUND_KEY, this.#round);
    const ballot = ballotOf(this.#round, this.#index);
    this.#become("candidate", ballot);
    this.#promises.clear();
    this.#fromSlot = this.#chosenThrough + 1;
    this.#resetElectionTimer();
    for (const server of this.#servers) {
      if (this.#role !== "candidate" || this.#ballot !== ballot) break;
      this.#send(server, { type: "Prepare", ballot, fromSlot: this.#fromSlot });
    }
  }

  #onPromise(from: NodeId, message: MultiPromiseMessage<C>): void {
    if (this.#role !== "candidate" || message.ballot !== this.#ballot) return;
    this.#promises.set(from, message.accepted);
    if (this.#promises.size >= this.#majority) this.#becomeLeader();
  }

  #becomeLeader(): void {
    this.#become("leader", this.#ballot);
    // P2c per slot: the value of the highest-numbered proposal any promise reported,
    // a no-op where none did (a gap nobody can have chosen anything in).
    const best = new Map<number, { ballot: number; value: MultiPaxosValue<C> }>();
    if (this.#settings.unsafe !== "ignorePhase1Values") {
      for (const accepted of this.#promises.values()) {
        for (const [slot, ballot, value] of accepted) {
          const known = best.get(slot);
          if (known === undefined || ballot > known.ballot) best.set(slot, { ballot, value });
        }
      }
    }
    const last = Math.max(this.#fromSlot - 1, ...best.keys());
    this.#nextSlot = last + 1;
    for (let slot = this.#fromSlot; slot <= last; slot++) {
      if (this.#chosen.has(slot)) continue;
      this.#propose(slot, best.get(slot)?.value ?? { kind: "noop" });
    }
    this.#heartbeat(false);
  }

  #onNack(message: MultiNackMessage): void {
    this.#round = Math.max(this.#round, ballotRound(message.promised));
    if (message.ballot === this.#ballot && this.#role !== "follower") {
      this.#follow(null, this.#ballot);
    }
  }

  // ---- Leader: phase 2 per command ---------------------------------------------------

  #onClientRequest(from: NodeId, message: ClientRequestMessage<C>): void {
    if (this.#role !== "leader") {
      this.#send(from, {
        type: "ClientReply",
        clientId: message.clientId,
        seq: message.seq,
        status: "not-leader",
        result: null,
        leaderHint: this.#leader === this.#ctx.id ? null : this.#leader,
      });
      return;
    }
    // A retry of a command still in flight is answered when that one is applied.
    for (const proposal of this.#proposals.values()) {
      const value = proposal.value;
      if (
        value.kind === "command" && value.clientId === message.clientId && value.seq === message.seq
      ) return;
    }
    this.#propose(this.#nextSlot++, {
      kind: "command",
      clientId: message.clientId,
      seq: message.seq,
      op: message.op,
    });
  }

  #propose(slot: number, value: MultiPaxosValue<C>): void {
    this.#proposals.set(slot, { value, acks: new Set(), sentTick: this.#tick });
    const accept: MultiAcceptMessage<C> = {
      type: "Accept",
      ballot: this.#ballot,
      slot,
      value,
      chosenThrough: this.#chosenThrough,
    };
    for (const server of this.#servers) {
      if (this.#role !== "leader") return;
      this.#send(server, accept);
    }
  }

  #onAccepted(from: NodeId, message: MultiAcceptedMessage): void {
    if (this.#role !== "leader" || message.ballot !== this.#ballot) return;
    const proposal = this.#proposals.get(message.slot);
    if (proposal === undefined) return;
    proposal.acks.add(from);
    if (proposal.acks.size < this.#majority) return;
    this.#proposals.delete(message.slot);
    this.#learn(message.slot, proposal.value);
  }

  #heartbeat(retransmit: boolean): void {
    for (const server of this.#servers) {
      if (server === this.#ctx.id) continue;
      this.#ctx.send(server, {
        type: "Heartbeat",
        ballot: this.#ballot,
        chosenThrough: this.#chosenThrough,
      });
    }
    // Lost messages: proposals not chosen within an interval go again to whoever has not
    // answered.
    if (retransmit) this.#tick++;
    for (const [slot, proposal] of this.#proposals) {
      if (!retransmit || proposal.sentTick >= this.#tick - 1) continue;
      proposal.sentTick = this.#tick;
      for (const server of this.#servers) {
        if (proposal.acks.has(server) || server === this.#ctx.id) continue;
        this.#ctx.send(server, {
          type: "Accept",
          ballot: this.#ballot,
          slot,
          value: proposal.value,
          chosenThrough: this.#chosenThrough,
        });
      }
    }
    this.#heartbeatTimer = this.#ctx.setTimer(this.#settings.heartbeatIntervalMs, {
      type: "heartbeat",
    });
  }

  #onHeartbeatReply(from: NodeId, message: MultiHeartbeatReplyMessage): void {
    if (this.#role !== "leader" || message.ballot !== this.#ballot) return;
    if (message.learnedThrough >= this.#chosenThrough) return;
    const chosen: (readonly [number, MultiPaxosValue<C>])[] = [];
    const end = Math.min(
      this.#chosenThrough,
      message.learnedThrough + this.#settings.maxEntriesPerMessage,
    );
    for (let slot = message.learnedThrough + 1; slot <= end; slot++) {
      chosen.push([slot, this.#chosen.get(slot)!]);
    }
    this.#ctx.send(from, { type: "Learn", chosen });
  }

  // ---- Learner and state machine -----------------------------------------------------

  #learn(slot: number, value: MultiPaxosValue<C>): void {
    if (this.#chosen.has(slot)) return;
    this.#chosen.set(slot, value);
    this.#observer?.({ kind: "learn", node: this.#ctx.id, slot, value });
    // Apply the chosen prefix in slot order, as every replica does.
    while (this.#chosen.has(this.#chosenThrough + 1)) {
      this.#chosenThrough++;
      this.#apply(this.#chosen.get(this.#chosenThrough)!);
    }
  }

  #apply(value: MultiPaxosValue<C>): void {
    if (value.kind === "noop") return;
    const outcome = this.#sessions.apply(value.op, { clientId: value.clientId, seq: value.seq });
    if (this.#role !== "leader" || outcome.outcome === "stale") return;
    this.#ctx.send(value.clientId, {
      type: "ClientReply",
      clientId: value.clientId,
      seq: value.seq,
      status: "ok",
      result: outcome.result,
      leaderHint: null,
    });
  }

  /** Sends `message`, or handles it at once when it is addressed to this server. */
  #send(to: NodeId, message: MultiPaxosMessage<C, R>): void {
    if (to === this.#ctx.id) this.onMessage(to, message);
    else this.#ctx.send(to, message);
  }
}
