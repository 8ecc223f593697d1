/**
 * The cache stampede as a trial: clients read one hot key through app servers doing
 * cache-aside over a shared cache and a database that serves one operation at a time.
 * Every `ttlMs` the key expires; the `coalescing` parameter chooses what the apps do about
 * it. The invariant, when the apps coalesce: the database never has more reads of the key
 * queued than there are app servers (single-flight allows one per app; early refresh
 * starts one only when none is in flight).
 *
 * The `cache-stampede` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs } from "../config/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";
import { quantile } from "../viz/stats.ts";
import {
  CacheAsideApp,
  CacheClient,
  type CacheMessage,
  CacheNode,
  type Coalescing,
  OriginDatabase,
  staleReads,
} from "./cache.ts";

/** Zod schema of the `cache-stampede` parameters. */
export const CacheStampedeParamsSchema = z.strictObject({
  coalescing: z.enum(["none", "single-flight", "early-refresh"]).default("none")
    .describe("What the apps do about a hot key's expiry"),
  apps: integerAtLeast(1).default(4).describe("App servers"),
  readers: integerAtLeast(1).default(4).describe("Clients reading the hot key"),
  meanReadGapMs: positiveMs().default(2).describe("Mean time between a reader's reads, in ms"),
  ttlMs: positiveMs().default(300).describe("TTL of the cached value, in ms"),
  dbServiceMs: positiveMs().default(4)
    .describe("Time the database spends on each operation, one at a time, in ms"),
  writeEveryMs: nonNegativeMs().default(0)
    .describe("Time between writes of the hot key by a writer, in ms (0: no writes)"),
  invalidateOnWrite: z.boolean().default(true).describe("Whether a write deletes the cached key"),
  maxLatencyMs: positiveMs().default(3)
    .describe("One-way latency is uniform between 0.5 ms and this, in ms"),
  runMs: positiveMs().default(2_000).describe("How long the run lasts, in ms"),
}).refine((p) => p.maxLatencyMs >= 0.5, {
  error: "must be at least 0.5 ms (latency is uniform from 0.5 ms)",
  path: ["maxLatencyMs"],
});

/** The `cache-stampede` parameters, with defaults applied. */
export type CacheStampedeParams = z.output<typeof CacheStampedeParamsSchema>;

/** The hot key. */
export const HOT_KEY = "hot";

/** What one cache-stampede trial builds. */
export interface CacheStampedeSystem {
  /** The simulation. */
  readonly simulation: Simulation<CacheMessage>;
  /** The app servers' ids. */
  readonly apps: readonly NodeId[];
  /** What the apps do about an expiry. */
  readonly coalescing: Coalescing;
  /** The database. */
  readonly database: () => OriginDatabase | undefined;
  /** The cache. */
  readonly cache: () => CacheNode | undefined;
  /** The app servers. */
  readonly appNodes: () => CacheAsideApp[];
  /** The clients (the writer last, when there is one). */
  readonly clients: () => CacheClient[];
  /** Database reads queued, sampled every ms: [true time, reads queued]. */
  readonly originQueue: [number, number][];
}

/** Builds the system for one seed. */
export function buildCacheStampede(
  params: CacheStampedeParams,
  seed: number,
  options: { record?: boolean; replay?: string } = {},
): CacheStampedeSystem {
  const apps = Array.from({ length: params.apps }, (_, i) => `app${i + 1}`);
  const readers = Array.from({ length: params.readers }, (_, i) => `r${i + 1}`);
  const clients = params.writeEveryMs > 0 ? [...readers, "writer"] : readers;
  const simulation = new Simulation<CacheMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: { latency: { kind: "uniform", minMs: 0.5, maxMs: params.maxLatencyMs } },
  });
  simulation.addNode("db", (ctx) => new OriginDatabase(ctx, { serviceMs: params.dbServiceMs }));
  simulation.addNode("cache", (ctx) => new CacheNode(ctx));
  simulation.addNodes(apps, (ctx) =>
    new CacheAsideApp(ctx, {
      cache: "cache",
      database: "db",
      ttlMs: params.ttlMs,
      coalescing: params.coalescing,
      invalidateOnWrite: params.invalidateOnWrite,
    }));
  const now = () => simulation.now;
  simulation.addNodes<"read" | "write">(clients, (ctx) =>
    new CacheClient(ctx, {
      apps,
      key: HOT_KEY,
      meanReadGapMs: ctx.id === "writer" ? 0 : params.meanReadGapMs,
      writeEveryMs: ctx.id === "writer" ? params.writeEveryMs : 0,
      now,
    }));
  const database = () => simulation.node<OriginDatabase>("db");
  const originQueue: [number, number][] = [];
  const sample = (sim: Simulation<CacheMessage>) => {
    originQueue.push([sim.now, database()?.readsQueued ?? 0]);
    if (sim.now + 1 <= params.runMs) sim.at(sim.now + 1, sample);
  };
  simulation.at(0, sample);
  return {
    simulation,
    apps,
    coalescing: params.coalescing,
    database,
    cache: () => simulation.node<CacheNode>("cache"),
    appNodes: () =>
      apps.map((id) => simulation.node<CacheAsideApp>(id)).filter((a) => a !== undefined),
    clients: () =>
      clients.map((id) => simulation.node<CacheClient>(id)).filter((c) => c !== undefined),
    originQueue,
  };
}

/** The rows of the `cache-stampede` experiment. */
export type CacheStampedeRow = {
  /** The apps' coalescing. */
  readonly coalescing: string;
  /** The TTL, in ms. */
  readonly ttlMs: number;
  /** Reads completed. */
  readonly reads: number;
  /** Fraction of reads the cache answered. */
  readonly hitRatio: number;
  /** Reads the database served. */
  readonly originReads: number;
  /** Times the hot key expired in the cache. */
  readonly expirations: number;
  /** The most database reads queued at once. */
  readonly peakOriginQueue: number;
  /** Median read latency, in ms. */
  readonly p50ReadMs: number;
  /** 99th-percentile read latency, in ms. */
  readonly p99ReadMs: number;
  /** Slowest read, in ms. */
  readonly maxReadMs: number;
  /** Writes acknowledged. */
  readonly writes: number;
  /** Reads that returned a version older than one acknowledged before they were sent. */
  readonly staleReads: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/**
 * The cache-stampede trial; its invariant, when the apps coalesce: at most one database
 * read of the key queued per app server.
 */
export const cacheStampedeTrial = defineCacheTrial(true);

/** The `cache-stampede` experiment: one row per seed, no invariant watching. */
export const cacheStampede = trialExperiment(defineCacheTrial(false), {
  title: "Database load when a hot cached key expires, with and without coalescing",
  description: "Readers hammer one key through cache-aside app servers; it expires every " +
    "ttlMs. One row per seed: database reads, the peak queue there, read latency.",
  chapter: "21_architecture",
});

function defineCacheTrial(checked: boolean) {
  return defineTrial({
    name: "cache-stampede",
    params: CacheStampedeParamsSchema,
    build: ({ params, seed, record, replay }) =>
      buildCacheStampede(params, seed, { record, replay }),
    invariants: !checked ? [] : [
      invariant("coalesced reads: at most one per app at the database", (
        system: CacheStampedeSystem,
      ) => {
        const queued = system.database()?.readsQueued ?? 0;
        if (system.coalescing === "none" || queued <= system.apps.length) return undefined;
        return `the database has ${queued} reads queued, more than the ` +
          `${system.apps.length} app servers coalescing with ${system.coalescing} should send`;
      }),
    ],
    untilMs: (params) => params.runMs,
    history: false,
    row: ({ system, params, failure }): CacheStampedeRow => {
      const clients = system.clients();
      const reads = clients.flatMap((c) => c.reads);
      const writes = clients.flatMap((c) => c.writesAcknowledged);
      const latencies = reads.map((r) => r.returnedAtMs - r.invokedAtMs);
      const round = (x: number) => Math.round(x * 100) / 100;
      return {
        coalescing: params.coalescing,
        ttlMs: params.ttlMs,
        reads: reads.length,
        hitRatio: round(reads.filter((r) => r.hit).length / Math.max(1, reads.length)),
        originReads: system.database()?.reads ?? 0,
        expirations: system.cache()?.expirations ?? 0,
        peakOriginQueue: system.originQueue.reduce((m, [, q]) => Math.max(m, q), 0),
        p50ReadMs: round(latencies.length === 0 ? 0 : quantile(latencies, 0.5)),
        p99ReadMs: round(latencies.length === 0 ? 0 : quantile(latencies, 0.99)),
        maxReadMs: round(latencies.reduce((m, x) => Math.max(m, x), 0)),
        writes: writes.length,
        staleReads: staleReads(reads, writes),
        failure: failure?.invariant ?? null,
      };
    },
  });
}
