/**
 * What every atomic-commit protocol reports, and the observer that checks it. Nodes of
 * two-phase commit, three-phase commit and two-phase commit over Raft groups tell a
 * {@link CommitLedger} when a participant prepares (votes yes durably), when it votes no,
 * when a coordinator decides and when a participant learns a transaction's outcome. The
 * ledger checks the three safety properties of atomic commit as the reports arrive
 * (atomicity, no commit before every participant prepared, no decision that changes) and
 * measures how long prepared participants waited: the blocking that distinguishes the
 * protocols.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";

/** A transaction's outcome. */
export type CommitDecision = "commit" | "abort";

/** Something a node of an atomic-commit protocol reports. */
export type CommitReport =
  | {
    /** A coordinator began a transaction (its participants will be asked to prepare). */
    readonly kind: "begin";
    readonly txn: number;
  }
  | {
    /** A participant voted yes, durably: it holds its locks until it learns the outcome. */
    readonly kind: "prepared";
    readonly txn: number;
    readonly participant: NodeId;
  }
  | {
    /** A participant voted no (it aborts its part at once). */
    readonly kind: "vote-no";
    readonly txn: number;
    readonly participant: NodeId;
  }
  | {
    /** A coordinator decided (and is about to tell the participants). */
    readonly kind: "decision";
    readonly txn: number;
    readonly decision: CommitDecision;
    /** Who decided: the coordinator's name. */
    readonly by: NodeId;
  }
  | {
    /** A participant learned (or took) the transaction's outcome and applied it durably. */
    readonly kind: "outcome";
    readonly txn: number;
    readonly participant: NodeId;
    readonly decision: CommitDecision;
  };

/** Where nodes send their reports. */
export type CommitReporter = (report: CommitReport) => void;

/** One stretch of time a prepared participant waited for a transaction's outcome. */
export interface PreparedWait {
  /** The participant. */
  readonly participant: NodeId;
  /** The transaction. */
  readonly txn: number;
  /** When it prepared, in ms of true time. */
  readonly fromMs: number;
  /** When it learned the outcome, in ms (null: still waiting). */
  readonly toMs: number | null;
  /** The outcome it learned (null: still waiting). */
  readonly decision: CommitDecision | null;
}

interface TxnRecord {
  readonly prepared: Map<NodeId, number>;
  readonly outcomes: Map<NodeId, { decision: CommitDecision; atMs: number }>;
  decision: CommitDecision | undefined;
  votedNo: boolean;
}

/**
 * Checks atomic commit as it happens and keeps what the figures need. Give its
 * {@link CommitLedger.report} to every node; read the first violation of each property
 * from the invariants.
 *
 * @example
 * ```ts
 * const ledger = new CommitLedger(["p1", "p2"], () => 0);
 * ledger.report({ kind: "prepared", txn: 1, participant: "p1" });
 * ledger.report({ kind: "prepared", txn: 1, participant: "p2" });
 * ledger.report({ kind: "outcome", txn: 1, participant: "p1", decision: "commit" });
 * ledger.report({ kind: "outcome", txn: 1, participant: "p2", decision: "abort" });
 * ledger.atomicityViolation; // "txn 1: p1 committed but p2 aborted"
 * ```
 */
export class CommitLedger {
  /** The participants every transaction involves. */
  readonly participants: readonly NodeId[];
  readonly #now: () => number;
  readonly #txns = new Map<number, TxnRecord>();
  #atomicity: string | undefined;
  #premature: string | undefined;
  #changed: string | undefined;
  /** Prepared participants still waiting, as "p2 in txn 7". */
  readonly #open = new Set<string>();

  /** A ledger for transactions over `participants`, reading true time from `now`. */
  constructor(participants: readonly NodeId[], now: () => number) {
    if (participants.length === 0) {
      throw new RangeError("Cannot keep a commit ledger: it needs at least one participant");
    }
    this.participants = [...participants];
    this.#now = now;
  }

  /** Takes one report (bound: pass it around as a function). */
  readonly report: CommitReporter = (report) => {
    const record = this.#record(report.txn);
    const now = this.#now();
    switch (report.kind) {
      case "begin":
        return;
      case "prepared":
        if (!record.prepared.has(report.participant)) {
          record.prepared.set(report.participant, now);
          if (!record.outcomes.has(report.participant)) {
            this.#open.add(`${report.participant} in txn ${report.txn}`);
          }
        }
        return;
      case "vote-no":
        record.votedNo = true;
        return;
      case "decision":
        if (record.decision !== undefined && record.decision !== report.decision) {
          this.#changed ??= `txn ${report.txn}: ${report.by} decided ${report.decision} ` +
            `after deciding ${record.decision}`;
        }
        record.decision ??= report.decision;
        return;
      case "outcome": {
        const known = record.outcomes.get(report.participant);
        if (known !== undefined) {
          if (known.decision !== report.decision) {
            this.#changed ??= `txn ${report.txn}: ${report.participant} applied ` +
              `${report.decision} after ${known.decision}`;
          }
          return;
        }
        record.outcomes.set(report.participant, { decision: report.decision, atMs: now });
        this.#open.delete(`${report.participant} in txn ${report.txn}`);
        for (const [other, outcome] of record.outcomes) {
          if (outcome.decision !== report.decision) {
            const [committed, aborted] = report.decision === "commit"
              ? [report.participant, other]
              : [other, report.participant];
            this.#atomicity ??= `txn ${report.txn}: ${committed} committed but ${aborted} aborted`;
            break;
          }
        }
        if (report.decision === "commit") {
          const missing = this.participants.filter((p) => !record.prepared.has(p));
          if (missing.length > 0) {
            this.#premature ??= `txn ${report.txn}: ${report.participant} committed before ` +
              `${missing.join(", ")} prepared`;
          }
        }
        return;
      }
    }
  };

  #record(txn: number): TxnRecord {
    let record = this.#txns.get(txn);
    if (record === undefined) {
      record = { prepared: new Map(), outcomes: new Map(), decision: undefined, votedNo: false };
      this.#txns.set(txn, record);
    }
    return record;
  }

  /** The first transaction some participant committed and another aborted, in words. */
  get atomicityViolation(): string | undefined {
    return this.#atomicity;
  }

  /** The first commit by a participant before every participant had prepared, in words. */
  get prematureCommit(): string | undefined {
    return this.#premature;
  }

  /** The first decision (a coordinator's or a participant's) that changed, in words. */
  get changedDecision(): string | undefined {
    return this.#changed;
  }

  /** How many transactions were begun or heard of. */
  get transactions(): number {
    return this.#txns.size;
  }

  /** How many transactions some participant committed. */
  get committed(): number {
    let count = 0;
    for (const record of this.#txns.values()) {
      if ([...record.outcomes.values()].some((o) => o.decision === "commit")) count++;
    }
    return count;
  }

  /** Every stretch a prepared participant waited for an outcome, in order of transaction. */
  waits(): PreparedWait[] {
    const waits: PreparedWait[] = [];
    for (const [txn, record] of [...this.#txns].sort((a, b) => a[0] - b[0])) {
      for (const [participant, fromMs] of record.prepared) {
        const outcome = record.outcomes.get(participant);
        waits.push({
          participant,
          txn,
          fromMs,
          toMs: outcome === undefined ? null : Math.max(fromMs, outcome.atMs),
          decision: outcome?.decision ?? null,
        });
      }
    }
    return waits;
  }

  /**
   * The longest time a prepared participant waited for an outcome, in ms; a wait still
   * open counts up to now.
   */
  blockedMs(): number {
    const now = this.#now();
    let longest = 0;
    for (const wait of this.waits()) longest = Math.max(longest, (wait.toMs ?? now) - wait.fromMs);
    return longest;
  }

  /** How many prepared participants are still waiting for an outcome. */
  get waiting(): number {
    return this.#open.size;
  }

  /** Participants still prepared and waiting, as "p2 in txn 7" phrases. */
  stillPrepared(): string[] {
    return [...this.#open];
  }
}
