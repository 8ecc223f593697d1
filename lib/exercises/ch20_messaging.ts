/**
 * Exercise of chapter 20 with its self-check:
 *
 * **Write an idempotent consumer** ({@link checkIdempotentConsumer}): a handler that
 * credits a payment in a database transaction so that at-least-once delivery (which
 * redelivers after lost acks, crashes and pauses) credits each payment exactly once.
 * Checked by a sweep of queue-delivery runs under faults.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import {
  buildQueueDelivery,
  deliveryCounts,
  QueueDeliveryParamsSchema,
} from "../messaging/queue_trial.ts";
import type { MessageHandler } from "../messaging/work_queue.ts";
import { ExerciseResult } from "./result.ts";

/** Options of {@link checkIdempotentConsumer}. */
export interface IdempotentConsumerCheckOptions {
  /** Runs to try (seeds 1, 2, ...). Default 50. */
  readonly seeds?: number;
}

/**
 * Checks a handler `(item, tx) => void` that should credit `item.body.amount` to
 * `balance:<item.body.account>` once per message id. Each run publishes 100 payments
 * at-least-once to two consumers running the handler, with 10% message loss and
 * consumers crashing and pausing. Passes when, in every run, every payment is credited
 * once: no payment missed, none credited twice, the balances' total exact.
 *
 * @example
 * ```ts
 * import { creditPayment } from "../messaging/work_queue.ts";
 *
 * checkIdempotentConsumer(creditPayment, { seeds: 5 }).passed; // false: it credits repeats
 * ```
 */
export function checkIdempotentConsumer(
  handler: MessageHandler,
  options: IdempotentConsumerCheckOptions = {},
): ExerciseResult {
  const title = "Write an idempotent consumer";
  if (typeof handler !== "function") {
    return new ExerciseResult({
      passed: false,
      title,
      details: ["Expected a function (item, tx) => void."],
    });
  }
  const seeds = options.seeds ?? 50;
  const params = QueueDeliveryParamsSchema.parse({
    semantics: "at-least-once",
    lossProbability: 0.1,
    faultsPerSecond: 6,
  });
  let duplicates = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    let counts: ReturnType<typeof deliveryCounts>;
    try {
      const system = buildQueueDelivery(params, seed, { handler });
      system.simulation.runUntil(params.faultsUntilMs + params.drainWithinMs);
      counts = deliveryCounts(system);
    } catch (error) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [`Run ${seed} threw: ${error instanceof Error ? error.message : error}.`],
      });
    }
    duplicates += counts.duplicated;
    const replay = `buildQueueDelivery(QueueDeliveryParamsSchema.parse(` +
      `{ lossProbability: 0.1, faultsPerSecond: 6 }), ${seed}, { handler })`;
    if (counts.effectsDuplicated > 0) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: ${counts.effectsDuplicated} payments were credited more than once ` +
          `(${counts.duplicated} were delivered more than once).`,
          "Record each message id in the same transaction as its credit, and skip an id " +
          "already recorded.",
          `Replay: ${replay}`,
        ],
        counterexample: { seed, ...counts },
      });
    }
    if (counts.lost > 0 || counts.balanceError !== 0) {
      return new ExerciseResult({
        passed: false,
        title,
        details: [
          `Run ${seed}: ${counts.lost} payments were never credited, and the balances are ` +
          `off by ${counts.balanceError}.`,
          "Credit item.body.amount to the key `balance:${item.body.account}` the first " +
          "time a message id is seen.",
          `Replay: ${replay}`,
        ],
        counterexample: { seed, ...counts },
      });
    }
  }
  return new ExerciseResult({
    passed: true,
    title,
    details: [
      `${seeds} runs with 10% message loss and consumers crashing: ${duplicates} payments ` +
      "were delivered more than once, and every payment was credited exactly once.",
    ],
  });
}
