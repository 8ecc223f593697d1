/**
 * Single-decree Paxos, as Lamport tells it in "Paxos Made Simple" (2001): proposers,
 * acceptors and learners choose one value despite crashes, restarts, lost, duplicated and
 * reordered messages, and no bound on delays.
 *
 * - **Phase 1.** A proposer picks a proposal number n (a *ballot*) higher than any it
 *   used before and sends `Prepare(n)` to the acceptors. An acceptor that has not
 *   answered a higher-numbered prepare promises never again to accept a proposal
 *   numbered below n, and returns the highest-numbered proposal it has accepted (P1a,
 *   phase 1b).
 * - **Phase 2.** With promises from a majority, the proposer sends `Accept(n, v)`, where
 *   v is the value of the highest-numbered proposal among the promises, or its own value
 *   if they carry none (P2c). An acceptor accepts unless it has promised a higher number
 *   (phase 2b), and tells the learners.
 * - **Learning.** A value is chosen once a majority accepted it in one ballot; a learner
 *   that hears so from a majority has learned it.
 *
 * The paper's rules, and where each lives here:
 *
 * - **P1** (an acceptor must accept the first proposal it receives) and **P1a** (it
 *   accepts proposal n unless it has answered a prepare numbered above n): {@link acceptRule}.
 * - **P2** (once v is chosen, every higher-numbered proposal chosen has value v) follows
 *   from **P2a** (every higher-numbered proposal *accepted* has value v), which follows
 *   from **P2b** (every higher-numbered proposal *issued* has value v), which the
 *   proposer guarantees by **P2c**: it proposes the value of the highest-numbered
 *   proposal reported by a majority's promises ({@link valueToPropose}), and the
 *   acceptors keep their promises ({@link promiseRule}).
 *
 * Every process here can play all three roles, as the paper allows. Acceptors keep their
 * promise and accepted proposal in durable storage, and proposers the highest round they
 * used, so a restart never breaks a promise nor reuses a ballot.
 *
 * @module
 */
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";

// ---- Ballots -------------------------------------------------------------------------

/**
 * How many proposers ballots can tell apart. A ballot (the paper's proposal number) is
 * `round * MAX_PROPOSERS + proposerIndex`: numbers are totally ordered, rounds order them
 * first, and two proposers never share one, as the paper requires ("different proposers
 * choose their numbers from disjoint sets").
 */
export const MAX_PROPOSERS = 100;

/** The ballot of `round` (1, 2, ...) for the proposer with index `proposerIndex`. */
export function ballotOf(round: number, proposerIndex: number): number {
  if (!Number.isInteger(proposerIndex) || proposerIndex < 0 || proposerIndex >= MAX_PROPOSERS) {
    throw new RangeError(
      `Cannot number a ballot: proposer index must be 0 to ${
        MAX_PROPOSERS - 1
      }, got ${proposerIndex}`,
    );
  }
  return round * MAX_PROPOSERS + proposerIndex;
}

/** The round of a ballot (0 for no ballot). */
export function ballotRound(ballot: number): number {
  return Math.floor(ballot / MAX_PROPOSERS);
}

/** A ballot as "round.proposer" ("3.1"), for traces and figures; "none" for 0. */
export function formatBallot(ballot: number): string {
  return ballot === 0 ? "none" : `${ballotRound(ballot)}.${ballot % MAX_PROPOSERS}`;
}

// ---- The acceptor's rules ------------------------------------------------------------

/** A proposal an acceptor accepted: its ballot and value. */
export interface AcceptedProposal<V = unknown> {
  /** The ballot it was accepted in. */
  readonly ballot: number;
  /** The value. */
  readonly value: V;
}

/** What an acceptor remembers, durably: its promise and the last proposal it accepted. */
export interface AcceptorState<V = unknown> {
  /** The highest ballot it has promised (0: none). */
  readonly promised: number;
  /** The highest-numbered proposal it has accepted, or null. */
  readonly accepted: AcceptedProposal<V> | null;
}

/** The empty acceptor state: no promise, nothing accepted. */
export const EMPTY_ACCEPTOR: AcceptorState<never> = Object.freeze({ promised: 0, accepted: null });

/**
 * An acceptor's answer to `Prepare(ballot)`: whether it promises, its new state (to be
 * stored durably before the reply leaves), and, with a promise, the proposal it reports
 * as accepted.
 */
export interface PromiseAnswer<V = unknown> {
  /** True: promise. False: refuse (the proposer hears the higher promise instead). */
  readonly promise: boolean;
  /** The acceptor's state after answering. */
  readonly state: AcceptorState<V>;
  /** With a promise: the highest-numbered proposal accepted so far, or null. */
  readonly accepted: AcceptedProposal<V> | null;
}

/** How an acceptor answers a prepare request: the rule of phase 1b, replaceable for exercises. */
export type PromiseRule = <V>(state: AcceptorState<V>, ballot: number) => PromiseAnswer<V>;

/**
 * Phase 1b ("Paxos Made Simple", §2.2): an acceptor that receives `Prepare(n)` with n
 * greater than any prepare it has answered promises not to accept proposals numbered
 * below n, and returns the highest-numbered proposal it has accepted. Answering the same
 * n again is safe (only one proposer owns n), so duplicated prepares get the same answer.
 */
export const promiseRule: PromiseRule = <V>(
  state: AcceptorState<V>,
  ballot: number,
): PromiseAnswer<V> => {
  if (ballot < state.promised) return { promise: false, state, accepted: null };
  return { promise: true, state: { ...state, promised: ballot }, accepted: state.accepted };
};

/**
 * Phase 2b and P1a: an acceptor accepts a proposal numbered n unless it has answered a
 * prepare numbered above n. Returns the new state, or undefined to refuse.
 */
export function acceptRule<V>(
  state: AcceptorState<V>,
  ballot: number,
  value: V,
): AcceptorState<V> | undefined {
  if (ballot < state.promised) return undefined;
  return { promised: ballot, accepted: { ballot, value } };
}

/**
 * P2c: the value a proposer may propose after promises from a majority: the value of the
 * highest-numbered proposal the promises report, or, if none reports one, its own.
 */
export function valueToPropose<V>(
  reported: readonly (AcceptedProposal<V> | null)[],
  own: V,
): V {
  let best: AcceptedProposal<V> | null = null;
  for (const proposal of reported) {
    if (proposal !== null && (best === null || proposal.ballot > best.ballot)) best = proposal;
  }
  return best === null ? own : best.value;
}

// ---- Messages ------------------------------------------------------------------------

/** Phase 1a: a proposer asks the acceptors to promise `ballot`. */
export interface PrepareMessage {
  /** Always "Prepare". */
  readonly type: "Prepare";
  /** The proposal number. */
  readonly ballot: number;
}

/** Phase 1b: an acceptor promises `ballot` and reports what it accepted. */
export interface PromiseMessage<V = unknown> {
  /** Always "Promise". */
  readonly type: "Promise";
  /** The ballot promised. */
  readonly ballot: number;
  /** The highest-numbered proposal it had accepted, or null. */
  readonly accepted: AcceptedProposal<V> | null;
}

/** Phase 2a: a proposer asks the acceptors to accept `value` in `ballot`. */
export interface AcceptMessage<V = unknown> {
  /** Always "Accept". */
  readonly type: "Accept";
  /** The proposal number. */
  readonly ballot: number;
  /** The value. */
  readonly value: V;
}

/** Phase 2b: an acceptor tells the learners (the proposer among them) it accepted. */
export interface AcceptedMessage<V = unknown> {
  /** Always "Accepted". */
  readonly type: "Accepted";
  /** The ballot accepted. */
  readonly ballot: number;
  /** The value accepted. */
  readonly value: V;
}

/**
 * A refusal: the acceptor has promised a higher ballot. Not in the paper's two phases,
 * but the optimisation it suggests ("the acceptor should inform the proposer"): the
 * proposer abandons its round at once instead of waiting for a timeout.
 */
export interface NackMessage {
  /** Always "Nack". */
  readonly type: "Nack";
  /** The ballot refused. */
  readonly ballot: number;
  /** The higher ballot the acceptor has promised. */
  readonly promised: number;
}

/** Every message of single-decree Paxos with values of type `V`. */
export type PaxosMessage<V = unknown> =
  | PrepareMessage
  | PromiseMessage<V>
  | AcceptMessage<V>
  | AcceptedMessage<V>
  | NackMessage;

/** A Paxos process's timers. */
export type PaxosTimer =
  | { readonly type: "propose" }
  | { readonly type: "round-timeout"; readonly ballot: number };

// ---- Events --------------------------------------------------------------------------

/**
 * What a Paxos process reports to its observer: a proposer began a round, an acceptor
 * promised or accepted, a learner learned.
 */
export type PaxosEvent<V = unknown> =
  | { readonly kind: "round"; readonly node: NodeId; readonly ballot: number }
  | { readonly kind: "promise"; readonly node: NodeId; readonly ballot: number }
  | {
    readonly kind: "accept";
    readonly node: NodeId;
    readonly ballot: number;
    readonly value: V;
  }
  | { readonly kind: "learn"; readonly node: NodeId; readonly value: V };

/** Receives every {@link PaxosEvent} (an observer: it must not act on the simulation). */
export type PaxosObserver<V = unknown> = (event: PaxosEvent<V>) => void;

// ---- The process ---------------------------------------------------------------------

/**
 * Deliberately broken variants, each removing one rule, for tests to prove the fault
 * sweep catches them:
 *
 * - `forgetPromise`: an acceptor keeps its promise only in memory, so after a restart it
 *   accepts proposals numbered below the ballot it promised (breaks P1a across crashes).
 * - `ignorePhase1Values`: a proposer proposes its own value whatever the promises report
 *   (breaks P2c).
 */
export interface PaxosUnsafeOptions {
  /** The acceptor forgets its promise across a restart. */
  readonly forgetPromise?: boolean;
  /** The proposer ignores the values returned in phase 1. */
  readonly ignorePhase1Values?: boolean;
}

/** The names of the broken variants. */
export const PAXOS_UNSAFE_VARIANTS = ["forgetPromise", "ignorePhase1Values"] as const;

/** Options of a {@link PaxosNode}. */
export interface PaxosNodeOptions<V> {
  /** The acceptors (a majority of them chooses). */
  readonly acceptors: readonly NodeId[];
  /** The learners, who hear every acceptance. Default: every node of the simulation. */
  readonly learners?: readonly NodeId[];
  /** The value this process proposes, if it is a proposer. */
  readonly proposal?: V;
  /** When the proposer starts its first round, in ms after it starts. Default 0. */
  readonly startDelayMs?: number;
  /** A round not finished in this long is abandoned, in ms. Default 50. */
  readonly roundTimeoutMs?: number;
  /** Fixed wait before the next round after one is abandoned, in ms. Default 0. */
  readonly retryDelayMs?: number;
  /** Plus a uniform random wait of up to this much, in ms. Default 20. */
  readonly retryJitterMs?: number;
  /** The rule answering prepares (an exercise's answer). Default {@link promiseRule}. */
  readonly promiseRule?: PromiseRule;
  /** Broken variants to run. Default none. */
  readonly unsafe?: PaxosUnsafeOptions;
  /** Told of every event. */
  readonly observer?: PaxosObserver<V>;
}

const ACCEPTOR_KEY = "paxos.acceptor";
const ROUND_KEY = "paxos.round";
const LEARNED_KEY = "paxos.learned";

/**
 * One Paxos process: an acceptor if it is listed in `acceptors`, a proposer if it has a
 * `proposal`, and always a learner.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const nodes = ["n1", "n2", "n3"];
 * sim.addNodes(nodes, (ctx) => new PaxosNode(ctx, {
 *   acceptors: nodes,
 *   ...(ctx.id === "n1" ? { proposal: "x" } : {}),
 * }));
 * sim.runUntil(200);
 * sim.node<PaxosNode<string>>("n2")!.learned; // "x"
 * ```
 */
export class PaxosNode<V = unknown> implements Node<PaxosMessage<V>, PaxosTimer> {
  readonly #ctx: NodeContext<PaxosMessage<V>, PaxosTimer>;
  readonly #acceptors: readonly NodeId[];
  readonly #learners: readonly NodeId[];
  readonly #majority: number;
  readonly #index: number;
  readonly #options: PaxosNodeOptions<V>;
  readonly #promiseRule: PromiseRule;
  // Acceptor: what survives in storage, and (for forgetPromise) the promise in memory.
  #acceptor: AcceptorState<V>;
  // Proposer.
  #round: number;
  #ballot = 0;
  #phase: "idle" | "preparing" | "accepting" = "idle";
  readonly #promises = new Map<NodeId, AcceptedProposal<V> | null>();
  #roundTimer: TimerId | undefined;
  #rounds = 0;
  // Learner: acceptors heard per ballot.
  readonly #heard = new Map<number, Set<NodeId>>();
  #learned: { readonly value: V } | undefined;

  /** A process acting through `ctx`. */
  constructor(ctx: NodeContext<PaxosMessage<V>, PaxosTimer>, options: PaxosNodeOptions<V>) {
    this.#ctx = ctx;
    this.#options = options;
    this.#acceptors = options.acceptors;
    if (this.#acceptors.length === 0) {
      throw new RangeError("Cannot build a Paxos process: acceptors must name at least one node");
    }
    this.#learners = options.learners ?? ctx.nodeIds;
    this.#majority = Math.floor(this.#acceptors.length / 2) + 1;
    this.#index = ctx.nodeIds.indexOf(ctx.id);
    this.#promiseRule = options.promiseRule ?? promiseRule;
    this.#acceptor = ctx.storage.get<AcceptorState<V>>(ACCEPTOR_KEY) ?? EMPTY_ACCEPTOR;
    this.#round = ctx.storage.get<number>(ROUND_KEY) ?? 0;
    const learned = ctx.storage.get<{ value: V }>(LEARNED_KEY);
    this.#learned = learned;
  }

  /** The value this process has learned is chosen, or undefined. */
  get learned(): V | undefined {
    return this.#learned?.value;
  }

  /** Whether it has learned a value. */
  get hasLearned(): boolean {
    return this.#learned !== undefined;
  }

  /** The acceptor's state: its promise and accepted proposal. */
  get acceptorState(): AcceptorState<V> {
    return this.#acceptor;
  }

  /** Rounds this incarnation has started as a proposer. */
  get rounds(): number {
    return this.#rounds;
  }

  /** The ballot of its current or last round (0: none). */
  get ballot(): number {
    return this.#ballot;
  }

  /** Schedules the first round, if it proposes and has not learned a value yet. */
  start(): void {
    if (this.#options.proposal === undefined || this.#learned !== undefined) return;
    this.#ctx.setTimer(this.#options.startDelayMs ?? 0, { type: "propose" });
  }

  /** Handles a message of either phase. */
  onMessage(from: NodeId, message: PaxosMessage<V>): void {
    switch (message.type) {
      case "Prepare":
        return this.#onPrepare(from, message);
      case "Accept":
        return this.#onAccept(from, message);
      case "Promise":
        return this.#onPromise(from, message);
      case "Nack":
        return this.#onNack(message);
      case "Accepted":
        return this.#onAccepted(from, message);
    }
  }

  /** Starts a round, or abandons one that timed out. */
  onTimer(timer: PaxosTimer): void {
    if (timer.type === "propose") {
      this.#startRound();
    } else if (timer.ballot === this.#ballot && this.#phase !== "idle") {
      this.#abandonRound();
    }
  }

  // ---- Acceptor ----------------------------------------------------------------------

  #onPrepare(from: NodeId, message: PrepareMessage): void {
    if (!this.#acceptors.includes(this.#ctx.id)) return;
    const answer = this.#promiseRule(this.#acceptor, message.ballot);
    if (!answer.promise) {
      this.#send(from, { type: "Nack", ballot: message.ballot, promised: this.#acceptor.promised });
      return;
    }
    // Stable storage (§2.3): the promise is written before it is sent, so a restart
    // cannot take it back.
    this.#setAcceptor(answer.state);
    this.#options.observer?.({ kind: "promise", node: this.#ctx.id, ballot: message.ballot });
    this.#send(from, { type: "Promise", ballot: message.ballot, accepted: answer.accepted });
  }

  #onAccept(from: NodeId, message: AcceptMessage<V>): void {
    if (!this.#acceptors.includes(this.#ctx.id)) return;
    const next = acceptRule(this.#acceptor, message.ballot, message.value);
    if (next === undefined) {
      this.#send(from, { type: "Nack", ballot: message.ballot, promised: this.#acceptor.promised });
      return;
    }
    this.#setAcceptor(next);
    this.#options.observer?.({
      kind: "accept",
      node: this.#ctx.id,
      ballot: message.ballot,
      value: message.value,
    });
    const accepted: AcceptedMessage<V> = {
      type: "Accepted",
      ballot: message.ballot,
      value: message.value,
    };
    for (const learner of this.#learners) this.#send(learner, accepted);
    // The proposer counts acceptances as a learner; if it is not one, tell it directly.
    if (!this.#learners.includes(from)) this.#send(from, accepted);
  }

  #setAcceptor(state: AcceptorState<V>): void {
    this.#acceptor = state;
    // forgetPromise: the promise stays in memory only; a restart finds none.
    const stored = this.#options.unsafe?.forgetPromise
      ? { promised: 0, accepted: state.accepted }
      : state;
    this.#ctx.storage.set(ACCEPTOR_KEY, stored);
  }

  // ---- Proposer ----------------------------------------------------------------------

  #startRound(): void {
    if (this.#learned !== undefined || this.#options.proposal === undefined) return;
    // A ballot higher than any this proposer used, written before use (§2.3: "a proposer
    // must remember the highest-numbered proposal it has tried to issue").
    this.#round++;
    this.#ctx.storage.set(ROUND_KEY, this.#round);
    this.#ballot = ballotOf(this.#round, this.#index);
    this.#phase = "preparing";
    this.#promises.clear();
    this.#rounds++;
    this.#options.observer?.({ kind: "round", node: this.#ctx.id, ballot: this.#ballot });
    this.#ctx.log(`prepare ${formatBallot(this.#ballot)}`);
    this.#roundTimer = this.#ctx.setTimer(this.#options.roundTimeoutMs ?? 50, {
      type: "round-timeout",
      ballot: this.#ballot,
    });
    const ballot = this.#ballot;
    for (const acceptor of this.#acceptors) {
      // A promise from itself may complete the majority and move on to phase 2.
      if (this.#ballot !== ballot || this.#phase !== "preparing") break;
      this.#send(acceptor, { type: "Prepare", ballot });
    }
  }

  #onPromise(from: NodeId, message: PromiseMessage<V>): void {
    if (this.#phase !== "preparing" || message.ballot !== this.#ballot) return;
    this.#promises.set(from, message.accepted);
    if (this.#promises.size < this.#majority) return;
    const own = this.#options.proposal as V;
    // P2c: adopt the value of the highest-numbered accepted proposal reported.
    const value = this.#options.unsafe?.ignorePhase1Values
      ? own
      : valueToPropose([...this.#promises.values()], own);
    this.#phase = "accepting";
    this.#ctx.log(`accept ${formatBallot(this.#ballot)} ${JSON.stringify(value)}`);
    const accept: AcceptMessage<V> = { type: "Accept", ballot: this.#ballot, value };
    for (const acceptor of this.#acceptors) this.#send(acceptor, accept);
  }

  #onNack(message: NackMessage): void {
    // Catch up with the higher round at once, so the next ballot can beat it.
    this.#round = Math.max(this.#round, ballotRound(message.promised));
    if (message.ballot === this.#ballot && this.#phase !== "idle") this.#abandonRound();
  }

  #abandonRound(): void {
    this.#phase = "idle";
    if (this.#roundTimer !== undefined) this.#ctx.cancelTimer(this.#roundTimer);
    this.#roundTimer = undefined;
    if (this.#learned !== undefined) return;
    const jitter = this.#options.retryJitterMs ?? 20;
    const delay = (this.#options.retryDelayMs ?? 0) +
      (jitter > 0 ? this.#ctx.random.uniform(0, jitter) : 0);
    this.#ctx.setTimer(delay, { type: "propose" });
  }

  /** Sends `message`, or handles it at once when it is addressed to this process. */
  #send(to: NodeId, message: PaxosMessage<V>): void {
    if (to === this.#ctx.id) this.onMessage(to, message);
    else this.#ctx.send(to, message);
  }

  // ---- Learner -----------------------------------------------------------------------

  #onAccepted(from: NodeId, message: AcceptedMessage<V>): void {
    if (!this.#acceptors.includes(from)) return;
    let heard = this.#heard.get(message.ballot);
    if (heard === undefined) this.#heard.set(message.ballot, heard = new Set());
    heard.add(from);
    if (heard.size < this.#majority || this.#learned !== undefined) return;
    this.#learned = { value: message.value };
    this.#ctx.storage.set(LEARNED_KEY, this.#learned);
    this.#ctx.log(`learned ${JSON.stringify(message.value)}`);
    this.#options.observer?.({ kind: "learn", node: this.#ctx.id, value: message.value });
    if (this.#phase !== "idle") {
      this.#phase = "idle";
      if (this.#roundTimer !== undefined) this.#ctx.cancelTimer(this.#roundTimer);
      this.#roundTimer = undefined;
    }
  }
}
