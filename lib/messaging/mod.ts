/**
 * Messaging and streams: how services talk without waiting for each other.
 *
 * - A broker with publish-subscribe topics and work queues ({@link QueueBroker}):
 *   acknowledgements, visibility timeouts, at-most-once and at-least-once delivery,
 *   dead-letter queues; consumers that process in a {@link Database} transaction, and the
 *   idempotent consumer ({@link creditPaymentOnce}) that makes at-least-once
 *   effectively-once. The `queue-delivery` trial and experiment.
 * - A partitioned, ordered log with consumer groups, committed offsets and rebalancing
 *   ({@link LogBroker}, {@link LogConsumer}); the `log-order` trial and experiment.
 * - Streams with rxjs in virtual time: windows, backpressure, a join of two streams.
 * - Event sourcing ({@link EventStore}, replay, snapshots, upcasting) and CQRS read
 *   models built by projections, with their lag and the read-your-writes session fix;
 *   the `cqrs-lag` trial and experiment.
 *
 * ```ts ignore
 * import { queueDelivery, QueueBroker } from "../lib/messaging/mod.ts";
 * ```
 *
 * @module
 */
export * from "./database.ts";
export * from "./work_queue.ts";
export * from "./queue_trial.ts";
export * from "./partitioned_log.ts";
export * from "./log_trial.ts";
export * from "./streams.ts";
export * from "./event_sourcing.ts";
export * from "./cqrs.ts";
