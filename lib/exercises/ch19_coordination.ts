/**
 * Exercises of chapter 19 with their self-checks:
 *
 * 1. **Add fencing to the storage service** ({@link checkFencingRule}): the rule the
 *    storage applies to each request's fencing token, checked by lease-lock runs in
 *    which clients pause longer than their lease.
 * 2. **Write the marker rule** ({@link checkMarkerRule}): what a node does when a
 *    Chandy-Lamport marker arrives, checked by snapshots of a busy money-transfer system.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import type { FencingRule } from "../coordination/fenced_storage.ts";
import { buildLeaseLock, LeaseLockParamsSchema } from "../coordination/lease_lock_trial.ts";
import {
  buildSnapshot,
  type MarkerRule,
  SnapshotParamsSchema,
  snapshotTotals,
} from "../coordination/snapshot.ts";
import { ExerciseResult } from "./result.ts";

/** Options of the chapter 19 checks. */
export interface CoordinationCheckOptions {
  /** Runs to try (seeds 1, 2, ...). Default 60 for fencing, 200 for the marker rule. */
  readonly seeds?: number;
}

/**
 * Checks a fencing rule `(highestToken, token) => boolean`: runs the lease-lock system
 * without the lock being enough (three pauses of 300 ms against a 100 ms lease) with the
 * rule in the storage. Passes when no run lets an older holder's request in after a newer
 * holder's, and the clients still get their work done (the rule does not refuse a holder
 * its own second request).
 *
 * @example
 * ```ts
 * checkFencingRule(() => true).passed; // false: that is no fencing at all
 * ```
 */
export function checkFencingRule(
  rule: FencingRule,
  options: CoordinationCheckOptions = {},
): ExerciseResult {
  const title = "Add fencing to the storage service";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (highestToken, token) => boolean."],
    });
  }
  const seeds = options.seeds ?? 60;
  const params = LeaseLockParamsSchema.parse({ runMs: 1_000 });
  let refused = 0, counter = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    let system: ReturnType<typeof buildLeaseLock>;
    try {
      system = buildLeaseLock(params, seed, { rule });
      system.simulation.runUntil(params.runMs);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    const storage = system.storage()!;
    const stale = storage.outOfOrder;
    if (stale !== undefined) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: the storage accepted ${stale.stale.client}'s ${stale.stale.kind} with token ` +
          `${stale.stale.token} after ${stale.after.client}'s with token ${stale.after.token}.`,
          "A request whose token is lower than one already accepted comes from a holder " +
          "whose lease has passed to someone else: refuse it.",
        ],
        counterexample: { seed, stale: stale.stale, after: stale.after },
      });
    }
    refused += storage.accesses.filter((a) => !a.accepted).length;
    counter += storage.value;
  }
  // A fair run increments the counter tens of times; a rule that refuses too much stalls it.
  if (counter < seeds * 10) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `The counter reached only ${counter} over ${seeds} runs: the storage refuses holders ` +
        "that still hold the lock.",
        "A holder reads and then writes with the same token: accept a token equal to the " +
        "highest seen.",
      ],
    });
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} runs with clients pausing past their lease: no stale request got in, ` +
      `${refused} were refused, and the counter grew to ${counter} in all.`,
    ],
  });
}

/**
 * Checks a marker rule `({ recorded, arrivedSinceRecording }) => { recordState,
 * channelState }`: runs Chandy-Lamport snapshots of a busy money-transfer system with the
 * rule at every node; passes when every snapshot completes and conserves the total.
 *
 * @example
 * ```ts
 * checkMarkerRule(() => ({ recordState: true, channelState: 0 })).passed; // false
 * ```
 */
export function checkMarkerRule(
  rule: MarkerRule,
  options: CoordinationCheckOptions = {},
): ExerciseResult {
  const title = "Write the marker rule";
  if (typeof rule !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function ({ recorded, arrivedSinceRecording }) => decision."],
    });
  }
  const seeds = options.seeds ?? 200;
  const params = SnapshotParamsSchema.parse({});
  for (let seed = 1; seed <= seeds; seed++) {
    let totals: ReturnType<typeof snapshotTotals>, total: number;
    try {
      const system = buildSnapshot(params, seed, { markerRule: rule });
      system.simulation.runUntil(params.runMs);
      totals = snapshotTotals(system.nodes());
      total = system.total;
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    if (!totals.complete) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: the snapshot never completed.`,
          "A node that has not recorded its state must record it on its first marker.",
        ],
      });
    }
    if (totals.recorded !== total) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: the snapshot holds ${totals.balances} in banks and ${totals.inFlight} ` +
          `in flight, ${totals.recorded} in all, but the banks always hold ${total}.`,
          totals.recorded < total
            ? "Money was in flight and the snapshot missed it: a node that has already " +
              "recorded must count what arrived on the channel since."
            : "Some money was counted twice: a channel's state is only what arrived after " +
              "the node recorded and before the marker on that channel.",
        ],
        counterexample: { seed, ...totals, total },
      });
    }
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [`${seeds} snapshots of a busy bank, each complete and conserving the total.`],
  });
}
