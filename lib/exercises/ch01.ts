/**
 * Exercises of chapter 01 with their self-checks:
 *
 * 1. **Choose a timeout** ({@link checkChooseTimeout}): from measured link delays, pick
 *    the timeout of a heartbeat failure detector that rarely suspects a live node yet
 *    detects a crash quickly.
 * 2. **Aggregate a fan-out** ({@link checkCompletionTime}): given the reply times of k
 *    back ends, say when a request that needs `needed` of them completes; checked
 *    against the simulator on random cases, with the smallest counterexample.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import fc from "fast-check";
import {
  type FalseSuspicionParams,
  FalseSuspicionParamsSchema,
  measureLinkLatencies,
  simulateFalseSuspicion,
} from "../experiments/false_suspicion.ts";
import type { z } from "zod";
import { parseConfig } from "../config/mod.ts";
import { FanoutBackend, FanoutFrontEnd, type FanoutMessage } from "../resilience/fanout.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { ExerciseResult, notAFunction } from "./result.ts";

// ---- Exercise 1: choose a timeout ----------------------------------------------------

/**
 * A reader's answer to "choose a timeout": given one-way delays measured on the link
 * (ms), return the timeout (ms) after which the monitor suspects a silent node.
 */
export type ChooseTimeout = (latencySamplesMs: number[]) => number;

/** Options of {@link checkChooseTimeout}. */
export interface ChooseTimeoutCheckOptions {
  /** Runs (seeds 1, 2, ...), each with fresh samples and its own crash. Default 10. */
  readonly seeds?: number;
  /** Delays measured per run and given to the answer. Default 1000. */
  readonly samples?: number;
  /** Most false suspicions per second of a live node, over all runs. Default 0.05. */
  readonly maxFalseSuspicionsPerSecond?: number;
  /** Largest mean time from crash to detection, in ms. Default 1000. */
  readonly maxDetectionMs?: number;
  /** The `false-suspicion` scenario (link, heartbeat interval, crash time). Default its defaults. */
  readonly scenario?: z.input<typeof FalseSuspicionParamsSchema>;
}

/** The scenario of exercise 1, as the notebook describes it to the reader. */
export const CHOOSE_TIMEOUT_SCENARIO: FalseSuspicionParams = parseConfig(
  FalseSuspicionParamsSchema,
  {},
  "scenario",
);

/** Seeds of the measurements are offset from the trials' so samples and trial differ. */
const SAMPLE_SEED_OFFSET = 1_000_000;

/**
 * The reference answer to "choose a timeout": four times the 99th percentile of the
 * delays. The p99 is estimated well from a thousand samples; the factor reaches past
 * the rarest delays the samples cannot show, which matters because a monitor that hears
 * a hundred heartbeats a second meets a one-in-ten-thousand delay every two minutes.
 */
export function referenceChooseTimeout(latencySamplesMs: number[]): number {
  return 4 * nearestRankQuantile(latencySamplesMs, 0.99);
}

/**
 * A typical wrong answer to "choose a timeout": the mean delay. On a long-tailed link
 * about a third of the delays exceed the mean, and the tail goes far beyond it, so the
 * monitor suspects the live node many times a second.
 */
export function wrongChooseTimeout(latencySamplesMs: number[]): number {
  return latencySamplesMs.reduce((sum, x) => sum + x, 0) / latencySamplesMs.length;
}

/**
 * Checks an answer to "choose a timeout". For each seed it measures `samples` one-way
 * delays of the link (with a different seed), asks `chooseTimeout` for a timeout, and runs
 * the `false-suspicion` experiment with it: heartbeats every `intervalMs`, a crash at
 * `crashAtMs`. It passes when false suspicions of the live node stay within the budget
 * and crashes are detected within the bound on average. Never throws for a wrong answer.
 *
 * @example
 * ```ts
 * checkChooseTimeout((samples) => Math.max(...samples)); // a box: passed or not, and why
 * ```
 */
export function checkChooseTimeout(
  chooseTimeout: ChooseTimeout,
  options: ChooseTimeoutCheckOptions = {},
): ExerciseResult {
  const title = "Choose a timeout";
  const seeds = options.seeds ?? 10;
  const sampleCount = options.samples ?? 1000;
  const maxRate = options.maxFalseSuspicionsPerSecond ?? 0.05;
  const maxDetectionMs = options.maxDetectionMs ?? 1000;
  const scenario = parseConfig(FalseSuspicionParamsSchema, options.scenario ?? {}, "scenario");
  if (typeof chooseTimeout !== "function") {
    return notAFunction(title, "(latencySamplesMs) => timeoutMs", chooseTimeout);
  }
  const rows: {
    seed: number;
    timeoutMs: number;
    falseSuspicions: number;
    detectionMs: number | null;
  }[] = [];
  let sampleSummary = "";
  for (let seed = 1; seed <= seeds; seed++) {
    const samples = measureLinkLatencies(scenario, seed + SAMPLE_SEED_OFFSET, sampleCount);
    if (seed === 1) sampleSummary = summarizeSamples(samples);
    let timeoutMs: unknown;
    try {
      timeoutMs = chooseTimeout([...samples]);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Your function threw: ${describeError(error)}.`, `Its input: ${sampleSummary}.`],
      });
    }
    const problem = timeoutProblem(timeoutMs);
    if (problem !== undefined) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Your function returned ${formatAnswer(timeoutMs)}: ${problem}.`,
          `Its input: ${sampleSummary}.`,
        ],
      });
    }
    let run: ReturnType<typeof simulateFalseSuspicion>;
    try {
      run = simulateFalseSuspicion({ ...scenario, timeoutMs: timeoutMs as number }, seed);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `The run with your timeout of ${formatAnswer(timeoutMs)} ms failed: ${
            describeError(error)
          }.`,
        ],
      });
    }
    rows.push({
      seed,
      timeoutMs: timeoutMs as number,
      falseSuspicions: run.row.falseSuspicions,
      detectionMs: run.row.detectionMs,
    });
  }
  const liveSeconds = seeds * scenario.crashAtMs / 1000;
  const falseSuspicions = rows.reduce((sum, row) => sum + row.falseSuspicions, 0);
  const rate = falseSuspicions / liveSeconds;
  const detections = rows.map((row) => row.detectionMs);
  const undetected = detections.filter((d) => d === null).length;
  const detected = detections.filter((d): d is number => d !== null);
  const meanDetectionMs = detected.length === 0
    ? Infinity
    : detected.reduce((sum, d) => sum + d, 0) / detected.length;
  const timeouts = rows.map((row) => row.timeoutMs);
  const rateOk = rate <= maxRate;
  const detectionOk = undetected === 0 && meanDetectionMs <= maxDetectionMs;
  const details = [
    `Your timeouts: ${formatRange(timeouts)} over ${seeds} run${seeds === 1 ? "" : "s"}; ` +
    `the samples of run 1: ${sampleSummary}.`,
    `${rateOk ? "✓" : "✗"} False suspicions: ${falseSuspicions} in ${liveSeconds} s of a live ` +
    `node = ${rate.toFixed(3)} per second (budget ${maxRate}).`,
    undetected > 0
      ? `✗ Crash detection: ${undetected} of ${seeds} crashes were never detected.`
      : `${detectionOk ? "✓" : "✗"} Crash detection: ${formatMs(meanDetectionMs)} after the ` +
        `crash on average, at worst ${
          formatMs(Math.max(...detected))
        } (bound ${maxDetectionMs} ms).`,
  ];
  if (!rateOk) {
    details.push(
      `Heartbeats come every ${scenario.intervalMs} ms, so even a delay that only 1 ` +
        `heartbeat in 1000 exceeds comes every ${formatMs(scenario.intervalMs * 1000)}. ` +
        "Aim past the rarest delays in the samples.",
    );
  }
  if (!detectionOk && undetected === 0) {
    details.push(
      "A crash is noticed only after a full timeout of silence: a longer timeout buys " +
        "fewer false suspicions with slower detection. Find the smallest timeout that keeps " +
        "the false suspicions within budget.",
    );
  }
  return new ExerciseResult({ passed: rateOk && detectionOk, title, details, rows });
}

function timeoutProblem(value: unknown): string | undefined {
  if (typeof value !== "number") return "expected a number of milliseconds";
  if (Number.isNaN(value)) return "NaN is not a timeout";
  if (!(value > 0)) return "a timeout must be greater than 0 ms";
  if (!(value <= 3_600_000)) return "a timeout over an hour never detects a crash in these runs";
  return undefined;
}

function summarizeSamples(samples: readonly number[]): string {
  if (samples.length === 0) return "no samples";
  const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return `${samples.length} delays, mean ${formatMs(mean)}, median ` +
    `${formatMs(nearestRankQuantile(samples, 0.5))}, p99 ${
      formatMs(nearestRankQuantile(samples, 0.99))
    }, ` +
    `max ${formatMs(Math.max(...samples))}`;
}

// ---- Exercise 2: aggregate a fan-out --------------------------------------------------

/**
 * A reader's answer to "aggregate a fan-out": a request goes to k back ends at time 0 and
 * back end i's reply arrives at `replyLatenciesMs[i]`; return when the request completes
 * if it needs `needed` replies (`needed = k`: wait for all).
 */
export type CompletionTime = (replyLatenciesMs: number[], needed: number) => number;

/** Options of {@link checkCompletionTime}. */
export interface CompletionTimeCheckOptions {
  /** Random cases to try. Default 100. */
  readonly numRuns?: number;
  /** Seed of the random cases. Default 1. */
  readonly seed?: number;
  /** Most back ends in a case. Default 12. */
  readonly maxBackends?: number;
}

/** The reference answer to "aggregate a fan-out": the `needed`-th smallest reply time. */
export function referenceCompletionTime(replyLatenciesMs: number[], needed: number): number {
  return [...replyLatenciesMs].sort((a, b) => a - b)[needed - 1] as number;
}

/**
 * A typical wrong answer to "aggregate a fan-out": it sorts without a comparator, and
 * JavaScript's default sort compares numbers as strings ("10" < "9").
 */
export function wrongCompletionTime(replyLatenciesMs: number[], needed: number): number {
  return replyLatenciesMs.sort()[needed - 1] as number;
}

/**
 * When the simulator completes a fan-out request that needs `needed` replies, if back
 * end i's reply takes `replyLatenciesMs[i]`: the ground truth of exercise 2. A front end
 * sends one part to each back end at time 0; the back ends answer at once, over links
 * whose delays are set to the given times.
 *
 * @example
 * ```ts
 * simulateFanoutCompletion([30, 10, 20], 2); // 20
 * ```
 */
export function simulateFanoutCompletion(
  replyLatenciesMs: readonly number[],
  needed: number,
): number {
  if (replyLatenciesMs.length === 0) {
    throw new RangeError("Cannot simulate a fan-out: it needs at least one back end");
  }
  const backends: NodeId[] = replyLatenciesMs.map((_, i) => `backend-${i + 1}`);
  const simulation = new Simulation<FanoutMessage>({
    seed: 1,
    record: false,
    network: {
      latency: { kind: "constant", ms: 0 },
      links: replyLatenciesMs.map((ms, i) => ({
        from: backends[i] as NodeId,
        to: "frontend",
        latency: { kind: "constant", ms },
      })),
    },
  });
  let frontEnd: FanoutFrontEnd | undefined;
  simulation.addNode(
    "frontend",
    (ctx) =>
      frontEnd = new FanoutFrontEnd(ctx, { backends, wait: "quorum", quorum: needed, requests: 1 }),
  );
  simulation.addNodes(
    backends,
    (ctx) => new FanoutBackend(ctx, { serviceTime: { kind: "constant", ms: 0 } }),
  );
  simulation.runUntilTrue(() => frontEnd?.done === true, {
    untilMs: Infinity,
    description: "the request completing",
  });
  return (frontEnd as FanoutFrontEnd).records[0]?.latencyMs as number;
}

/**
 * Checks an answer to "aggregate a fan-out" against the simulator on random cases
 * (fast-check), and reports the smallest case it gets wrong. Never throws for a wrong
 * answer.
 *
 * @example
 * ```ts
 * checkCompletionTime((latencies, needed) => Math.max(...latencies)); // ✗ with a counterexample
 * ```
 */
export function checkCompletionTime(
  completionTime: CompletionTime,
  options: CompletionTimeCheckOptions = {},
): ExerciseResult {
  const title = "Aggregate a fan-out";
  if (typeof completionTime !== "function") {
    return notAFunction(title, "(replyLatenciesMs, needed) => ms", completionTime);
  }
  const numRuns = options.numRuns ?? 100;
  const maxBackends = options.maxBackends ?? 12;
  const cases = fc.array(fc.integer({ min: 0, max: 1000 }), {
    minLength: 1,
    maxLength: maxBackends,
  })
    .chain((latencies) =>
      fc.tuple(fc.constant(latencies), fc.integer({ min: 1, max: latencies.length }))
    );
  const agrees = ([latencies, needed]: [number[], number]): boolean => {
    const expected = simulateFanoutCompletion(latencies, needed);
    try {
      return completionTime([...latencies], needed) === expected;
    } catch {
      return false;
    }
  };
  const outcome = fc.check(fc.property(cases, agrees), { numRuns, seed: options.seed ?? 1 });
  if (!outcome.failed) {
    return new ExerciseResult({
      passed: true,
      title,
      details: [
        `Your function agrees with the simulator on ${outcome.numRuns} random fan-outs of 1 to ` +
        `${maxBackends} back ends.`,
      ],
    });
  }
  if (outcome.counterexample === null) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`The check could not run: ${describeError(outcome.errorInstance)}.`],
    });
  }
  const [[latencies, needed]] = outcome.counterexample;
  const expected = simulateFanoutCompletion(latencies, needed);
  let answer: string;
  try {
    answer = `you said ${formatAnswer(completionTime([...latencies], needed))}`;
  } catch (error) {
    answer = `your function threw ${describeError(error)}`;
  }
  return new ExerciseResult({
    passed: false,
    title,
    details: [
      `Smallest counterexample (after ${outcome.numShrinks} shrinks): replies at ` +
      `[${latencies.join(", ")}] ms, needed ${needed} of ${latencies.length}.`,
      `The simulator completes it at ${expected} ms; ${answer}.`,
    ],
    counterexample: { replyLatenciesMs: latencies, needed, expectedMs: expected },
  });
}

// ---- helpers ---------------------------------------------------------------------------

function nearestRankQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`;
  if (ms >= 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

function formatRange(values: readonly number[]): string {
  const low = Math.min(...values), high = Math.max(...values);
  return low === high ? formatMs(low) : `${formatMs(low)} to ${formatMs(high)}`;
}

function formatAnswer(value: unknown): string {
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : value.toPrecision(6);
  }
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
