/**
 * The state machine the replicas run: a ledger that adds each request's amount to a
 * running total and answers with the total. The result depends on every request before
 * it, so two replicas that executed different requests at one sequence number answer
 * differently, and a client that waits for f + 1 matching answers notices.
 *
 * @module
 */
import type { StateMachine } from "../consensus/state_machine.ts";

/** A running total; see the module doc. */
export class Ledger implements StateMachine<number, number> {
  /** The total so far. */
  total = 0;

  /** Adds `amount` and returns the new total. */
  apply(amount: number): number {
    this.total += amount;
    return this.total;
  }
}
