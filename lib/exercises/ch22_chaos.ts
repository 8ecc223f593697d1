/**
 * Exercise of chapter 22 with its self-check:
 *
 * **Make the game day pass** ({@link checkGameDayFix}): choose the gateway's retries and
 * call timeout so the steady-state hypothesis (95% of requests answered 200 in every
 * 100 ms window) holds while faults crash, pause and isolate up to two instances at once,
 * without a retry storm: at most 3 retries, and a timeout long enough for a healthy
 * instance to answer.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { gameDayTrial } from "../architecture/game_day.ts";
import { runTrial } from "../testing/mod.ts";
import { ExerciseResult } from "./result.ts";

/** The reader's fix: the gateway's settings. */
export interface GameDayFix {
  /** Times a timed-out call is sent again, to another instance. */
  readonly retries: number;
  /** The gateway's call timeout, in ms. */
  readonly callTimeoutMs: number;
}

/** Options of {@link checkGameDayFix}. */
export interface GameDayFixCheckOptions {
  /** Game days to run (seeds 1, 2, ...). Default 20. */
  readonly seeds?: number;
}

/**
 * Checks a fix: passes when, over every seed, the game day with a blast radius of two
 * instances keeps the hypothesis, with at most 3 retries and a timeout of at least 25 ms
 * (a healthy round trip takes up to 10 ms, so a shorter one resends calls that would have
 * been answered, adding load exactly when the system is short of capacity).
 *
 * @example
 * ```ts
 * checkGameDayFix({ retries: 0, callTimeoutMs: 30 }, { seeds: 5 }).passed; // false
 * ```
 */
export function checkGameDayFix(
  fix: GameDayFix,
  options: GameDayFixCheckOptions = {},
): ExerciseResult {
  const title = "Make the game day pass";
  const retries = fix?.retries, callTimeoutMs = fix?.callTimeoutMs;
  if (!Number.isInteger(retries) || retries < 0 || !(callTimeoutMs > 0)) {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected { retries: a whole number ≥ 0, callTimeoutMs: a number > 0 }."],
    });
  }
  if (retries > 3) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `${retries} retries: every retry is another call to a service that may be failing ` +
        "for lack of capacity (chapter 17's retry storm). Stay at 3 or fewer.",
      ],
    });
  }
  if (callTimeoutMs < 25) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `A ${callTimeoutMs} ms timeout gives up on healthy instances: a round trip takes up ` +
        "to 10 ms here, and the timeout should leave room for a slow one. Use at least 25 ms.",
      ],
    });
  }
  const seeds = options.seeds ?? 20;
  let faults = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { row } = runTrial(gameDayTrial, { blastRadius: 2, retries, callTimeoutMs }, seed);
    faults += row.faults;
    if (!row.hypothesisHeld) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Game day ${seed}: ${row.windowsBelowTarget} ` +
          `${row.windowsBelowTarget === 1 ? "window" : "windows"} below 95%, the worst at ` +
          `${(row.worstWindow * 100).toFixed(1)}%.`,
          "With two instances down at once, one retry can land on the other dead one.",
        ],
        counterexample: { seed, row },
      });
    }
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} game days, ${faults} faults on up to two instances at once: every window ` +
      `answered at least 95% with ${retries} retries and a ${callTimeoutMs} ms timeout.`,
    ],
  });
}
