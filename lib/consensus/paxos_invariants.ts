/**
 * The safety of Paxos, checked as the acceptors and learners report what they do. A value
 * is *chosen* in a slot when a majority of acceptors have accepted it in the same ballot
 * ("Paxos Made Simple", §2.2); whether anyone has noticed yet does not matter. Two
 * properties follow from the paper's rules and are checked after every event:
 *
 * - **at most one value chosen per slot**: no two ballots of one slot reach a majority
 *   with different values;
 * - **a chosen value never changes**: a learner learns only the chosen value, and never
 *   learns another for the same slot later (across restarts too).
 *
 * Single-decree Paxos uses slot 0; Multi-Paxos one slot per log position.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import { formatBallot } from "./paxos.ts";

/** The names of the Paxos safety properties. */
export const PAXOS_INVARIANTS = [
  "at most one value chosen per slot",
  "a chosen value never changes",
] as const;

/** One of {@link PAXOS_INVARIANTS}. */
export type PaxosInvariantName = typeof PAXOS_INVARIANTS[number];

/** A broken property: which, what happened, and when. */
export interface PaxosViolation {
  /** The property. */
  readonly invariant: PaxosInvariantName;
  /** What happened, in words. */
  readonly message: string;
  /** True time of the event that broke it, in ms. */
  readonly timeMs: number;
}

/** Something the checker can register invariants with (a `Simulation`). */
export interface PaxosInvariantHost {
  /** The current true time, in ms. */
  readonly now: number;
  /** Checks `check` after every event. */
  addInvariant(name: string, check: () => string | undefined): void;
}

interface BallotTally {
  readonly value: string;
  readonly acceptors: Set<NodeId>;
}

interface ChosenValue {
  readonly value: string;
  readonly ballot: number;
}

/**
 * Tracks, per slot, which acceptors accepted what in each ballot, and what each learner
 * learned; reports the first violation of each property. Values are compared by their
 * JSON text, so any plain value works.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const safety = new PaxosSafety({ acceptors: 3 });
 * safety.attach(sim);
 * // nodes call safety.accepted(...) and safety.learned(...) through their observer
 * ```
 */
export class PaxosSafety {
  /** How many acceptors make a majority. */
  readonly majority: number;
  readonly #tallies = new Map<number, Map<number, BallotTally>>();
  readonly #chosen = new Map<number, ChosenValue>();
  readonly #learned = new Map<NodeId, Map<number, string>>();
  readonly #first = new Map<PaxosInvariantName, PaxosViolation>();
  #clock: () => number;

  /** A checker for `acceptors` acceptors, with empty tables. */
  constructor(options: { readonly acceptors: number; readonly now?: () => number }) {
    if (!Number.isInteger(options.acceptors) || options.acceptors < 1) {
      throw new RangeError(
        `Cannot check Paxos safety: acceptors must be a whole number at least 1, got ${options.acceptors}`,
      );
    }
    this.majority = Math.floor(options.acceptors / 2) + 1;
    this.#clock = options.now ?? (() => 0);
  }

  /** Registers both properties with `host`, checked after every event, and uses its clock. */
  attach(host: PaxosInvariantHost): void {
    this.#clock = () => host.now;
    for (const name of PAXOS_INVARIANTS) {
      host.addInvariant(name, () => this.#first.get(name)?.message);
    }
  }

  /** The first violation of each property seen, in the order they happened. */
  get violations(): readonly PaxosViolation[] {
    return [...this.#first.values()].sort((a, b) => a.timeMs - b.timeMs);
  }

  /** The first violation of `invariant`, if any. */
  firstViolation(invariant: PaxosInvariantName): PaxosViolation | undefined {
    return this.#first.get(invariant);
  }

  /** The value chosen in `slot` (as JSON text) and the first ballot that chose it, if any. */
  chosen(slot: number): { readonly value: string; readonly ballot: number } | undefined {
    return this.#chosen.get(slot);
  }

  /** How many slots have a chosen value. */
  get chosenSlots(): number {
    return this.#chosen.size;
  }

  /** Acceptor `acceptor` accepted `value` in `ballot` for `slot`. */
  accepted(acceptor: NodeId, slot: number, ballot: number, value: unknown): void {
    const text = JSON.stringify(value) ?? "undefined";
    let ballots = this.#tallies.get(slot);
    if (ballots === undefined) this.#tallies.set(slot, ballots = new Map());
    let tally = ballots.get(ballot);
    if (tally === undefined) ballots.set(ballot, tally = { value: text, acceptors: new Set() });
    if (tally.value !== text) {
      // One ballot, two values: a proposer broke its own ballot's uniqueness.
      this.#violate(
        "at most one value chosen per slot",
        `slot ${slot}: ballot ${formatBallot(ballot)} carried both ${tally.value} and ${text}`,
      );
      return;
    }
    tally.acceptors.add(acceptor);
    if (tally.acceptors.size < this.majority) return;
    const earlier = this.#chosen.get(slot);
    if (earlier === undefined) {
      this.#chosen.set(slot, { value: text, ballot });
    } else if (earlier.value !== text) {
      this.#violate(
        "at most one value chosen per slot",
        `slot ${slot}: ${earlier.value} was chosen in ballot ${formatBallot(earlier.ballot)}, ` +
          `then ${text} in ballot ${formatBallot(ballot)} (accepted by ${
            [...tally.acceptors].sort().join(", ")
          })`,
      );
    }
  }

  /** Learner `learner` learned that `value` is chosen in `slot`. */
  learned(learner: NodeId, slot: number, value: unknown): void {
    const text = JSON.stringify(value) ?? "undefined";
    let mine = this.#learned.get(learner);
    if (mine === undefined) this.#learned.set(learner, mine = new Map());
    const before = mine.get(slot);
    if (before !== undefined && before !== text) {
      this.#violate(
        "a chosen value never changes",
        `slot ${slot}: ${learner} learned ${before}, later ${text}`,
      );
      return;
    }
    mine.set(slot, text);
    const chosen = this.#chosen.get(slot);
    if (chosen === undefined || chosen.value !== text) {
      this.#violate(
        "a chosen value never changes",
        `slot ${slot}: ${learner} learned ${text}, but ` +
          (chosen === undefined ? "no value is chosen" : `${chosen.value} is chosen`),
      );
    }
  }

  #violate(invariant: PaxosInvariantName, message: string): void {
    if (this.#first.has(invariant)) return;
    this.#first.set(invariant, { invariant, message, timeMs: this.#clock() });
  }
}
