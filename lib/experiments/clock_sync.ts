/**
 * The `clock-sync` experiment (chapter 02): clients with drifting clocks synchronise
 * with a time server every `syncPeriodMs`, by Cristian's algorithm or NTP's estimate.
 * One row per completed exchange: its round-trip time, the error bound it implies, and
 * the error that remains right after the correction, measured against the server's clock
 * by an observer who knows true time.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  positiveMs,
  probability,
} from "../config/mod.ts";
import {
  type SyncAlgorithm,
  SyncClient,
  type SyncExchange,
  type SyncMessage,
  TimeServer,
} from "../clocks/clock_sync.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/** Zod schema of the parameters of {@link clockSync}. */
export const ClockSyncParamsSchema = z.strictObject({
  algorithm: z.enum(["cristian", "ntp"]).default("ntp")
    .describe("How clients estimate their offset: cristian or ntp"),
  clients: integerAtLeast(1).max(100, { error: "must be at most 100" }).default(3)
    .describe("Clients, each with its own drift and offset"),
  syncPeriodMs: positiveMs().default(1000).describe(
    "Time between two exchanges of a client, in ms",
  ),
  durationMs: positiveMs().default(30_000).describe("Length of the run, in ms"),
  maxDriftPpm: nonNegativeNumber().max(10_000, { error: "must be at most 10000" }).default(100)
    .describe("Client drifts are spread evenly from -maxDriftPpm to +maxDriftPpm"),
  maxOffsetMs: nonNegativeMs().default(50)
    .describe("Client clocks start offset evenly from -maxOffsetMs to +maxOffsetMs"),
  latency: DistributionSchema.default({ kind: "lognormal", medianMs: 5, sigma: 0.8, shiftMs: 0 })
    .describe("One-way delay of every message (a distribution, as JSON)"),
  lossProbability: probability().default(0).describe("Probability that a message is lost"),
  serverProcessingMs: nonNegativeMs().default(0)
    .describe("Time the server takes between a request's arrival and its reply, in ms"),
});

/** The validated parameters of {@link clockSync}. */
export type ClockSyncParams = z.output<typeof ClockSyncParamsSchema>;

/** One completed exchange of `clock-sync`. */
export type ClockSyncRow = {
  /** The client. */
  readonly client: NodeId;
  /** Its clock's drift, in ppm. */
  readonly driftPpm: number;
  /** The estimate used. */
  readonly algorithm: SyncAlgorithm;
  /** True time at which the reply arrived and the correction was made, in ms. */
  readonly atMs: number;
  /** Round trip on the client's clock, in ms. */
  readonly rttMs: number;
  /** The network's share of it (the RTT for Cristian, minus server processing for NTP), in ms. */
  readonly delayMs: number;
  /** The offset the client estimated and added, in ms. */
  readonly estimatedOffsetMs: number;
  /** Corrected client clock minus server clock right after the correction, in ms. */
  readonly residualErrorMs: number;
  /** The algorithm's bound on that error: half the delay, in ms. */
  readonly errorBoundMs: number;
  /**
   * Whether |residualErrorMs| ≤ errorBoundMs, allowing for what the clocks drift apart
   * during the exchange (the drift in ppm times the RTT).
   */
  readonly withinBound: boolean;
};

/** The error of one client's clock at one instant of a run. */
export interface ClockErrorSample {
  /** The client. */
  readonly client: NodeId;
  /** Its drift, in ppm. */
  readonly driftPpm: number;
  /** True time, in ms. */
  readonly tMs: number;
  /** The client's (corrected) clock minus the server's, in ms. */
  readonly errorMs: number;
}

/** Options of {@link simulateClockSync}. */
export interface SimulateClockSyncOptions {
  /** Run the exchanges (false: clocks drift freely). Default true. */
  readonly sync?: boolean;
  /** Sample every client's error every this many ms (0: no samples). Default 0. */
  readonly sampleEveryMs?: number;
  /** Keep the trace. Default false. */
  readonly record?: boolean;
}

/** A finished `clock-sync` run. */
export interface ClockSyncRun {
  /** The finished simulation. */
  readonly simulation: Simulation<SyncMessage>;
  /** Each client's clock settings. */
  readonly clients: readonly {
    readonly id: NodeId;
    readonly driftPpm: number;
    readonly offsetMs: number;
  }[];
  /** One row per completed exchange, in the order they completed. */
  readonly exchanges: readonly ClockSyncRow[];
  /** The clients' errors over time (empty unless `sampleEveryMs` was set). */
  readonly samples: readonly ClockErrorSample[];
}

const DEFAULTS = ClockSyncParamsSchema.parse({});

/** `count` values spread evenly from -max to +max (one value: +max). */
function spread(count: number, max: number): number[] {
  if (count === 1) return [max];
  return Array.from({ length: count }, (_, i) => -max + 2 * max * i / (count - 1));
}

/**
 * Runs one `clock-sync` trial: a `server` with a perfect clock and clients n1, n2, ...
 * whose drifts and offsets are spread evenly over ±maxDriftPpm and ±maxOffsetMs. With
 * `sync: false` the clients never ask and their clocks drift freely; with
 * `sampleEveryMs` an observer records every client's error at regular true times.
 *
 * @example
 * ```ts
 * const run = simulateClockSync(clockSync.parseParams({ syncPeriodMs: 5000 }), 1, { sampleEveryMs: 100 });
 * run.samples.filter((s) => s.client === "n1");
 * ```
 */
export function simulateClockSync(
  params: ClockSyncParams,
  seed: number,
  options: SimulateClockSyncOptions = {},
): ClockSyncRun {
  const sync = options.sync ?? true;
  const sampleEveryMs = options.sampleEveryMs ?? 0;
  if (!(sampleEveryMs >= 0) || !Number.isFinite(sampleEveryMs)) {
    throw new RangeError(
      `Cannot sample clock errors: sampleEveryMs must be a finite number at least 0, got ${sampleEveryMs}`,
    );
  }
  const drifts = spread(params.clients, params.maxDriftPpm);
  const offsets = spread(params.clients, params.maxOffsetMs);
  const clients = drifts.map((driftPpm, i) => ({
    id: `n${i + 1}`,
    driftPpm,
    offsetMs: offsets[i] as number,
  }));
  const simulation = new Simulation<SyncMessage>({
    seed,
    record: options.record ?? false,
    network: { latency: params.latency, lossProbability: params.lossProbability },
    clocks: Object.fromEntries(
      clients.map(({ id, driftPpm, offsetMs }) => [id, { driftPpm, offsetMs }]),
    ),
    replay: replayCommand("clock-sync", seed, { params, defaults: DEFAULTS }),
  });
  const driftOf = new Map(clients.map(({ id, driftPpm }) => [id, driftPpm]));
  const exchanges: ClockSyncRow[] = [];
  const observe = (exchange: SyncExchange) => {
    const client = simulation.node<SyncClient>(exchange.client) as SyncClient;
    const residualErrorMs = client.now() - simulation.localTime("server");
    const driftPpm = driftOf.get(exchange.client) as number;
    // The bound assumes the clocks keep step during the exchange; they drift apart by
    // |drift| per unit of time, over at most one round trip.
    const slackMs = Math.abs(driftPpm) * 1e-6 * exchange.rttMs + 1e-9;
    exchanges.push({
      client: exchange.client,
      driftPpm,
      algorithm: exchange.algorithm,
      atMs: simulation.now,
      rttMs: exchange.rttMs,
      delayMs: exchange.delayMs,
      estimatedOffsetMs: exchange.offsetMs,
      residualErrorMs,
      errorBoundMs: exchange.errorBoundMs,
      withinBound: Math.abs(residualErrorMs) <= exchange.errorBoundMs + slackMs,
    });
  };
  simulation.addNode(
    "server",
    (ctx) => new TimeServer(ctx, { processingMs: params.serverProcessingMs }),
  );
  for (const { id } of clients) {
    if (sync) {
      simulation.addNode(id, (ctx) =>
        new SyncClient(ctx, {
          server: "server",
          algorithm: params.algorithm,
          periodMs: params.syncPeriodMs,
          observer: observe,
        }));
    } else {
      simulation.addNode(id, () => ({ onMessage: () => {} }));
    }
  }
  const samples: ClockErrorSample[] = [];
  if (sampleEveryMs > 0) {
    for (let tMs = 0; tMs <= params.durationMs; tMs += sampleEveryMs) {
      simulation.at(tMs, (sim) => {
        const server = sim.localTime("server");
        for (const { id, driftPpm } of clients) {
          const local = sim.localTime(id);
          const corrected = sync
            ? (sim.node<SyncClient>(id)?.correctedTime(local) ?? local)
            : local;
          samples.push({ client: id, driftPpm, tMs, errorMs: corrected - server });
        }
      });
    }
  }
  simulation.runUntil(params.durationMs);
  return { simulation, clients, exchanges, samples };
}

/**
 * `clock-sync`: clients with drifting clocks synchronise with a time server every
 * `syncPeriodMs` (chapter 02). One row per completed exchange with its round-trip time
 * and the residual error after the correction, which stays within half the delay.
 *
 * @example
 * ```ts
 * const rows = clockSync.run({ algorithm: "cristian" }, 1);
 * rows.every((row) => row.withinBound); // true
 * ```
 */
export const clockSync: Experiment<typeof ClockSyncParamsSchema, ClockSyncRow> = defineExperiment({
  name: "clock-sync",
  title: "Residual clock error after Cristian or NTP synchronisation",
  description: "Clients whose clocks drift (spread over ±maxDriftPpm) and start offset " +
    "(±maxOffsetMs) ask a time server for its time every syncPeriodMs and correct their " +
    "clocks by Cristian's algorithm or NTP's four-timestamp estimate. One row per " +
    "completed exchange: the round-trip time, the delay, the estimated offset, the " +
    "residual error of the corrected clock against the server's, and whether it stayed " +
    "within the bound of half the delay.",
  chapter: "02_time_and_order",
  params: ClockSyncParamsSchema,
  trial: (params, seed) => [...simulateClockSync(params, seed).exchanges],
});
