/**
 * A lock service with leases, as a replicated state machine. A lease is a lock that
 * lets itself go: granted for `leaseMs`, it expires unless renewed, so a holder that
 * crashes (or pauses, or is cut off) cannot block everyone else for ever. Every grant
 * carries a fencing token, larger than all before it, as {@link LockService} does.
 *
 * Time is the subtle part. `apply` must be deterministic (every replica computes the
 * same thing from the same log), so a replica may not read its own clock. Instead the
 * leader stamps each command with its clock as it appends it ({@link StateMachine.stamp}),
 * and the machine's time is the largest stamp it has applied: time comes from the log.
 * Taking the largest keeps it monotonic when a new leader's clock is a little behind the
 * old one's.
 *
 * A lease still needs clocks to agree: the service measures the lease from the leader's
 * stamp, the holder from its own clock (from when it asked, which is earlier). If the
 * holder's clock runs slower than the leader's, or a later leader's clock runs ahead, the
 * service expires a lease the holder still believes it has. So leases are safe only
 * under a bound on clock drift (holders subtract a margin for it), and no margin covers
 * a holder whose process stops: a pause longer than the lease. That is what fencing
 * tokens are for (see {@link FencedStorage}).
 *
 * @module
 */
import type { LockGrant, LockResult } from "../consensus/lock_service.ts";
import type { StateMachine } from "../consensus/state_machine.ts";

/**
 * A command: `acquire` a lease on a lock for `owner` for `leaseMs` (granted if the lock
 * is free or its lease has expired; its holder renews it), `release` it (only its holder
 * can), or ask who holds it (`holder`, read-only). `atMs` is the leader's stamp: clients
 * leave it out.
 */
export type LeaseCommand =
  | {
    readonly op: "acquire";
    readonly lock: string;
    readonly owner: string;
    readonly leaseMs: number;
    readonly atMs?: number;
  }
  | {
    readonly op: "release";
    readonly lock: string;
    readonly owner: string;
    readonly atMs?: number;
  }
  | { readonly op: "holder"; readonly lock: string };

/** What a lease command returned: a lock result plus the lease's end, in service time. */
export interface LeaseResult extends LockResult {
  /** When the current holder's lease expires, in the service's time (null: nobody holds it). */
  readonly expiresAtMs: number | null;
}

/** One grant of a lease, in the order the service made them. */
export interface LeaseGrant extends LockGrant {
  /** The service time of the grant (the leader's stamp). */
  readonly atMs: number;
  /** When the lease expires(d), after any renewals. */
  readonly expiresAtMs: number;
  /** When its holder released it, or null. */
  readonly releasedAtMs: number | null;
}

/** Options of {@link LeaseLockService}. */
export interface LeaseLockServiceOptions {
  /**
   * A broken variant: treat a lease as expired this many ms before it does, so the
   * service grants a lock while the previous lease is still running. Default 0 (correct).
   */
  readonly unsafeGrantEarlyMs?: number;
}

interface Held {
  readonly owner: string;
  readonly token: number;
  expiresAtMs: number;
  readonly grant: number;
}

/**
 * Named locks with leases and fencing tokens, deterministic given the log.
 *
 * @example
 * ```ts
 * const locks = new LeaseLockService();
 * locks.apply({ op: "acquire", lock: "L", owner: "a", leaseMs: 100, atMs: 0 }); // a, token 1
 * locks.apply({ op: "acquire", lock: "L", owner: "b", leaseMs: 100, atMs: 50 }).ok; // false
 * locks.apply({ op: "acquire", lock: "L", owner: "b", leaseMs: 100, atMs: 100 }).token; // 2: a's lease expired
 * ```
 */
export class LeaseLockService implements StateMachine<LeaseCommand, LeaseResult> {
  readonly #held = new Map<string, Held>();
  readonly #grants: {
    lock: string;
    owner: string;
    token: number;
    atMs: number;
    expiresAtMs: number;
    releasedAtMs: number | null;
  }[] = [];
  readonly #earlyMs: number;
  #nowMs = 0;

  /** A service with no locks held; see {@link LeaseLockServiceOptions}. */
  constructor(options: LeaseLockServiceOptions = {}) {
    const early = options.unsafeGrantEarlyMs ?? 0;
    if (!(Number.isFinite(early) && early >= 0)) {
      throw new RangeError(
        `Cannot build a lease lock service: unsafeGrantEarlyMs must be at least 0, got ${early}`,
      );
    }
    this.#earlyMs = early;
  }

  /** The service's time: the largest leader stamp applied so far, in ms. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Every grant so far, in order (copies). */
  get grants(): LeaseGrant[] {
    return this.#grants.map((grant) => ({ ...grant }));
  }

  /** The leader puts its clock into every command that changes state. */
  stamp(command: LeaseCommand, leaderNowMs: number): LeaseCommand {
    return command.op === "holder" ? command : { ...command, atMs: leaderNowMs };
  }

  /** Asking who holds a lock changes nothing. */
  isReadOnly(command: LeaseCommand): boolean {
    return command.op === "holder";
  }

  /** Applies one command, at the time its stamp says (never earlier than the last). */
  apply(command: LeaseCommand): LeaseResult {
    if (command.op !== "holder" && command.atMs !== undefined) {
      this.#nowMs = Math.max(this.#nowMs, command.atMs);
    }
    const now = this.#nowMs;
    const held = this.#live(command.lock, now);
    switch (command.op) {
      case "holder":
        return leaseResult(true, held);
      case "acquire": {
        if (!(Number.isFinite(command.leaseMs) && command.leaseMs > 0)) {
          throw new RangeError(
            `Cannot acquire ${command.lock}: leaseMs must be positive, got ${command.leaseMs}`,
          );
        }
        if (held !== undefined) {
          if (held.owner !== command.owner) return leaseResult(false, held);
          // The holder renews: same token (the same holding), a later end.
          held.expiresAtMs = Math.max(held.expiresAtMs, now + command.leaseMs);
          this.#grants[held.grant]!.expiresAtMs = held.expiresAtMs;
          return leaseResult(true, held);
        }
        const token = this.#grants.length + 1;
        const grant = {
          lock: command.lock,
          owner: command.owner,
          token,
          atMs: now,
          expiresAtMs: now + command.leaseMs,
          releasedAtMs: null,
        };
        this.#grants.push(grant);
        const holding = {
          owner: command.owner,
          token,
          expiresAtMs: grant.expiresAtMs,
          grant: this.#grants.length - 1,
        };
        this.#held.set(command.lock, holding);
        return leaseResult(true, holding);
      }
      case "release":
        if (held === undefined || held.owner !== command.owner) return leaseResult(false, held);
        this.#held.delete(command.lock);
        this.#grants[held.grant]!.releasedAtMs = now;
        return leaseResult(true, undefined);
      default:
        throw new TypeError(
          `Cannot apply lease command ${
            JSON.stringify(command)
          }: op must be acquire, release or holder`,
        );
    }
  }

  /** The holding of `lock` whose lease is still running at `nowMs`, if any. */
  #live(lock: string, nowMs: number): Held | undefined {
    const held = this.#held.get(lock);
    if (held === undefined) return undefined;
    // The broken variant's only change: it counts a lease as over before it is.
    if (nowMs >= held.expiresAtMs - this.#earlyMs) {
      this.#held.delete(lock);
      return undefined;
    }
    return held;
  }
}

/**
 * Checks the lease rule on a service's grants: each lock is granted again only once the
 * previous holding of it has expired or been released, and tokens grow. Returns what is
 * wrong, in a sentence, or undefined.
 *
 * @example
 * ```ts
 * leaseOverlap([
 *   { lock: "L", owner: "a", token: 1, atMs: 0, expiresAtMs: 100, releasedAtMs: null },
 *   { lock: "L", owner: "b", token: 2, atMs: 60, expiresAtMs: 160, releasedAtMs: null },
 * ]); // "b was granted L (token 2) at 60 ms, while a's lease ran until 100 ms"
 * ```
 */
export function leaseOverlap(grants: readonly LeaseGrant[]): string | undefined {
  const last = new Map<string, LeaseGrant>();
  for (const grant of grants) {
    const before = last.get(grant.lock);
    if (before !== undefined) {
      const endMs = Math.min(before.expiresAtMs, before.releasedAtMs ?? Infinity);
      if (grant.atMs < endMs) {
        return `${grant.owner} was granted ${grant.lock} (token ${grant.token}) at ${grant.atMs} ms, ` +
          `while ${before.owner}'s lease ran until ${endMs} ms`;
      }
      if (grant.token <= before.token) {
        return `${grant.lock}'s token went from ${before.token} to ${grant.token}`;
      }
    }
    last.set(grant.lock, grant);
  }
  return undefined;
}

function leaseResult(ok: boolean, held: Held | undefined): LeaseResult {
  return {
    ok,
    holder: held?.owner ?? null,
    token: held?.token ?? 0,
    expiresAtMs: held?.expiresAtMs ?? null,
  };
}
