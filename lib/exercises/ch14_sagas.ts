/**
 * Exercise of chapter 14 with its self-check:
 *
 * **Write an idempotent compensation** ({@link checkRefundRule}): what the payments
 * service does with a refund request, which the orchestrator retries and the network
 * duplicates; checked by a sweep of order sagas under faults with the rule in the service.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { faultSweep } from "../testing/mod.ts";
import type { RefundRule } from "../transactions/saga_services.ts";
import { SAGA_INVARIANTS, sagaTrial } from "../transactions/saga_trial.ts";
import { ExerciseResult, notAFunction } from "./result.ts";

/** Options of {@link checkRefundRule}. */
export interface RefundRuleCheckOptions {
  /** Runs to try (seeds 1, 2, ...). Default 100. */
  readonly seeds?: number;
}

/**
 * Checks a refund rule `(book) => void`: runs the order saga under crashes and pauses, on
 * a network that loses and duplicates a fifth of all messages, with the rule in the
 * payments service. Passes when in every run the money is conserved, no order is charged
 * twice, every saga ends, and every compensated order is refunded exactly once.
 *
 * @example
 * ```ts
 * import { refundEveryTime } from "../transactions/saga_services.ts";
 * checkRefundRule(refundEveryTime).passed; // false: a duplicate refunds twice
 * ```
 */
export function checkRefundRule(
  rule: RefundRule,
  options: RefundRuleCheckOptions = {},
): ExerciseResult {
  const title = "Write an idempotent compensation";
  if (typeof rule !== "function") return notAFunction(title, "(book) => void", rule);
  const seeds = options.seeds ?? 100;
  const trial = sagaTrial({ refundRule: rule, name: "saga-refund-exercise" });
  const result = faultSweep(trial, {
    seeds,
    params: { lossProbability: 0.2, duplicateProbability: 0.2 },
    stopAtFirstFailure: true,
    excerpt: false,
  });
  const failure = result.failures[0];
  if (failure === undefined) {
    const compensated = result.rows.reduce((sum, row) => sum + row.compensated, 0);
    return new ExerciseResult({
      passed: true,
      title,
      details: [
        `${seeds} runs with a fifth of all messages lost or duplicated: ${compensated} sagas ` +
        "compensated, each refunded exactly once, and the money always added up.",
      ],
    });
  }
  const message = failure.message.split("\n")[0]!;
  const advice: Record<string, string> = {
    [SAGA_INVARIANTS.conserved]: "Money appeared: a request was refunded twice. A retry or a " +
      "duplicate of a refund carries the same key (book.key) as the first attempt.",
    [SAGA_INVARIANTS.effects]: "A compensated order is still charged: the first request for " +
      "a key must refund (book.refund()).",
  };
  return new ExerciseResult({
    passed: false,
    title,
    details: [
      `Run ${failure.seed}: ${failure.kind === "exception" ? "the rule threw: " : ""}${message}.`,
      advice[failure.invariant] ?? `The check "${failure.invariant}" failed.`,
    ],
    counterexample: { seed: failure.seed, invariant: failure.invariant },
  });
}
