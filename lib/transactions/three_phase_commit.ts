/**
 * Three-phase commit (Skeen, "Nonblocking commit protocols", SIGMOD 1981). Between the
 * vote and the commit it puts a third state, pre-committed: a participant that has voted
 * yes is uncertain; the coordinator moves every participant to pre-committed (everyone
 * voted yes, the outcome will be commit) and only then sends the commit. No participant
 * can be committed while another is still uncertain, so the participants can finish a
 * transaction without the coordinator.
 *
 * That is the termination protocol: a participant that hears nothing from the coordinator
 * for `timeoutMs` asks the other participants for their states and decides by Skeen's
 * rule: any committed, commit; any aborted, abort; any pre-committed, pre-commit the
 * uncertain ones and commit; all uncertain, abort. It is non-blocking, and correct, only
 * if silence means a crash: with bounded message delays and crash-stop nodes. A partition
 * breaks that assumption: a participant cut off while uncertain hears no one, aborts,
 * and the others commit.
 *
 * @module
 */
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import type { CommitDecision, CommitReporter } from "./commit_ledger.ts";

/** A participant's durable state in three-phase commit ("uncertain": voted yes). */
export type ThreePhaseState = "uncertain" | "precommitted" | "committed" | "aborted";

/** A message of three-phase commit. */
export type ThreePhaseMessage =
  | { readonly type: "CanCommit"; readonly txn: number }
  | { readonly type: "Vote"; readonly txn: number; readonly yes: boolean }
  | { readonly type: "PreCommit"; readonly txn: number }
  | { readonly type: "PreCommitAck"; readonly txn: number }
  | { readonly type: "Decision"; readonly txn: number; readonly decision: CommitDecision }
  | { readonly type: "StateRequest"; readonly txn: number }
  | { readonly type: "StateReply"; readonly txn: number; readonly state: ThreePhaseState };

/** A timer of three-phase commit. */
export type ThreePhaseTimer =
  | { readonly type: "next-txn" }
  | { readonly type: "phase-timeout"; readonly txn: number }
  | { readonly type: "silence"; readonly txn: number; readonly epoch: number }
  | { readonly type: "terminate"; readonly txn: number; readonly epoch: number };

/** Options of a {@link ThreePhaseCoordinator}. */
export interface ThreePhaseCoordinatorOptions {
  /** The participants of every transaction. */
  readonly participants: readonly NodeId[];
  /** Quiet time between one transaction's decision and the next one's start, in ms. */
  readonly gapMs: number;
  /** How long to wait for votes, and then for pre-commit acknowledgements, in ms. */
  readonly timeoutMs: number;
  /** Begin no transaction after this time of the coordinator's clock, in ms. */
  readonly stopAtMs: number;
  /** Begin no transaction numbered above this one. Default: no limit. */
  readonly lastTxn?: number;
  /** Where to report beginnings and decisions. */
  readonly report: CommitReporter;
}

const NEXT_KEY = "3pc:next-txn";

/**
 * The coordinator of three-phase commit. It keeps only its transaction counter durably: a
 * coordinator that restarts leaves the transaction it was running to the participants'
 * termination protocol.
 */
export class ThreePhaseCoordinator implements Node<ThreePhaseMessage, ThreePhaseTimer> {
  readonly #ctx: NodeContext<ThreePhaseMessage, ThreePhaseTimer>;
  readonly #options: ThreePhaseCoordinatorOptions;
  #active:
    | { txn: number; phase: "votes" | "acks"; heard: Set<NodeId>; timer: TimerId }
    | undefined;

  /** A coordinator acting through `ctx`. */
  constructor(
    ctx: NodeContext<ThreePhaseMessage, ThreePhaseTimer>,
    options: ThreePhaseCoordinatorOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Starts the next transaction after a gap. */
  start(): void {
    this.#ctx.setTimer(this.#options.gapMs, { type: "next-txn" });
  }

  /** Handles votes and pre-commit acknowledgements. */
  onMessage(from: NodeId, message: ThreePhaseMessage): void {
    const active = this.#active;
    if (active === undefined || !("txn" in message) || message.txn !== active.txn) return;
    if (message.type === "Vote" && active.phase === "votes") {
      if (!message.yes) return this.#finish("abort");
      active.heard.add(from);
      if (active.heard.size === this.#options.participants.length) this.#preCommit();
    } else if (message.type === "PreCommitAck" && active.phase === "acks") {
      active.heard.add(from);
      if (active.heard.size === this.#options.participants.length) this.#finish("commit");
    }
  }

  /** Starts a transaction, or ends a phase that timed out. */
  onTimer(timer: ThreePhaseTimer): void {
    if (timer.type === "next-txn") return this.#begin();
    if (timer.type !== "phase-timeout" || this.#active?.txn !== timer.txn) return;
    // A missing vote: abort. A missing acknowledgement: the silent participant crashed
    // (crash-stop, bounded delays), everyone voted yes, so commit; it will learn the
    // outcome from the others when it recovers.
    this.#finish(this.#active.phase === "votes" ? "abort" : "commit");
  }

  #begin(): void {
    if (this.#active !== undefined || this.#ctx.now() > this.#options.stopAtMs) return;
    const txn = this.#ctx.storage.get<number>(NEXT_KEY) ?? 1;
    if (txn > (this.#options.lastTxn ?? Infinity)) return;
    this.#ctx.storage.set(NEXT_KEY, txn + 1);
    this.#options.report({ kind: "begin", txn });
    const timer = this.#ctx.setTimer(this.#options.timeoutMs, { type: "phase-timeout", txn });
    this.#active = { txn, phase: "votes", heard: new Set(), timer };
    this.#broadcast({ type: "CanCommit", txn });
  }

  #preCommit(): void {
    const active = this.#active!;
    this.#ctx.cancelTimer(active.timer);
    const timer = this.#ctx.setTimer(this.#options.timeoutMs, {
      type: "phase-timeout",
      txn: active.txn,
    });
    this.#active = { txn: active.txn, phase: "acks", heard: new Set(), timer };
    this.#broadcast({ type: "PreCommit", txn: active.txn });
  }

  #finish(decision: CommitDecision): void {
    const active = this.#active!;
    this.#ctx.cancelTimer(active.timer);
    this.#active = undefined;
    this.#options.report({ kind: "decision", txn: active.txn, decision, by: this.#ctx.id });
    this.#ctx.log(`decided ${decision}`, { txn: active.txn });
    this.#broadcast({ type: "Decision", txn: active.txn, decision });
    this.#ctx.setTimer(this.#options.gapMs, { type: "next-txn" });
  }

  #broadcast(message: ThreePhaseMessage): void {
    for (const p of this.#options.participants) this.#ctx.send(p, message);
  }
}

/** Options of a {@link ThreePhaseParticipant}. */
export interface ThreePhaseParticipantOptions {
  /** The coordinator's id. */
  readonly coordinator: NodeId;
  /** Every participant, this one included. */
  readonly participants: readonly NodeId[];
  /** Chance of voting no on a transaction. */
  readonly abortProbability: number;
  /**
   * The coordinator's phase timeout, in ms: after twice this much silence the participant
   * starts the termination protocol, and it waits this long for the others' states. It
   * must exceed the longest round trip: that is the synchrony 3PC assumes.
   */
  readonly timeoutMs: number;
  /** Where to report votes and outcomes. */
  readonly report: CommitReporter;
}

const stateKey = (txn: number) => `3pc:participant:${txn}`;
const LOCK_KEY = "3pc:lock";

/** A participant of three-phase commit, with Skeen's termination protocol. */
export class ThreePhaseParticipant implements Node<ThreePhaseMessage, ThreePhaseTimer> {
  readonly #ctx: NodeContext<ThreePhaseMessage, ThreePhaseTimer>;
  readonly #options: ThreePhaseParticipantOptions;
  /** Bumped whenever the participant hears progress: older silence timers are stale. */
  #epoch = 0;
  /** A termination round in progress: the states heard so far. */
  #round:
    | { txn: number; states: Map<NodeId, ThreePhaseState>; phase: "states" | "acks" }
    | undefined;

  /** A participant acting through `ctx`. */
  constructor(
    ctx: NodeContext<ThreePhaseMessage, ThreePhaseTimer>,
    options: ThreePhaseParticipantOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Recovers: a transaction left uncertain or pre-committed is terminated with the others. */
  start(): void {
    const txn = this.#ctx.storage.get<number>(LOCK_KEY);
    if (txn !== undefined) this.#startTermination(txn);
  }

  /** Handles the coordinator's messages and the termination protocol's. */
  onMessage(from: NodeId, message: ThreePhaseMessage): void {
    const txn = message.txn;
    const state = this.#state(txn);
    switch (message.type) {
      case "CanCommit":
        return this.#onCanCommit(txn, state);
      case "PreCommit":
        if (state === "uncertain") {
          this.#ctx.storage.set(stateKey(txn), "precommitted");
          this.#listen(txn);
        }
        if (state === "uncertain" || state === "precommitted") {
          this.#ctx.send(from, { type: "PreCommitAck", txn });
        }
        return;
      case "PreCommitAck":
        if (this.#round?.txn === txn && this.#round.phase === "acks") {
          this.#round.states.set(from, "precommitted");
        }
        return;
      case "Decision":
        return this.#apply(txn, message.decision);
      case "StateRequest": {
        let reply = state;
        if (reply === undefined) {
          // Never voted: free to abort alone, and saying so lets the asker abort too.
          this.#ctx.storage.set(stateKey(txn), "aborted");
          this.#options.report({
            kind: "outcome",
            txn,
            participant: this.#ctx.id,
            decision: "abort",
          });
          reply = "aborted";
        }
        this.#ctx.send(from, { type: "StateReply", txn, state: reply });
        return;
      }
      case "StateReply":
        if (this.#round?.txn === txn && this.#round.phase === "states") {
          this.#round.states.set(from, message.state);
        }
        return;
      case "Vote":
        return;
    }
  }

  /** Silence from the coordinator starts termination; a round's wait ends it. */
  onTimer(timer: ThreePhaseTimer): void {
    if (timer.type === "silence" && timer.epoch === this.#epoch) this.#startTermination(timer.txn);
    if (timer.type === "terminate" && timer.epoch === this.#epoch) this.#endRound(timer.txn);
  }

  #state(txn: number): ThreePhaseState | undefined {
    return this.#ctx.storage.get<ThreePhaseState>(stateKey(txn));
  }

  #onCanCommit(txn: number, state: ThreePhaseState | undefined): void {
    if (state !== undefined) {
      this.#ctx.send(this.#options.coordinator, { type: "Vote", txn, yes: state !== "aborted" });
      return;
    }
    const locked = this.#ctx.storage.get<number>(LOCK_KEY);
    if (locked !== undefined || this.#ctx.random.chance(this.#options.abortProbability)) {
      this.#ctx.storage.set(stateKey(txn), "aborted");
      this.#options.report({ kind: "vote-no", txn, participant: this.#ctx.id });
      this.#options.report({ kind: "outcome", txn, participant: this.#ctx.id, decision: "abort" });
      this.#ctx.send(this.#options.coordinator, { type: "Vote", txn, yes: false });
      return;
    }
    this.#ctx.storage.set(stateKey(txn), "uncertain");
    this.#ctx.storage.set(LOCK_KEY, txn);
    this.#options.report({ kind: "prepared", txn, participant: this.#ctx.id });
    this.#ctx.send(this.#options.coordinator, { type: "Vote", txn, yes: true });
    this.#listen(txn);
  }

  /** Heard progress on `txn`: wait for the next step, or terminate after the timeout. */
  #listen(txn: number): void {
    this.#epoch++;
    this.#round = undefined;
    // Twice the coordinator's phase timeout: a live coordinator always moves first.
    this.#ctx.setTimer(2 * this.#options.timeoutMs, { type: "silence", txn, epoch: this.#epoch });
  }

  #apply(txn: number, decision: CommitDecision): void {
    const state = this.#state(txn);
    if (state === "committed" || state === "aborted") return;
    this.#ctx.storage.set(stateKey(txn), decision === "commit" ? "committed" : "aborted");
    if (this.#ctx.storage.get<number>(LOCK_KEY) === txn) this.#ctx.storage.delete(LOCK_KEY);
    if (this.#round?.txn === txn) this.#round = undefined;
    this.#options.report({ kind: "outcome", txn, participant: this.#ctx.id, decision });
    this.#ctx.log(`applied ${decision}`, { txn });
  }

  #others(): NodeId[] {
    return this.#options.participants.filter((p) => p !== this.#ctx.id);
  }

  #startTermination(txn: number): void {
    const state = this.#state(txn);
    if (state !== "uncertain" && state !== "precommitted") return;
    this.#epoch++;
    this.#round = { txn, states: new Map([[this.#ctx.id, state]]), phase: "states" };
    this.#ctx.log("coordinator silent: terminating", { txn });
    for (const p of this.#others()) this.#ctx.send(p, { type: "StateRequest", txn });
    this.#ctx.setTimer(this.#options.timeoutMs, { type: "terminate", txn, epoch: this.#epoch });
  }

  #endRound(txn: number): void {
    const round = this.#round;
    if (round === undefined || round.txn !== txn) return;
    const own = this.#state(txn);
    if (own !== "uncertain" && own !== "precommitted") return;
    const states = [...round.states.values()];
    if (round.phase === "acks") return this.#decideAll(txn, "commit");
    // Skeen's termination rule, over the states heard within the timeout.
    if (states.includes("committed")) return this.#decideAll(txn, "commit");
    if (states.includes("aborted")) return this.#decideAll(txn, "abort");
    if (states.includes("precommitted")) {
      // Move everyone to pre-committed before anyone commits, as the coordinator would.
      if (own === "uncertain") this.#ctx.storage.set(stateKey(txn), "precommitted");
      this.#epoch++;
      this.#round = { txn, states: new Map(), phase: "acks" };
      for (const p of this.#others()) this.#ctx.send(p, { type: "PreCommit", txn });
      this.#ctx.setTimer(this.#options.timeoutMs, { type: "terminate", txn, epoch: this.#epoch });
      return;
    }
    // Everyone heard from is uncertain: none can have committed, so abort.
    this.#decideAll(txn, "abort");
  }

  #decideAll(txn: number, decision: CommitDecision): void {
    this.#ctx.log(`termination decided ${decision}`, { txn });
    for (const p of this.#others()) this.#ctx.send(p, { type: "Decision", txn, decision });
    this.#apply(txn, decision);
  }
}
