/**
 * The partitioned log under faults: a producer appends records with a dozen keys to a
 * topic of four partitions, while a consumer group of three processes them; consumers
 * crash and pause, messages are lost, and the group rebalances. The invariants: each
 * partition is processed in offset order **without gaps** (a record is processed only
 * after every record before it in its partition), and each key's records are first
 * processed in the order they were appended. Replays after a rebalance are allowed:
 * that is at-least-once; with `transactionalOffsets` (each partition's offset stored in
 * the same transaction as the effect) no record is applied twice: effectively-once. The `log-order` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { networkFromParams, networkParams } from "../sim/network_params.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { Database } from "./database.ts";
import { defineTrial, invariant, nemesisFromParams, nemesisParams } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import {
  LogBroker,
  LogConsumer,
  type LogConsumerTimer,
  type LogMessage,
  type LogObserver,
  type LogRecord,
} from "./partitioned_log.ts";

/** Zod schema of the `log-order` parameters. */
export const LogOrderParamsSchema = z.strictObject({
  partitions: integerAtLeast(1).default(4).describe("Partitions of the topic"),
  consumers: integerAtLeast(1).default(3).describe("Members of the consumer group"),
  keys: integerAtLeast(1).default(12).describe("Distinct record keys"),
  records: integerAtLeast(1).default(200).describe("Records appended"),
  appendGapMs: positiveMs().default(5).describe("Time between two appends, in ms"),
  processingMinMs: positiveMs().default(2).describe("Shortest processing of a record, in ms"),
  processingMaxMs: positiveMs().default(6).describe("Longest processing of a record, in ms"),
  heartbeatMs: positiveMs().default(20).describe("Time between a consumer's heartbeats, in ms"),
  sessionTimeoutMs: positiveMs().default(100)
    .describe("A consumer silent this long is removed and the group rebalances, in ms"),
  commitBeforeProcessing: z.boolean().default(false)
    .describe("Broken variant: commit each record's offset before processing it"),
  transactionalOffsets: z.boolean().default(false)
    .describe(
      "Store each partition's offset with the effect, in one transaction (effectively-once)",
    ),
  catchUpWithinMs: positiveMs().default(3_000)
    .describe("After the faults heal, every record must be processed within this, in ms"),
  ...networkParams({ lossProbability: 0.02, latency: { kind: "uniform", minMs: 1, maxMs: 5 } }),
  ...nemesisParams({
    faultsPerSecond: 4,
    faultsUntilMs: 1_500,
    meanFaultDurationMs: 150,
    faultKinds: ["crash", "pause"],
    concurrentNodeFaults: 1,
  }),
}).refine((p) => p.processingMaxMs >= p.processingMinMs, {
  error: "must be at least processingMinMs",
  path: ["processingMaxMs"],
});

/** The `log-order` parameters, with defaults applied. */
export type LogOrderParams = z.output<typeof LogOrderParamsSchema>;

/** The log broker's id. */
export const LOG_BROKER: NodeId = "log";

/** The world's view of processing: how far each partition and key has got. */
export class LogTracker implements LogObserver {
  /** Per partition, the highest offset below which every record has been processed (-1: none). */
  readonly contiguous: number[];
  /** Per key, how many of its records have been processed at least once. */
  readonly keyProgress = new Map<string, number>();
  /** Records processed again (a replay after a rebalance). */
  reprocessed = 0;
  /** Records processed in all. */
  processedCount = 0;
  /** The first gap seen, in words. */
  gap: string | undefined;
  /** The first key seen out of order, in words. */
  keyDisorder: string | undefined;
  /** Every processing, in order: when, by whom, what (for figures). */
  readonly events: { atMs: number; consumer: NodeId; partition: number; offset: number }[] = [];
  readonly #now: () => number;

  /** A tracker for `partitions` partitions; `now` reads virtual time. */
  constructor(partitions: number, now: () => number) {
    this.contiguous = Array.from({ length: partitions }, () => -1);
    this.#now = now;
  }

  /** {@inheritDoc LogObserver.processed} */
  processed(record: LogRecord, consumer: NodeId): void {
    this.processedCount++;
    this.events.push({
      atMs: this.#now(),
      consumer,
      partition: record.partition,
      offset: record.offset,
    });
    const h = this.contiguous[record.partition]!;
    if (record.offset > h + 1) {
      this.gap ??= `${consumer} processed partition ${record.partition} offset ${record.offset}, ` +
        `but offset ${h + 1} was never processed`;
      return;
    }
    if (record.offset <= h) {
      this.reprocessed++;
      return;
    }
    this.contiguous[record.partition] = record.offset;
    const seen = this.keyProgress.get(record.key) ?? 0;
    if (record.value !== seen) {
      this.keyDisorder ??= `${consumer} processed record ${record.value} of key ${record.key} ` +
        `when ${seen} of its records had been processed`;
    }
    this.keyProgress.set(record.key, seen + 1);
  }
}

/** What one log-order trial builds. */
export interface LogOrderSystem {
  /** The simulation. */
  readonly simulation: Simulation<LogMessage>;
  /** The consumers' ids. */
  readonly consumers: readonly NodeId[];
  /** How far processing has got. */
  readonly tracker: LogTracker;
  /** The broker. */
  readonly broker: () => LogBroker;
  /** Records appended so far. */
  readonly appended: () => number;
  /** Records the run appends in all. */
  readonly total: number;
  /** Whether offsets are stored with the effects. */
  readonly transactional: boolean;
}

/** Builds one run: the broker, the appends, the consumer group. */
export function buildLogOrder(
  params: LogOrderParams,
  seed: number,
  options: { record?: boolean; replay?: string } = {},
): LogOrderSystem {
  const simulation = new Simulation<LogMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: networkFromParams(params),
  });
  const tracker = new LogTracker(params.partitions, () => simulation.now);
  const offsetStore = params.transactionalOffsets ? new Database() : undefined;
  simulation.addNode<"check">(LOG_BROKER, (ctx) =>
    new LogBroker(ctx, {
      partitions: params.partitions,
      sessionTimeoutMs: params.sessionTimeoutMs,
    }));
  const consumers = Array.from({ length: params.consumers }, (_, i) => `c${i + 1}`);
  simulation.addNodes<LogConsumerTimer>(consumers, (ctx) =>
    new LogConsumer(ctx, {
      broker: LOG_BROKER,
      heartbeatMs: params.heartbeatMs,
      processingMs: [params.processingMinMs, params.processingMaxMs],
      commitBeforeProcessing: params.commitBeforeProcessing,
      ...(offsetStore === undefined ? {} : { offsetStore }),
      observer: tracker,
    }));
  const keyRandom = new Random(seed).child("keys");
  const counts = new Map<string, number>();
  let appended = 0;
  for (let i = 0; i < params.records; i++) {
    const key = `k${keyRandom.int(0, params.keys)}`;
    const value = counts.get(key) ?? 0;
    counts.set(key, value + 1);
    simulation.at((i + 1) * params.appendGapMs, () => {
      simulation.node<LogBroker>(LOG_BROKER)!.append(key, value);
      appended++;
    });
  }
  return {
    simulation,
    consumers,
    tracker,
    broker: () => simulation.node<LogBroker>(LOG_BROKER)!,
    appended: () => appended,
    total: params.records,
    transactional: params.transactionalOffsets,
  };
}

/** Records appended but never processed, over all partitions. */
export function unprocessedRecords(system: LogOrderSystem): number {
  const broker = system.broker();
  return system.tracker.contiguous.reduce(
    (sum, h, p) => sum + broker.partition(p).length - (h + 1),
    0,
  );
}

/** A row of the `log-order` experiment. */
export type LogOrderRow = {
  /** Whether offsets were committed before processing (broken). */
  readonly commitBeforeProcessing: boolean;
  /** Whether offsets were stored with the effects. */
  readonly transactionalOffsets: boolean;
  /** Records appended. */
  readonly appended: number;
  /** Records never processed. */
  readonly lost: number;
  /** Records processed again after a rebalance. */
  readonly reprocessed: number;
  /** Generations of the group after the first. */
  readonly rebalances: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/** The log-order trial; see the module's description. */
export const logOrderTrial = defineTrial({
  name: "log-order",
  params: LogOrderParamsSchema,
  build: ({ params, seed, record, replay }) => buildLogOrder(params, seed, { record, replay }),
  nemesis: (system, { params }) => nemesisFromParams(params, system.consumers),
  invariants: [
    invariant(
      "each partition is processed in offset order, without gaps",
      (s: LogOrderSystem) => s.tracker.gap,
    ),
    invariant(
      "each key's records are first processed in append order",
      (s: LogOrderSystem) => s.tracker.keyDisorder,
    ),
  ],
  liveness: {
    name: "every record is processed",
    withinMs: (params) => params.catchUpWithinMs,
    holds: (s: LogOrderSystem) => s.appended() === s.total && unprocessedRecords(s) === 0,
    explain: (s: LogOrderSystem) => `${unprocessedRecords(s)} records are unprocessed`,
  },
  history: false,
  untilMs: (params) => Math.max(params.faultsUntilMs, params.records * params.appendGapMs),
  row: ({ params, system, failure }): LogOrderRow => ({
    commitBeforeProcessing: params.commitBeforeProcessing,
    transactionalOffsets: params.transactionalOffsets,
    appended: system.appended(),
    lost: unprocessedRecords(system),
    reprocessed: system.tracker.reprocessed,
    rebalances: Math.max(0, system.broker().generations.length - 1),
    failure: failure?.invariant ?? null,
  }),
});

/** The `log-order` experiment: {@link logOrderTrial}, one row per seed. */
export const logOrder = trialExperiment(logOrderTrial, {
  title: "A partitioned log under consumer crashes: order per partition, replays, rebalances",
  description: "200 records with 12 keys on 4 partitions, a consumer group of 3 that " +
    "crashes and pauses, 2% message loss. Counts records lost and replayed, and rebalances.",
  chapter: "20_messaging",
});
