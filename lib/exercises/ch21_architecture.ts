/**
 * Exercise of chapter 21 with its self-check:
 *
 * **Write the replay check** ({@link checkReplayCheck}): the freshness check a service
 * runs on every signed request that passed its signature check: refuse a timestamp too
 * far from the receiver's clock, refuse a nonce seen before, remember the nonce, and
 * forget nonces that can no longer matter. Checked by the attacker's sweep: runs of the
 * `auth-attacks` system (skewed clocks, key rotation, an attacker replaying every request
 * after up to 1.2 s, a 300 ms window) with the reader's check inside the `payments` service.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import {
  AuthAttacksParamsSchema,
  buildAuth,
  checkFreshness,
  type FreshnessCheck,
} from "../architecture/mod.ts";
import { ExerciseResult } from "./result.ts";

/** Options of {@link checkReplayCheck}. */
export interface ReplayCheckOptions {
  /** Runs to try (seeds 1, 2, ...). Default 12. */
  readonly seeds?: number;
}

/**
 * Checks a reader's freshness check `(request, nowMs, seen, windowMs)`: passes when, in
 * every run, no replayed or altered request is accepted, no honest request is refused
 * for its timestamp, and the nonce cache stays within twice the size the reference check
 * needs (nonces older than the window must be forgotten, or the cache grows for ever).
 *
 * @example
 * ```ts
 * import { checkFreshness } from "../architecture/mod.ts";
 *
 * checkReplayCheck(checkFreshness, { seeds: 2 }).passed; // true
 * checkReplayCheck(() => undefined, { seeds: 2 }).passed; // false: replays get in
 * ```
 */
export function checkReplayCheck(
  check: FreshnessCheck,
  options: ReplayCheckOptions = {},
): ExerciseResult {
  const title = "Write the replay check";
  if (typeof check !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (request, nowMs, seen, windowMs) => reason or undefined."],
    });
  }
  const seeds = options.seeds ?? 12;
  const params = AuthAttacksParamsSchema.parse({
    runMs: 1_500,
    windowMs: 300,
    maxReplayDelayMs: 1_200,
  });
  let replaysRefused = 0;
  let attacks = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    let yours: ReturnType<typeof buildAuth>;
    try {
      yours = buildAuth(params, seed, { freshness: check });
      yours.simulation.runUntil(params.runMs);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    const intrusion = yours.intrusions[0];
    if (intrusion !== undefined) {
      const replay = yours.sent.has(intrusion.request.signature);
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: payments accepted ${
            replay ? "a replay of" : "a request no caller sent:"
          } ${intrusion.request.caller}'s ${intrusion.request.method} ` +
          `(timestamp ${intrusion.request.timestampMs}, nonce ${
            intrusion.request.nonce.slice(0, 8)
          }…) at ${intrusion.atMs.toFixed(0)} ms.`,
          replay
            ? "A nonce is remembered only for the window: a request whose timestamp is " +
              "older than that must be refused by its timestamp, or a late replay gets in."
            : "Only the freshness check is yours; the signature was checked before it.",
        ],
        counterexample: { seed, request: intrusion.request },
      });
    }
    const refusedHonest = yours.callerNodes().reduce(
      (sum, caller) => sum + (caller.refused["stale-timestamp"] ?? 0),
      0,
    );
    if (refusedHonest > 0) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: ${refusedHonest} honest requests were refused for their timestamp.`,
          "Clocks disagree both ways: a timestamp a little ahead of the receiver's clock is " +
          "as fresh as one a little behind. Compare the absolute difference with the window.",
        ],
      });
    }
    const reference = buildAuth(params, seed, { freshness: checkFreshness });
    reference.simulation.runUntil(params.runMs);
    const peak = yours.payments()!.peakNonces;
    const needed = reference.payments()!.peakNonces;
    if (peak > 2 * needed) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: the nonce cache grew to ${peak} entries; ${needed} are enough.`,
          "A nonce whose timestamp is older than the window can be forgotten: its request " +
          "would be refused by the timestamp check anyway.",
        ],
      });
    }
    const refused = yours.payments()!.refused;
    replaysRefused += refused["replayed-nonce"] + refused["stale-timestamp"];
    attacks += yours.attacker()!.attempts.replay;
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} runs on skewed clocks: ${attacks} replays made, none accepted; ` +
      `${replaysRefused} requests refused as replayed or stale, no honest request refused ` +
      "for its timestamp, and the nonce cache stayed small.",
    ],
  });
}
