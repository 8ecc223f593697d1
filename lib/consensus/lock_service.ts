/**
 * A lock service as a replicated state machine, in the manner of Chubby or ZooKeeper
 * recipes: named locks that one owner holds at a time, each grant stamped with a
 * fencing token that grows with every grant, so a storage service can refuse the writes
 * of a holder whose lock has since passed to someone else (Kleppmann, "How to do
 * distributed locking", 2016).
 *
 * It knows nothing of Raft: it is a {@link StateMachine}, and a Raft cluster replicates
 * it when its servers are given `stateMachine: () => new LockService()`.
 *
 * @module
 */
import type { StateMachine } from "./state_machine.ts";

/**
 * A command: `acquire` a lock for `owner` (granted if free; idempotent for its holder),
 * `release` it (only its holder can), or ask who holds it (`holder`, read-only).
 */
export type LockCommand =
  | { readonly op: "acquire"; readonly lock: string; readonly owner: string }
  | { readonly op: "release"; readonly lock: string; readonly owner: string }
  | { readonly op: "holder"; readonly lock: string };

/** What a command returned. */
export interface LockResult {
  /**
   * `acquire`: the owner holds the lock now; `release`: the owner held it and has let it
   * go; `holder`: always true.
   */
  readonly ok: boolean;
  /** Who holds the lock after the command (null: nobody). */
  readonly holder: string | null;
  /** The fencing token of the current holding (0 when the lock is free). */
  readonly token: number;
}

/** One grant of a lock, in the order the service made them. */
export interface LockGrant {
  /** The lock. */
  readonly lock: string;
  /** Who got it. */
  readonly owner: string;
  /** Its fencing token: every grant gets a larger one than all before it. */
  readonly token: number;
}

/**
 * Named mutual-exclusion locks with fencing tokens. Deterministic: the same commands in
 * the same order give the same grants and tokens on every replica.
 *
 * @example
 * ```ts
 * const locks = new LockService();
 * locks.apply({ op: "acquire", lock: "L", owner: "a" }); // { ok: true, holder: "a", token: 1 }
 * locks.apply({ op: "acquire", lock: "L", owner: "b" }); // { ok: false, holder: "a", token: 1 }
 * locks.apply({ op: "release", lock: "L", owner: "a" }); // { ok: true, holder: null, token: 0 }
 * locks.apply({ op: "acquire", lock: "L", owner: "b" }); // { ok: true, holder: "b", token: 2 }
 * ```
 */
export class LockService implements StateMachine<LockCommand, LockResult> {
  readonly #held = new Map<string, { readonly owner: string; readonly token: number }>();
  readonly #grants: LockGrant[] = [];

  /** Every grant so far, in order (a copy). */
  get grants(): LockGrant[] {
    return [...this.#grants];
  }

  /** Who holds `lock` now, or null. */
  holder(lock: string): string | null {
    return this.#held.get(lock)?.owner ?? null;
  }

  /** Applies one command. */
  apply(command: LockCommand): LockResult {
    const held = this.#held.get(command.lock);
    switch (command.op) {
      case "holder":
        return result(true, held);
      case "acquire": {
        if (held !== undefined) return result(held.owner === command.owner, held);
        // Tokens count grants over all locks, so one sequence fences every resource.
        const grant = { lock: command.lock, owner: command.owner, token: this.#grants.length + 1 };
        this.#grants.push(grant);
        this.#held.set(command.lock, grant);
        return result(true, grant);
      }
      case "release":
        if (held === undefined || held.owner !== command.owner) return result(false, held);
        this.#held.delete(command.lock);
        return result(true, undefined);
      default:
        throw new TypeError(
          `Cannot apply lock command ${
            JSON.stringify(command)
          }: op must be acquire, release or holder`,
        );
    }
  }

  /** Asking who holds a lock changes nothing, so a leader may answer it by ReadIndex. */
  isReadOnly(command: LockCommand): boolean {
    return command.op === "holder";
  }
}

function result(
  ok: boolean,
  held: { readonly owner: string; readonly token: number } | undefined,
): LockResult {
  return { ok, holder: held?.owner ?? null, token: held?.token ?? 0 };
}
