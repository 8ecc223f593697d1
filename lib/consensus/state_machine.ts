/**
 * The seam between a replication protocol and what it replicates. A protocol (Raft
 * here; Multi-Paxos, PBFT or a two-phase-commit participant elsewhere) agrees on an
 * order of commands; every replica then applies them, in that order, to its own copy of
 * a {@link StateMachine}. Because applying is deterministic, all copies go through the
 * same states and return the same results: the key-value store, a lock service and an
 * event log all plug in behind the same interface.
 *
 * {@link ClientSessions} adds the exactly-once layer of Raft §8 ("linearizable
 * semantics") to any state machine: a command a client retries takes effect once, and
 * the retry is answered with the first result.
 *
 * This module imports no protocol, so code that is not Raft can use it.
 *
 * @module
 */

/**
 * A deterministic state machine: the same commands applied in the same order from a
 * fresh instance always give the same results and the same state. That is all a
 * replication protocol needs of it. Commands travel in messages and are kept in
 * durable logs, so they must be plain JSON values (no functions, no class instances).
 *
 * A replica that restarts builds a fresh instance and applies its log again, so a state
 * machine needs no snapshot of its own to survive a crash.
 *
 * @example
 * ```ts
 * // A counter: "add n" returns the new total.
 * class Counter implements StateMachine<{ readonly add: number }, number> {
 *   #total = 0;
 *   apply(command: { readonly add: number }): number {
 *     this.#total += command.add;
 *     return this.#total;
 *   }
 * }
 * const counter = new Counter();
 * counter.apply({ add: 2 }); // 2
 * counter.apply({ add: 3 }); // 5
 * ```
 */
export interface StateMachine<Command, Result> {
  /**
   * Applies one committed command and returns its result. Must depend only on the
   * commands applied before (no clock, no randomness, no I/O).
   */
  apply(command: Command): Result;
  /**
   * Whether `command` only reads: applying it returns a result and changes nothing. A
   * leader may then answer it from its own copy once it has confirmed it still leads
   * (Raft's ReadIndex), without a log entry. Without this method every command goes
   * through the log.
   */
  isReadOnly?(command: Command): boolean;
  /**
   * Called by a leader as it appends a client's command to the log, with the leader's
   * own clock: returns the command to append (the same one, or a copy carrying the time).
   * This is how a machine that needs time (leases) reads it from the log, so every
   * replica sees the same time for the same command and `apply` stays deterministic.
   * Without this method commands are appended as the client sent them.
   */
  stamp?(command: Command, leaderNowMs: number): Command;
}

/** The command type of a state machine type. */
export type CommandOf<S> = S extends StateMachine<infer C, unknown> ? C : never;

/** The result type of a state machine type. */
// deno-lint-ignore no-explicit-any
export type ResultOf<S> = S extends StateMachine<any, infer R> ? R : never;

/** Which client issued a command, and its number in the client's session (1, 2, 3, ...). */
export interface SessionTag {
  /** The client's session id. */
  readonly clientId: string;
  /** The command's number in the session: a retry carries the same number. */
  readonly seq: number;
}

/**
 * How {@link ClientSessions.apply} treated a command: `applied` (it ran now),
 * `duplicate` (the session had already applied this number: `result` is the remembered
 * one) or `stale` (the client has moved on to a later command, so this one is skipped
 * and has no result).
 */
export type SessionOutcome<Result> =
  | { readonly outcome: "applied"; readonly result: Result }
  | { readonly outcome: "duplicate"; readonly result: Result }
  | { readonly outcome: "stale"; readonly result: undefined };

/**
 * Client sessions in front of a state machine (Raft §8). Each session remembers the
 * last command number it applied and that command's result. A client numbers its
 * commands 1, 2, 3, ... and issues the next only after the previous one completed or was
 * abandoned, so a number at or below the last one applied is a retry or a leftover,
 * never a new command. The table is part of the replicated state: every replica applies
 * the same commands through it, so every replica skips the same duplicates.
 *
 * @example
 * ```ts
 * let total = 0;
 * const sessions = new ClientSessions({ apply: (add: number) => (total += add) });
 * sessions.apply(5, { clientId: "c1", seq: 1 }); // { outcome: "applied", result: 5 }
 * sessions.apply(5, { clientId: "c1", seq: 1 }); // { outcome: "duplicate", result: 5 }: a retry
 * total; // 5
 * ```
 */
export class ClientSessions<Command, Result> {
  /** The state machine behind the sessions. */
  readonly machine: StateMachine<Command, Result>;
  readonly #sessions = new Map<string, { seq: number; result: Result }>();

  /** Sessions in front of `machine`, all empty. */
  constructor(machine: StateMachine<Command, Result>) {
    this.machine = machine;
  }

  /**
   * Applies `command` for `tag`'s session, once: a duplicate gets the remembered result,
   * a stale command is skipped. Without a tag the command simply runs.
   */
  apply(command: Command, tag?: SessionTag): SessionOutcome<Result> {
    if (tag !== undefined) {
      const known = this.#sessions.get(tag.clientId);
      if (known !== undefined && tag.seq <= known.seq) {
        if (tag.seq === known.seq) return { outcome: "duplicate", result: known.result };
        return { outcome: "stale", result: undefined };
      }
    }
    const result = this.machine.apply(command);
    if (tag !== undefined) this.#sessions.set(tag.clientId, { seq: tag.seq, result });
    return { outcome: "applied", result };
  }

  /**
   * What the session of `clientId` remembers: the last number applied and its result,
   * or undefined for a client never seen.
   */
  session(clientId: string): { readonly seq: number; readonly result: Result } | undefined {
    const known = this.#sessions.get(clientId);
    return known === undefined ? undefined : { seq: known.seq, result: known.result };
  }
}
