/**
 * Delivery semantics measured: a producer publishes payments through a broker to two
 * consumers that credit them in a database, over a lossy network, while consumers crash
 * and pause. Each run counts the messages **lost** (never credited), **duplicated**
 * (delivered more than once) and with **effects duplicated** (credited more than once).
 *
 * The invariant of each configuration is what it promises: at-least-once loses nothing;
 * an idempotent consumer never applies an effect twice; at-most-once never delivers a
 * message twice. The `queue-delivery` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { networkFromParams, networkParams } from "../sim/network_params.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, nemesisFromParams, nemesisParams } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { Database } from "./database.ts";
import {
  type ConsumerObserver,
  type ConsumerTimer,
  creditPayment,
  creditPaymentOnce,
  type MessageHandler,
  type ProducerTimer,
  QueueBroker,
  QueueConsumer,
  type QueueItem,
  type QueueMessage,
  QueueProducer,
  type VisibilityTimer,
} from "./work_queue.ts";

/** Zod schema of the `queue-delivery` parameters. */
export const QueueDeliveryParamsSchema = z.strictObject({
  semantics: z.enum(["at-most-once", "at-least-once"]).default("at-least-once")
    .describe("When the broker forgets a message: on delivery, or on acknowledgement"),
  idempotentConsumer: z.boolean().default(false)
    .describe("Whether the consumer records each message id with its effect, and skips repeats"),
  ackBeforeProcessing: z.boolean().default(false)
    .describe("Broken variant: the consumer acknowledges on receipt, before processing"),
  messages: integerAtLeast(1).default(100).describe("Payments the producer publishes"),
  publishGapMs: positiveMs().default(10).describe("Time between two publishes, in ms"),
  consumers: integerAtLeast(1).default(2).describe("Consumers sharing the queue"),
  visibilityTimeoutMs: positiveMs().default(100)
    .describe("How long a delivered message stays invisible awaiting its ack, in ms"),
  processingMinMs: positiveMs().default(5).describe("Shortest processing of a message, in ms"),
  processingMaxMs: positiveMs().default(15).describe("Longest processing of a message, in ms"),
  maxReceiveCount: integerAtLeast(0).default(0)
    .describe("Deliveries after which a message is dead-lettered (0: never)"),
  poisonEvery: integerAtLeast(0).default(0)
    .describe("Every n-th payment is poison: processing it always fails (0: none)"),
  drainWithinMs: positiveMs().default(5_000)
    .describe("After the faults heal, the queue must drain within this, in ms"),
  ...networkParams({ lossProbability: 0.05, latency: { kind: "uniform", minMs: 1, maxMs: 5 } }),
  ...nemesisParams({
    faultsPerSecond: 4,
    faultsUntilMs: 1_500,
    meanFaultDurationMs: 150,
    faultKinds: ["crash", "pause"],
  }),
}).refine((p) => p.processingMaxMs >= p.processingMinMs, {
  error: "must be at least processingMinMs",
  path: ["processingMaxMs"],
});

/** The `queue-delivery` parameters, with defaults applied. */
export type QueueDeliveryParams = z.output<typeof QueueDeliveryParamsSchema>;

/** The broker's and the producer's ids. */
export const QUEUE_BROKER: NodeId = "broker";
/** The producer's id. */
export const QUEUE_PRODUCER: NodeId = "producer";

/** The world's bookkeeping of one run: what each message went through. */
export class DeliveryLedger implements ConsumerObserver {
  /** Deliveries that reached a consumer, per message id. */
  readonly deliveries = new Map<string, number>();
  /** Committed transactions that changed the database, per message id. */
  readonly effects = new Map<string, number>();
  /**
   * Messages acknowledged before their transaction committed, with every consumer
   * incarnation that holds one of their deliveries.
   */
  readonly unprocessedAcks = new Map<string, { consumer: NodeId; instance: object }[]>();

  /** {@inheritDoc ConsumerObserver.delivered} */
  delivered(id: string): void {
    this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
  }

  /** {@inheritDoc ConsumerObserver.ackedEarly} */
  ackedEarly(id: string, consumer: NodeId, instance: object): void {
    const holders = this.unprocessedAcks.get(id) ?? [];
    holders.push({ consumer, instance });
    this.unprocessedAcks.set(id, holders);
  }

  /** {@inheritDoc ConsumerObserver.committed} */
  committed(id: string, changed: boolean): void {
    this.unprocessedAcks.delete(id);
    if (changed) this.effects.set(id, (this.effects.get(id) ?? 0) + 1);
  }
}

/** What one queue-delivery trial builds. */
export interface QueueDeliverySystem {
  /** The simulation. */
  readonly simulation: Simulation<QueueMessage>;
  /** The consumers' database. */
  readonly database: Database;
  /** What each message went through. */
  readonly ledger: DeliveryLedger;
  /** The payments published, in order. */
  readonly items: readonly QueueItem[];
  /** The consumers' ids. */
  readonly consumers: readonly NodeId[];
  /** The parameters. */
  readonly params: QueueDeliveryParams;
  /** The broker. */
  readonly broker: () => QueueBroker;
  /** The producer. */
  readonly producer: () => QueueProducer;
}

/** Options of {@link buildQueueDelivery}. */
export interface BuildQueueDeliveryOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** The replay line for failures. */
  readonly replay?: string;
  /** The consumers' processing, replacing the one the parameters choose (for exercises). */
  readonly handler?: MessageHandler;
}

/** The account poison payments name: processing one throws. */
export const POISON_ACCOUNT = "poison";

/** Builds one run: broker, producer, consumers and the database. */
export function buildQueueDelivery(
  params: QueueDeliveryParams,
  seed: number,
  options: BuildQueueDeliveryOptions = {},
): QueueDeliverySystem {
  const simulation = new Simulation<QueueMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: networkFromParams(params),
  });
  const database = new Database();
  const ledger = new DeliveryLedger();
  const accounts = ["alice", "bob", "carol"];
  const items: QueueItem[] = Array.from({ length: params.messages }, (_, i) => ({
    id: `m${i + 1}`,
    body: {
      account: params.poisonEvery > 0 && (i + 1) % params.poisonEvery === 0
        ? POISON_ACCOUNT
        : accounts[i % accounts.length]!,
      amount: 1 + (i % 7),
    },
  }));
  const base = options.handler ?? (params.idempotentConsumer ? creditPaymentOnce : creditPayment);
  const handler: MessageHandler = (item, tx) => {
    if (item.body.account === POISON_ACCOUNT) {
      throw new Error(`Cannot credit ${item.id}: the account is unknown`);
    }
    base(item, tx);
  };
  simulation.addNode<VisibilityTimer>(QUEUE_BROKER, (ctx) =>
    new QueueBroker(ctx, {
      semantics: params.semantics,
      visibilityTimeoutMs: params.visibilityTimeoutMs,
      maxReceiveCount: params.maxReceiveCount,
    }));
  simulation.addNode<ProducerTimer>(QUEUE_PRODUCER, (ctx) =>
    new QueueProducer(ctx, {
      broker: QUEUE_BROKER,
      items,
      gapMs: params.publishGapMs,
      semantics: params.semantics,
      resendAfterMs: 50,
    }));
  const consumers = Array.from({ length: params.consumers }, (_, i) => `c${i + 1}`);
  simulation.addNodes<ConsumerTimer>(consumers, (ctx) =>
    new QueueConsumer(ctx, {
      broker: QUEUE_BROKER,
      database,
      handler,
      semantics: params.semantics,
      ackBeforeProcessing: params.ackBeforeProcessing,
      processingMs: [params.processingMinMs, params.processingMaxMs],
      pollMs: 5,
      observer: ledger,
    }));
  return {
    simulation,
    database,
    ledger,
    items,
    consumers,
    params,
    broker: () => simulation.node<QueueBroker>(QUEUE_BROKER)!,
    producer: () => simulation.node<QueueProducer>(QUEUE_PRODUCER)!,
  };
}

/** The counts a run ends with. */
export interface DeliveryCounts {
  /** Payments published. */
  readonly published: number;
  /** Payments credited at least once. */
  readonly processed: number;
  /** Payments never credited (dead-lettered ones not counted). */
  readonly lost: number;
  /** Payments delivered to consumers more than once. */
  readonly duplicated: number;
  /** Payments credited more than once. */
  readonly effectsDuplicated: number;
  /** Payments moved to the dead-letter queue. */
  readonly deadLettered: number;
  /** Deliveries to consumers, redeliveries included. */
  readonly deliveries: number;
  /** The balances' total minus the total of the payments that were not poison. */
  readonly balanceError: number;
}

/** Counts what a run did to each message. */
export function deliveryCounts(system: QueueDeliverySystem): DeliveryCounts {
  const { ledger, items, database } = system;
  const dead = new Set(system.broker().deadLetters().map((d) => d.item.id));
  let processed = 0, lost = 0, duplicated = 0, effectsDuplicated = 0, deliveries = 0;
  let expected = 0;
  for (const item of items) {
    const effects = ledger.effects.get(item.id) ?? 0;
    const delivered = ledger.deliveries.get(item.id) ?? 0;
    deliveries += delivered;
    if (effects > 0) processed++;
    else if (!dead.has(item.id)) lost++;
    if (delivered > 1) duplicated++;
    if (effects > 1) effectsDuplicated++;
    if (item.body.account !== POISON_ACCOUNT) expected += item.body.amount;
  }
  const balance = database.keys().filter((k) => k.startsWith("balance:"))
    .reduce((sum, key) => sum + (database.get<number>(key) ?? 0), 0);
  return {
    published: items.length,
    processed,
    lost,
    duplicated,
    effectsDuplicated,
    deadLettered: dead.size,
    deliveries,
    balanceError: balance - expected,
  };
}

/** A row of the `queue-delivery` experiment. */
export type QueueDeliveryRow =
  & {
    /** The semantics. */
    readonly semantics: string;
    /** Whether the consumer was idempotent. */
    readonly idempotentConsumer: boolean;
    /** Whether the consumer acknowledged before processing (broken). */
    readonly ackBeforeProcessing: boolean;
  }
  & { readonly [K in keyof DeliveryCounts]: number }
  & {
    /** The invariant that failed, or null. */
    readonly failure: string | null;
  };

/** A message acknowledged early whose consumer lost it before committing, and no copy left. */
function lostAfterEarlyAck(system: QueueDeliverySystem): string | undefined {
  for (const [id, holders] of system.ledger.unprocessedAcks) {
    if ((system.ledger.effects.get(id) ?? 0) > 0) continue;
    // Lost only when no incarnation that took it is still alive, and no copy is left.
    if (holders.some((h) => system.simulation.node(h.consumer) === h.instance)) continue;
    if (system.broker().holds(id)) continue;
    return `${holders[0]!.consumer} acknowledged ${id}, then crashed before processing it: ` +
      "the broker has forgotten it and nobody will credit it";
  }
  return undefined;
}

/**
 * The queue-delivery trial. Invariants: at-least-once, no acknowledged message is lost
 * (checked after every event); with an idempotent consumer, no payment is credited twice;
 * at-most-once (on a network that does not duplicate), no message is delivered twice.
 * After the faults heal, the queue must drain; then, at-least-once, every payment that
 * is not poison must have been credited.
 */
export const queueDeliveryTrial = defineTrial({
  name: "queue-delivery",
  params: QueueDeliveryParamsSchema,
  build: ({ params, seed, record, replay }) => buildQueueDelivery(params, seed, { record, replay }),
  nemesis: (system, { params }) => nemesisFromParams(params, system.consumers),
  invariants: [
    invariant(
      "at-least-once loses no message",
      (s: QueueDeliverySystem) =>
        s.params.semantics === "at-least-once" ? lostAfterEarlyAck(s) : undefined,
    ),
    invariant("an idempotent consumer credits each payment once", (s: QueueDeliverySystem) => {
      if (!s.params.idempotentConsumer) return undefined;
      for (const [id, n] of s.ledger.effects) if (n > 1) return `${id} was credited ${n} times`;
      return undefined;
    }),
    invariant("at-most-once delivers no message twice", (s: QueueDeliverySystem) => {
      if (s.params.semantics !== "at-most-once" || s.params.duplicateProbability > 0) {
        return undefined;
      }
      for (const [id, n] of s.ledger.deliveries) if (n > 1) return `${id} was delivered ${n} times`;
      return undefined;
    }),
  ],
  liveness: {
    name: "the queue drains",
    withinMs: (params) => params.drainWithinMs,
    holds: (s: QueueDeliverySystem) =>
      s.producer().done && s.broker().held().length === 0 &&
      s.consumers.every((id) => s.simulation.node<QueueConsumer>(id)?.idle ?? true),
    explain: (s: QueueDeliverySystem) =>
      `the broker still holds ${s.broker().held().length} messages`,
  },
  finalChecks: [
    invariant("at-least-once credits every payment", (s: QueueDeliverySystem) => {
      if (s.params.semantics !== "at-least-once") return undefined;
      const lost = deliveryCounts(s).lost;
      return lost === 0 ? undefined : `${lost} payments were never credited`;
    }),
  ],
  history: false,
  untilMs: (params) => params.faultsUntilMs,
  row: ({ params, system, failure }): QueueDeliveryRow => ({
    semantics: params.semantics,
    idempotentConsumer: params.idempotentConsumer,
    ackBeforeProcessing: params.ackBeforeProcessing,
    ...deliveryCounts(system),
    failure: failure?.invariant ?? null,
  }),
});

/** The `queue-delivery` experiment: {@link queueDeliveryTrial}, one row per seed. */
export const queueDelivery = trialExperiment(queueDeliveryTrial, {
  title: "Messages lost, duplicated and credited twice, per delivery semantics",
  description: "A producer publishes 100 payments through a broker to two consumers that " +
    "credit them in a database, with 5% message loss and consumers crashing and pausing. " +
    "Counts payments lost, delivered more than once, and credited more than once.",
  chapter: "20_messaging",
});
