/**
 * Two-phase commit (Gray 1978; Bernstein, Hadzilacos and Goodman 1987, ch. 7) over the
 * node contract. A coordinator runs transactions one after another over a fixed set of
 * participants. Phase one: it logs the transaction's start, asks every participant to
 * prepare, and each votes: yes means it has durably logged "prepared" and holds its lock
 * until it learns the outcome; no means it aborts its part at once. Phase two: the
 * coordinator commits if every vote was yes and aborts otherwise (or when a vote does not
 * come in time), logs the decision, and only then tells the participants.
 *
 * The recovery rules are where the protocol lives:
 * - a coordinator that restarts aborts the transaction it had begun but not decided
 *   (no participant can have committed it) and answers from its log afterwards;
 * - a prepared participant never decides alone: it asks the coordinator until it gets
 *   the outcome (see {@link askTheCoordinator}). While the coordinator is down it waits,
 *   holding its lock: two-phase commit blocks.
 *
 * @module
 */
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import type { CommitDecision, CommitReporter } from "./commit_ledger.ts";

/** A message of two-phase commit. */
export type TwoPhaseMessage =
  | { readonly type: "Prepare"; readonly txn: number }
  | { readonly type: "Vote"; readonly txn: number; readonly yes: boolean }
  | { readonly type: "Decision"; readonly txn: number; readonly decision: CommitDecision }
  | { readonly type: "DecisionRequest"; readonly txn: number };

/** A timer of two-phase commit. */
export type TwoPhaseTimer =
  | { readonly type: "next-txn" }
  | { readonly type: "vote-timeout"; readonly txn: number }
  | { readonly type: "log-decision"; readonly txn: number; readonly decision: CommitDecision }
  | { readonly type: "recovery"; readonly txn: number; readonly sinceMs: number };

/** What a participant knows durably of one transaction. */
export type ParticipantState = "prepared" | "committed" | "aborted";

/** What a participant's recovery rule is told. */
export interface ParticipantSituation {
  /** The participant's durable state for the transaction. */
  readonly state: ParticipantState;
  /** How long it has been in that state since it (re)started looking, in ms of its clock. */
  readonly waitedMs: number;
}

/**
 * What a participant does about a transaction it has not finished: ask the coordinator
 * for the outcome, take an outcome on its own, or do nothing for now.
 */
export type RecoveryAction = "ask-coordinator" | "commit" | "abort" | "wait";

/**
 * A participant's recovery rule: called after a restart and then periodically for every
 * transaction it is prepared in.
 */
export type RecoveryRule = (situation: ParticipantSituation) => RecoveryAction;

/**
 * The rule of two-phase commit: a prepared participant has promised to do whatever the
 * coordinator decides, so it may not decide alone, whatever the wait; it asks.
 *
 * @example
 * ```ts
 * askTheCoordinator({ state: "prepared", waitedMs: 10_000 }); // "ask-coordinator"
 * ```
 */
export function askTheCoordinator(situation: ParticipantSituation): RecoveryAction {
  return situation.state === "prepared" ? "ask-coordinator" : "wait";
}

/**
 * The broken rule: a prepared participant that has waited `timeoutMs` aborts on its own.
 * If the coordinator decided to commit, the others commit and it aborts.
 */
export function abortAfter(timeoutMs: number): RecoveryRule {
  return (situation) =>
    situation.state !== "prepared"
      ? "wait"
      : situation.waitedMs >= timeoutMs
      ? "abort"
      : "ask-coordinator";
}

/** Options of a {@link TwoPhaseCoordinator}. */
export interface TwoPhaseCoordinatorOptions {
  /** The participants of every transaction. */
  readonly participants: readonly NodeId[];
  /** Quiet time between one transaction's decision and the next one's start, in ms. */
  readonly gapMs: number;
  /** How long to wait for votes before aborting, in ms. */
  readonly voteTimeoutMs: number;
  /** Begin no transaction after this time of the coordinator's clock, in ms. */
  readonly stopAtMs: number;
  /** Begin no transaction numbered above this one. Default: no limit. */
  readonly lastTxn?: number;
  /** Where to report beginnings and decisions. */
  readonly report: CommitReporter;
  /**
   * Broken variant: send the decision first and write it to the log `logDelayMs` later.
   * A crash in between loses a decision some participants already acted on. Default false.
   */
  readonly sendBeforeLog?: boolean;
  /** With `sendBeforeLog`, how long after sending the log write lands, in ms. Default 5. */
  readonly logDelayMs?: number;
}

const NEXT_KEY = "2pc:next-txn";
const coordinatorKey = (txn: number) => `2pc:coordinator:${txn}`;
type CoordinatorRecord = { readonly state: "begun" } | { readonly state: CommitDecision };

/**
 * The coordinator of two-phase commit. Its durable log holds, per transaction, "begun"
 * (written before any Prepare leaves) and then the decision (written before any Decision
 * leaves).
 */
export class TwoPhaseCoordinator implements Node<TwoPhaseMessage, TwoPhaseTimer> {
  readonly #ctx: NodeContext<TwoPhaseMessage, TwoPhaseTimer>;
  readonly #options: TwoPhaseCoordinatorOptions;
  /** The transaction collecting votes now, and the yes votes so far. */
  #active: { txn: number; yes: Set<NodeId>; timer: TimerId } | undefined;

  /** A coordinator acting through `ctx`. */
  constructor(
    ctx: NodeContext<TwoPhaseMessage, TwoPhaseTimer>,
    options: TwoPhaseCoordinatorOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Recovers: aborts a transaction begun and not decided, then carries on. */
  start(): void {
    const last = (this.#ctx.storage.get<number>(NEXT_KEY) ?? 1) - 1;
    const record = last >= 1
      ? this.#ctx.storage.get<CoordinatorRecord>(coordinatorKey(last))
      : undefined;
    // Begun and undecided: no Decision can have left (it leaves only once logged), so no
    // participant committed, and abort is safe.
    if (record?.state === "begun") this.#decide(last, "abort");
    this.#ctx.setTimer(this.#options.gapMs, { type: "next-txn" });
  }

  /** Handles votes and participants' questions. */
  onMessage(from: NodeId, message: TwoPhaseMessage): void {
    if (message.type === "Vote") this.#onVote(from, message.txn, message.yes);
    if (message.type === "DecisionRequest") this.#onDecisionRequest(from, message.txn);
  }

  /** Starts the next transaction, gives up waiting for votes, or writes a late decision. */
  onTimer(timer: TwoPhaseTimer): void {
    switch (timer.type) {
      case "next-txn":
        return this.#begin();
      case "vote-timeout":
        if (this.#active?.txn === timer.txn) this.#decide(timer.txn, "abort");
        return;
      case "log-decision":
        this.#ctx.storage.set(coordinatorKey(timer.txn), { state: timer.decision });
        return;
    }
  }

  #begin(): void {
    if (this.#active !== undefined || this.#ctx.now() > this.#options.stopAtMs) return;
    const txn = this.#ctx.storage.get<number>(NEXT_KEY) ?? 1;
    if (txn > (this.#options.lastTxn ?? Infinity)) return;
    // Log before asking: a restarted coordinator must know what it may have started.
    this.#ctx.storage.set(coordinatorKey(txn), { state: "begun" });
    this.#ctx.storage.set(NEXT_KEY, txn + 1);
    this.#options.report({ kind: "begin", txn });
    this.#ctx.log("logged begun", { txn });
    const timer = this.#ctx.setTimer(this.#options.voteTimeoutMs, { type: "vote-timeout", txn });
    this.#active = { txn, yes: new Set(), timer };
    for (const p of this.#options.participants) this.#ctx.send(p, { type: "Prepare", txn });
  }

  #onVote(from: NodeId, txn: number, yes: boolean): void {
    const active = this.#active;
    if (active === undefined || active.txn !== txn) return;
    if (!yes) return this.#decide(txn, "abort");
    active.yes.add(from);
    if (this.#options.participants.every((p) => active.yes.has(p))) this.#decide(txn, "commit");
  }

  #decide(txn: number, decision: CommitDecision): void {
    if (this.#active?.txn === txn) {
      this.#ctx.cancelTimer(this.#active.timer);
      this.#active = undefined;
    }
    if (this.#options.sendBeforeLog) {
      this.#announce(txn, decision);
      this.#ctx.setTimer(this.#options.logDelayMs ?? 5, { type: "log-decision", txn, decision });
    } else {
      // The rule that makes 2PC atomic: the decision is durable before anyone hears it.
      this.#ctx.storage.set(coordinatorKey(txn), { state: decision });
      this.#announce(txn, decision);
    }
    this.#ctx.log(`decided ${decision}`, { txn });
    this.#ctx.setTimer(this.#options.gapMs, { type: "next-txn" });
  }

  #announce(txn: number, decision: CommitDecision): void {
    this.#options.report({ kind: "decision", txn, decision, by: this.#ctx.id });
    for (const p of this.#options.participants) {
      this.#ctx.send(p, { type: "Decision", txn, decision });
    }
  }

  #onDecisionRequest(from: NodeId, txn: number): void {
    const record = this.#ctx.storage.get<CoordinatorRecord>(coordinatorKey(txn));
    if (record === undefined) {
      // Never begun here: presumed abort.
      this.#ctx.send(from, { type: "Decision", txn, decision: "abort" });
    } else if (record.state !== "begun") {
      this.#ctx.send(from, { type: "Decision", txn, decision: record.state });
    }
    // Begun and undecided: still collecting votes (or, in the broken variant, the
    // decision is on its way to the log). The participant asks again later.
  }
}

/** Options of a {@link TwoPhaseParticipant}. */
export interface TwoPhaseParticipantOptions {
  /** The coordinator's id. */
  readonly coordinator: NodeId;
  /** Chance that the participant votes no on a transaction (its own reasons: a conflict, a constraint). */
  readonly abortProbability: number;
  /** How often a prepared participant applies its recovery rule, in ms. */
  readonly retryMs: number;
  /** What a prepared participant does while it waits. Default {@link askTheCoordinator}. */
  readonly recoveryRule?: RecoveryRule;
  /** Where to report votes and outcomes. */
  readonly report: CommitReporter;
}

const participantKey = (txn: number) => `2pc:participant:${txn}`;
const LOCK_KEY = "2pc:lock";

/**
 * A participant of two-phase commit: one lock (the data the transactions touch), a
 * durable state per transaction, and a recovery rule for the transactions it is
 * prepared in.
 */
export class TwoPhaseParticipant implements Node<TwoPhaseMessage, TwoPhaseTimer> {
  readonly #ctx: NodeContext<TwoPhaseMessage, TwoPhaseTimer>;
  readonly #options: TwoPhaseParticipantOptions;
  readonly #rule: RecoveryRule;

  /** A participant acting through `ctx`. */
  constructor(
    ctx: NodeContext<TwoPhaseMessage, TwoPhaseTimer>,
    options: TwoPhaseParticipantOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
    this.#rule = options.recoveryRule ?? askTheCoordinator;
  }

  /** The transaction holding the lock (prepared, outcome unknown), if any. */
  get lockedBy(): number | undefined {
    return this.#ctx.storage.get<number>(LOCK_KEY);
  }

  /** Recovers: a transaction it is prepared in goes to the recovery rule at once. */
  start(): void {
    const txn = this.lockedBy;
    if (txn !== undefined) this.#recover(txn, this.#ctx.now());
  }

  /** Handles Prepare and Decision. */
  onMessage(_from: NodeId, message: TwoPhaseMessage): void {
    if (message.type === "Prepare") this.#onPrepare(message.txn);
    if (message.type === "Decision") this.#apply(message.txn, message.decision);
  }

  /** Applies the recovery rule to a transaction still prepared. */
  onTimer(timer: TwoPhaseTimer): void {
    if (timer.type === "recovery") this.#recover(timer.txn, timer.sinceMs);
  }

  #state(txn: number): ParticipantState | undefined {
    return this.#ctx.storage.get<ParticipantState>(participantKey(txn));
  }

  #onPrepare(txn: number): void {
    const state = this.#state(txn);
    if (state !== undefined) {
      // A repeated Prepare (after the coordinator restarted): repeat the vote.
      this.#ctx.send(this.#options.coordinator, {
        type: "Vote",
        txn,
        yes: state !== "aborted",
      });
      return;
    }
    const locked = this.lockedBy;
    if (locked !== undefined || this.#ctx.random.chance(this.#options.abortProbability)) {
      // Not prepared, so free to abort alone: the lock is taken by a transaction in doubt,
      // or the participant has its own reason to refuse.
      this.#ctx.storage.set(participantKey(txn), "aborted");
      this.#options.report({ kind: "vote-no", txn, participant: this.#ctx.id });
      this.#options.report({ kind: "outcome", txn, participant: this.#ctx.id, decision: "abort" });
      this.#ctx.send(this.#options.coordinator, { type: "Vote", txn, yes: false });
      return;
    }
    // Durable before the vote leaves: a yes is a promise that survives a crash.
    this.#ctx.storage.set(participantKey(txn), "prepared");
    this.#ctx.storage.set(LOCK_KEY, txn);
    this.#options.report({ kind: "prepared", txn, participant: this.#ctx.id });
    this.#ctx.log("logged prepared", { txn });
    this.#ctx.send(this.#options.coordinator, { type: "Vote", txn, yes: true });
    this.#ctx.setTimer(this.#options.retryMs, {
      type: "recovery",
      txn,
      sinceMs: this.#ctx.now(),
    });
  }

  #apply(txn: number, decision: CommitDecision): void {
    const state = this.#state(txn);
    if (state === "committed" || state === "aborted") return;
    this.#ctx.storage.set(participantKey(txn), decision === "commit" ? "committed" : "aborted");
    if (this.lockedBy === txn) this.#ctx.storage.delete(LOCK_KEY);
    this.#options.report({ kind: "outcome", txn, participant: this.#ctx.id, decision });
    this.#ctx.log(`applied ${decision}`, { txn });
  }

  #recover(txn: number, sinceMs: number): void {
    const state = this.#state(txn);
    if (state !== "prepared") return;
    const action = this.#rule({ state, waitedMs: this.#ctx.now() - sinceMs });
    switch (action) {
      case "ask-coordinator":
        this.#ctx.send(this.#options.coordinator, { type: "DecisionRequest", txn });
        break;
      case "commit":
      case "abort":
        this.#ctx.log(`decided ${action} alone`, { txn });
        this.#apply(txn, action);
        return;
      case "wait":
        break;
      default:
        throw new TypeError(
          `Cannot recover txn ${txn}: the recovery rule returned ${
            JSON.stringify(action)
          }, not ask-coordinator, commit, abort or wait`,
        );
    }
    this.#ctx.setTimer(this.#options.retryMs, { type: "recovery", txn, sinceMs });
  }
}
