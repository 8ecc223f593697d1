/**
 * Exercises of chapter 17 with their self-checks:
 *
 * 1. **Write the half-open rule** ({@link checkHalfOpenRule}): which calls a half-open
 *    circuit breaker lets through, and where its probe's outcome takes it; checked by
 *    randomized breaker trials against a dependency that fails and recovers.
 * 2. **Pick a retry policy** ({@link checkRetryPolicy}): retries that mask a lossy
 *    network, yet do not turn a one-second load spike into a lasting outage.
 *
 * Each check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { BACKOFF_STRATEGIES } from "../resilience/backoff.ts";
import { breakerTrial } from "../resilience/breaker_trial.ts";
import { type HalfOpenRule, STANDARD_HALF_OPEN_RULE } from "../resilience/circuit_breaker.ts";
import { overload, type OverloadRow } from "../resilience/overload.ts";
import { ExerciseResult } from "./result.ts";

// ---- Exercise 1: the half-open rule ----------------------------------------------------

/** Options of {@link checkHalfOpenRule}. */
export interface HalfOpenRuleCheckOptions {
  /** Trials to run (seeds 1, 2, ...). Default 300. */
  readonly seeds?: number;
}

/** The reference answer: one probe at a time; its success closes, its failure opens. */
export const referenceHalfOpenRule: HalfOpenRule = STANDARD_HALF_OPEN_RULE;

/**
 * Checks a reader's half-open rule: runs a randomized breaker trial per seed (calls at
 * random, overlapping; the dependency fails for a while, then recovers) with the rule in
 * the breaker, and passes when no trial breaks a rule (one probe at a time, legal moves)
 * and every trial ends with the breaker closed after the dependency recovered.
 *
 * @example
 * ```ts
 * checkHalfOpenRule({ allow: () => true, afterProbe: (ok) => ok ? "closed" : "open" }); // ✗
 * ```
 */
export function checkHalfOpenRule(
  rule: HalfOpenRule,
  options: HalfOpenRuleCheckOptions = {},
): ExerciseResult {
  const title = "Write the half-open rule";
  if (
    typeof rule !== "object" || rule === null || typeof rule.allow !== "function" ||
    typeof rule.afterProbe !== "function"
  ) {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected an object { allow(probesOut), afterProbe(succeeded) }."],
    });
  }
  const seeds = options.seeds ?? 300;
  let opened = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    let result: ReturnType<typeof breakerTrial>;
    try {
      result = breakerTrial(seed, { rule });
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Trial ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    if (result.opened) opened++;
    if (result.violation !== null) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Trial ${seed} of ${seeds}: ${result.violation}.`,
          hintFor(result.violation),
        ],
        counterexample: { seed, violation: result.violation },
      });
    }
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} trials: never more than one probe out, only legal moves, and closed again ` +
      `after every recovery (the breaker opened in ${opened} of them).`,
    ],
  });
}

function hintFor(violation: string): string {
  if (violation.includes("probes out")) {
    return "A recovering dependency should see one call, not the whole load: let a call " +
      "through only when no probe is out.";
  }
  if (violation.includes("still")) {
    return "After the dependency recovered, the probes kept succeeding but the breaker " +
      "never closed: a successful probe should close it.";
  }
  if (violation.includes("failed probe")) {
    return "The probe failed, so the dependency is still broken: closing the breaker sends " +
      "it the full load again. A failed probe should open the breaker for another openMs.";
  }
  return "Check where a probe's success and failure take the breaker.";
}

// ---- Exercise 2: a retry policy that survives a spike -------------------------------------

/** Zod schema of a reader's {@link RetryPolicyChoice}. */
export const RetryPolicyChoiceSchema = z.strictObject({
  /** Retries per request after the first try. */
  maxRetries: integerAtLeast(0),
  /** Backoff between retries. Default "full". */
  backoff: z.enum(BACKOFF_STRATEGIES).default("full"),
  /** Backoff base, ms. Default 10. */
  backoffBaseMs: positiveMs().default(10),
  /** Backoff cap, ms. Default 1000. */
  backoffCapMs: positiveMs().default(1000),
  /** A retry budget: retries per first attempt (absent: none). */
  retryBudgetRatio: z.number().min(0).max(1).optional(),
  /** A circuit breaker in each client. Default false. */
  breaker: z.boolean().default(false),
});

/** What a reader may choose in exercise 2: the clients' retry policy. */
export type RetryPolicyChoice = z.input<typeof RetryPolicyChoiceSchema>;

/**
 * The scenario of exercise 2: the `overload` experiment at 80% load, 2% of messages lost,
 * and a one-second spike to 160% at 2 s.
 */
export const RETRY_POLICY_SCENARIO = {
  ratePerS: 800,
  lossProbability: 0.02,
  spikeAtMs: 2000,
  spikeDurationMs: 1000,
  spikeRatePerS: 1600,
  durationMs: 10_000,
} as const;

/** Options of {@link checkRetryPolicy}. */
export interface RetryPolicyCheckOptions {
  /** Runs (seeds 1, 2, ...). Default 3. */
  readonly seeds?: number;
  /** Fraction of requests that must succeed before the spike. Default 0.99. */
  readonly beforeTarget?: number;
  /** Fraction that must succeed from 6 s to the end. Default 0.95. */
  readonly afterTarget?: number;
}

/** A reference answer to exercise 2: three retries, jittered, behind a circuit breaker. */
export const referenceRetryPolicy: RetryPolicyChoice = { maxRetries: 3, breaker: true };

/**
 * Checks a reader's retry policy in {@link RETRY_POLICY_SCENARIO}: it passes when at least
 * `beforeTarget` of the requests succeed before the spike (retries must mask the lost
 * messages) and at least `afterTarget` from 6 s on (the spike must not leave a lasting
 * overload behind).
 *
 * @example
 * ```ts
 * checkRetryPolicy({ maxRetries: 3 }); // ✗: the spike turns into a retry storm that never ends
 * ```
 */
export function checkRetryPolicy(
  choice: RetryPolicyChoice,
  options: RetryPolicyCheckOptions = {},
): ExerciseResult {
  const title = "Pick a retry policy that survives a spike";
  const parsed = RetryPolicyChoiceSchema.safeParse(choice);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return new ExerciseResult({
      passed: false,
      title,
      details: [
        `Your policy is not valid: ${issue?.path.join(".") || "policy"}: ${issue?.message}.`,
      ],
    });
  }
  const seeds = options.seeds ?? 3;
  const beforeTarget = options.beforeTarget ?? 0.99;
  const afterTarget = options.afterTarget ?? 0.95;
  const policy = parsed.data;
  const rows: { seed: number; before: number; after: number }[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const run = overload.run({
      ...RETRY_POLICY_SCENARIO,
      maxRetries: policy.maxRetries,
      backoff: policy.backoff,
      backoffBaseMs: policy.backoffBaseMs,
      backoffCapMs: Math.max(policy.backoffCapMs, policy.backoffBaseMs),
      breaker: policy.breaker,
      ...(policy.retryBudgetRatio === undefined
        ? {}
        : { retryBudgetRatio: policy.retryBudgetRatio }),
    }, seed);
    rows.push({
      seed,
      before: successFraction(run, 0, 2000),
      after: successFraction(run, 6000, 10_000),
    });
  }
  const worstBefore = Math.min(...rows.map((r) => r.before));
  const worstAfter = Math.min(...rows.map((r) => r.after));
  const beforeOk = worstBefore >= beforeTarget;
  const afterOk = worstAfter >= afterTarget;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const details = [
    `${beforeOk ? "✓" : "✗"} Before the spike: at worst ${pct(worstBefore)} of requests ` +
    `succeeded over ${seeds} runs (target ${pct(beforeTarget)}).`,
    `${afterOk ? "✓" : "✗"} From 6 s on, long after the spike: at worst ${pct(worstAfter)} ` +
    `(target ${pct(afterTarget)}).`,
  ];
  if (!beforeOk) {
    details.push(
      "With 2% of messages lost, about 4% of attempts fail: only retries get the success " +
        "rate above 99%.",
    );
  }
  if (!afterOk) {
    details.push(
      "The spike left the server overloaded: when every answer comes too late, every " +
        "request is retried, and the retries keep the queue long. Bound the retries (a " +
        "budget) or stop calling a server that is failing (a breaker).",
    );
  }
  return new ExerciseResult({ passed: beforeOk && afterOk, title, details, rows });
}

function successFraction(rows: readonly OverloadRow[], fromMs: number, toMs: number): number {
  const inside = rows.filter((row) => row.tMs >= fromMs && row.tMs < toMs);
  const offered = inside.reduce((sum, row) => sum + row.offeredPerS, 0);
  const good = inside.reduce((sum, row) => sum + row.goodputPerS, 0);
  // Requests made near the end of the window may succeed just after it: cap at 1.
  return offered === 0 ? 1 : Math.min(1, good / offered);
}
