/**
 * Probabilistically Bounded Staleness (Bailis, Venkataraman, Franklin, Hellerstein and
 * Stoica, "Probabilistically Bounded Staleness for Practical Partial Quorums", PVLDB 5(8),
 * 2012). Their WARS model: for each replica, one-way delays W (the write reaching it),
 * A (its acknowledgement returning), R (a read request reaching it) and S (its response
 * returning), drawn independently. A write commits when the W-th fastest W + A arrives;
 * a read sent t ms later takes the first R responders by R + S, and is stale when every
 * one of them received the read before the write.
 *
 * Here: the paper's fitted delay profiles as simulator latency distributions, a Monte
 * Carlo of the WARS model, the closed form for quorums that do not expand, the paper's
 * published numbers, and {@link runPbsTrials}, which measures the same probability on the
 * real quorum store running in the simulator.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, parseConfig, positiveMs } from "../config/mod.ts";
import {
  compileDistribution,
  type Distribution,
  type DistributionInput,
  DistributionSchema,
} from "../sim/distributions.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { QuorumClient, type QuorumMessage, QuorumReplica } from "./quorum.ts";

/** The delay profiles of the paper, plus an exponential one with chosen means. */
export const PBS_PROFILE_NAMES = ["lnkd-ssd", "lnkd-disk", "ymmr", "exponential"] as const;

/** A delay profile's name. */
export type PbsProfileName = typeof PBS_PROFILE_NAMES[number];

/** The four WARS delay distributions of one profile. */
export interface WarsDistributions {
  /** Write request, coordinator to replica. */
  readonly w: Distribution;
  /** Write acknowledgement, replica to coordinator. */
  readonly a: Distribution;
  /** Read request, coordinator to replica. */
  readonly r: Distribution;
  /** Read response, replica to coordinator. */
  readonly s: Distribution;
}

const mixture = (parts: [number, DistributionInput][]): Distribution =>
  DistributionSchema.parse({
    kind: "mixture",
    components: parts.map(([weight, distribution]) => ({ weight, distribution })),
  });
const pareto = (scaleMs: number, shape: number): DistributionInput => ({
  kind: "pareto",
  scaleMs,
  shape,
});
/** The paper gives exponentials as a rate per ms; the simulator takes the mean. */
const exponentialRate = (perMs: number): DistributionInput => ({
  kind: "exponential",
  meanMs: 1 / perMs,
});

const LNKD_SSD = mixture([[0.9122, pareto(0.235, 10)], [0.0878, exponentialRate(1.66)]]);
const LNKD_DISK_W = mixture([[0.38, pareto(1.05, 1.51)], [0.62, exponentialRate(0.183)]]);
const YMMR_W = mixture([[0.939, pareto(3, 3.35)], [0.061, exponentialRate(0.0028)]]);
const YMMR_ARS = mixture([[0.982, pareto(1.5, 3.8)], [0.018, exponentialRate(0.0217)]]);

/** Options of {@link warsProfile}: the means of the `exponential` profile. */
export interface WarsProfileOptions {
  /** Mean of W for the exponential profile, in ms. Default 1. */
  readonly writeMeanMs?: number;
  /** Mean of A, R and S for the exponential profile, in ms. Default 1. */
  readonly arsMeanMs?: number;
}

/**
 * The WARS distributions of a profile (Bailis et al., §5.2, fitted to production
 * latencies): LinkedIn's Voldemort on SSDs (`lnkd-ssd`) and on disks (`lnkd-disk`, where
 * only W differs), Yammer's Riak (`ymmr`), or `exponential` with the given means.
 */
export function warsProfile(
  profile: PbsProfileName,
  options: WarsProfileOptions = {},
): WarsDistributions {
  switch (profile) {
    case "lnkd-ssd":
      return { w: LNKD_SSD, a: LNKD_SSD, r: LNKD_SSD, s: LNKD_SSD };
    case "lnkd-disk":
      return { w: LNKD_DISK_W, a: LNKD_SSD, r: LNKD_SSD, s: LNKD_SSD };
    case "ymmr":
      return { w: YMMR_W, a: YMMR_ARS, r: YMMR_ARS, s: YMMR_ARS };
    case "exponential": {
      const w = DistributionSchema.parse({ kind: "exponential", meanMs: options.writeMeanMs ?? 1 });
      const ars = DistributionSchema.parse({ kind: "exponential", meanMs: options.arsMeanMs ?? 1 });
      return { w, a: ars, r: ars, s: ars };
    }
  }
}

/** A published number of the paper, for N = 3. */
export interface PbsPublished {
  /** The profile. */
  readonly profile: PbsProfileName;
  /** Replicas, read and write quorum sizes. */
  readonly n: number;
  /** Read quorum size. */
  readonly r: number;
  /** Write quorum size. */
  readonly w: number;
  /** P(consistent read) at t = 0 (§5.3). */
  readonly pConsistentAt0: number;
  /** t in ms at which 99.9% of reads are consistent (Table 4). */
  readonly t999Ms: number;
}

/** The paper's numbers for N = 3, R = W = 1 (and LNKD-DISK's 92.5% at t = 10 ms). */
export const PBS_PUBLISHED: readonly PbsPublished[] = [
  { profile: "lnkd-ssd", n: 3, r: 1, w: 1, pConsistentAt0: 0.974, t999Ms: 1.85 },
  { profile: "lnkd-disk", n: 3, r: 1, w: 1, pConsistentAt0: 0.439, t999Ms: 45.5 },
  { profile: "ymmr", n: 3, r: 1, w: 1, pConsistentAt0: 0.893, t999Ms: 1364 },
];

/** LNKD-DISK, N = 3, R = W = 1: P(consistent) at t = 10 ms, as published. */
export const PBS_LNKD_DISK_AT_10MS = 0.925;

/** Options of {@link warsMonteCarlo}. */
export interface WarsMonteCarloOptions {
  /** Replicas. */
  readonly n: number;
  /** Read quorum size. */
  readonly r: number;
  /** Write quorum size. */
  readonly w: number;
  /** Trials (one write, one read each). */
  readonly trials: number;
}

/** What {@link warsMonteCarlo} found: the whole t-visibility curve from one set of trials. */
export class WarsResult {
  /** Per trial, the smallest t at which its read would be consistent, sorted. */
  readonly thresholdsMs: Float64Array;
  /** Per trial, the write's latency (commit time), sorted. */
  readonly writeLatenciesMs: Float64Array;
  /** Per trial, the read's latency (R-th response), sorted. */
  readonly readLatenciesMs: Float64Array;

  /** Wraps sorted arrays. */
  constructor(thresholds: Float64Array, writes: Float64Array, reads: Float64Array) {
    this.thresholdsMs = thresholds;
    this.writeLatenciesMs = writes;
    this.readLatenciesMs = reads;
  }

  /** Trials run. */
  get trials(): number {
    return this.thresholdsMs.length;
  }

  /** The fraction of reads started `tMs` after commit that are consistent. */
  pConsistent(tMs: number): number {
    return countAtMost(this.thresholdsMs, tMs) / this.trials;
  }

  /** The smallest t (ms) at which a fraction `p` of reads are consistent. */
  tForConsistency(p: number): number {
    return sortedQuantile(this.thresholdsMs, p);
  }

  /** The q-quantile of write latency, in ms. */
  writeLatency(q: number): number {
    return sortedQuantile(this.writeLatenciesMs, q);
  }

  /** The q-quantile of read latency, in ms. */
  readLatency(q: number): number {
    return sortedQuantile(this.readLatenciesMs, q);
  }
}

/**
 * The WARS model by Monte Carlo, as the paper computes it: per trial, draw W, A, R, S for
 * each of the N replicas; the write commits at the W-th smallest W + A; the read goes to
 * all N and uses the first R by R + S; replica i has the write when the read reaches it
 * iff W_i ≤ commit + t + R_i. So the read is consistent iff t ≥ min over its R
 * responders of (W_i − R_i − commit): one threshold per trial gives every t at once.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const result = warsMonteCarlo(warsProfile("lnkd-ssd"), { n: 3, r: 1, w: 1, trials: 100_000 },
 *   new Random(1));
 * result.pConsistent(0); // ≈ 0.974
 * ```
 */
export function warsMonteCarlo(
  profile: WarsDistributions,
  options: WarsMonteCarloOptions,
  random: Random,
): WarsResult {
  const { n, r, w, trials } = options;
  if (!(w >= 1 && w <= n && r >= 1 && r <= n && Number.isInteger(trials) && trials >= 1)) {
    throw new RangeError(
      `Cannot run the WARS model: need 1 ≤ r, w ≤ n and trials ≥ 1, got n=${n} r=${r} w=${w} trials=${trials}`,
    );
  }
  const [sw, sa, sr, ss] = [profile.w, profile.a, profile.r, profile.s].map(compileDistribution);
  const write = new Float64Array(n), ack = new Float64Array(n);
  const request = new Float64Array(n), response = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const thresholds = new Float64Array(trials);
  const writes = new Float64Array(trials), reads = new Float64Array(trials);
  for (let trial = 0; trial < trials; trial++) {
    for (let i = 0; i < n; i++) {
      write[i] = sw!(random);
      ack[i] = write[i]! + sa!(random);
      request[i] = sr!(random);
      response[i] = request[i]! + ss!(random);
    }
    const commit = kthSmallest(ack, w);
    order.sort((i, j) => response[i]! - response[j]!);
    let threshold = Infinity;
    for (let k = 0; k < r; k++) {
      const i = order[k]!;
      threshold = Math.min(threshold, write[i]! - request[i]! - commit);
    }
    thresholds[trial] = threshold;
    writes[trial] = commit;
    reads[trial] = response[order[r - 1]!]!;
  }
  return new WarsResult(thresholds.sort(), writes.sort(), reads.sort());
}

/**
 * The paper's closed form for quorums that do not expand (only the W replicas that
 * acknowledged hold a write, until the next write): the probability that a read of R of
 * N replicas, chosen at random, misses each of the last k writes,
 * p = (C(N − W, R) / C(N, R))^k. Zero when R + W > N.
 *
 * @example
 * ```ts
 * pbsStaleProbability({ n: 3, r: 1, w: 1 }); // 2/3
 * ```
 */
export function pbsStaleProbability(
  options: { n: number; r: number; w: number; k?: number },
): number {
  const { n, r, w } = options;
  const k = options.k ?? 1;
  return Math.pow(binomial(n - w, r) / binomial(n, r), k);
}

/** C(n, k), 0 when k > n. */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = result * (n - k + i) / i;
  return Math.round(result);
}

function kthSmallest(values: Float64Array, k: number): number {
  return Float64Array.from(values).sort()[k - 1]!;
}

function countAtMost(sorted: Float64Array, x: number): number {
  let low = 0, high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= x) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sortedQuantile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

// ---- The same probability, measured on the quorum store in the simulator --------------

/** Zod schema of the `pbs` experiment's parameters. */
export const PbsParamsSchema = z.strictObject({
  profile: z.enum(PBS_PROFILE_NAMES).default("lnkd-ssd")
    .describe("Delay profile: lnkd-ssd, lnkd-disk, ymmr, or exponential (with the two means)"),
  writeMeanMs: positiveMs().default(1).describe("Exponential profile: mean of W, in ms"),
  arsMeanMs: positiveMs().default(1).describe("Exponential profile: mean of A, R and S, in ms"),
  n: integerAtLeast(1).default(3).describe("Replicas (N)"),
  r: integerAtLeast(1).default(1).describe("Replies a read waits for (R)"),
  w: integerAtLeast(1).default(1).describe("Acknowledgements a write waits for (W)"),
  tMs: nonNegativeMs().default(0).describe(
    "How long after the write commits the read starts, in ms",
  ),
  trials: integerAtLeast(1).default(10_000).describe("Write-then-read trials per seed"),
}).superRefine((p, ctx) => {
  for (const field of ["r", "w"] as const) {
    if (p[field] > p.n) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `must be at most n (${p.n}), got ${p[field]}`,
        input: p[field],
      });
    }
  }
});

/** Parameters of the `pbs` experiment, with defaults applied. */
export type PbsParams = z.output<typeof PbsParamsSchema>;

/** What a user may write for {@link PbsParams}. */
export type PbsParamsInput = z.input<typeof PbsParamsSchema>;

/** One row of the `pbs` experiment: one seed's trials. */
export type PbsRow = {
  /** The profile. */
  readonly profile: string;
  /** Replicas. */
  readonly n: number;
  /** Read quorum. */
  readonly r: number;
  /** Write quorum. */
  readonly w: number;
  /** Delay between commit and read, in ms. */
  readonly tMs: number;
  /** Trials run. */
  readonly trials: number;
  /** Reads that returned the write. */
  readonly consistent: number;
  /** The fraction of reads that returned the write. */
  readonly pConsistent: number;
  /** Median write latency (commit), in ms. */
  readonly writeLatencyP50Ms: number;
  /** 99.9th percentile write latency, in ms. */
  readonly writeLatencyP999Ms: number;
  /** Median read latency, in ms. */
  readonly readLatencyP50Ms: number;
  /** 99.9th percentile read latency, in ms. */
  readonly readLatencyP999Ms: number;
};

/**
 * Runs `trials` write-then-read trials on the quorum store in the simulator: a writer
 * client and a reader client coordinate over N replicas, the links writer → replica,
 * replica → writer, reader → replica and replica → reader drawing the profile's W, A, R
 * and S delays. Trial i writes key i (so trials do not interfere) at i ms; when the
 * write has W acknowledgements, the reader reads the key `tMs` later, and the read is
 * consistent if it returns the write. No formula: what the store does.
 *
 * @example
 * ```ts
 * runPbsTrials({ profile: "lnkd-disk", trials: 10_000 }, 1).pConsistent; // ≈ 0.44
 * ```
 */
export function runPbsTrials(params: PbsParamsInput, seed: number): PbsRow {
  const p = parseConfig(PbsParamsSchema, params, "params");
  const wars = warsProfile(p.profile, p);
  const replicas = Array.from({ length: p.n }, (_, i) => `s${i + 1}`);
  const link = (from: string | string[], to: string | string[], latency: Distribution) => ({
    from,
    to,
    latency,
  });
  const simulation = new Simulation<QuorumMessage>({
    seed,
    record: false,
    freezeMessages: false,
    maxTimeMs: Number.MAX_SAFE_INTEGER,
    network: {
      latency: { kind: "constant", ms: 0 },
      links: [
        link("writer", replicas, wars.w),
        link(replicas, "writer", wars.a),
        link("reader", replicas, wars.r),
        link(replicas, "reader", wars.s),
      ],
    },
  });
  const common = {
    ring: replicas,
    n: p.n,
    versioning: "timestamp" as const,
    writes: "clock" as const,
    writeBack: false,
    readRepair: false,
    sloppy: false,
    keepCompletions: false,
  };
  simulation.addNodes(
    replicas,
    (ctx) =>
      new QuorumReplica(ctx, {
        ring: replicas,
        n: p.n,
        versioning: "timestamp",
        handoffIntervalMs: 1e12,
        durable: false,
      }),
  );
  simulation.addNode("writer", (ctx) => new QuorumClient(ctx, { ...common, w: p.w, r: p.r }));
  simulation.addNode("reader", (ctx) => new QuorumClient(ctx, { ...common, w: p.w, r: p.r }));
  const writer = () => simulation.node<QuorumClient>("writer")!;
  const reader = () => simulation.node<QuorumClient>("reader")!;
  let consistent = 0;
  const writeLatencies = new Float64Array(p.trials), readLatencies = new Float64Array(p.trials);
  let done = 0;
  // Trial i starts at i ms; each start schedules the next, so the agenda stays short.
  const startTrial = (i: number) => {
    if (i + 1 < p.trials) simulation.at(i + 1, () => startTrial(i + 1));
    const key = `k${i}`;
    writer().write(key, i + 1, (write) => {
      writeLatencies[i] = write.completedMs - write.invokedMs;
      simulation.at(simulation.now + p.tMs, () =>
        reader().read(key, (read) => {
          readLatencies[i] = read.completedMs - read.invokedMs;
          if (read.siblings.some((s) => s.value === i + 1)) consistent++;
          done++;
        }));
    });
  };
  simulation.at(0, () => startTrial(0));
  simulation.runUntilTrue(() => done === p.trials, {
    description: "every trial's read completes",
  });
  writeLatencies.sort();
  readLatencies.sort();
  return {
    profile: p.profile,
    n: p.n,
    r: p.r,
    w: p.w,
    tMs: p.tMs,
    trials: p.trials,
    consistent,
    pConsistent: consistent / p.trials,
    writeLatencyP50Ms: sortedQuantile(writeLatencies, 0.5),
    writeLatencyP999Ms: sortedQuantile(writeLatencies, 0.999),
    readLatencyP50Ms: sortedQuantile(readLatencies, 0.5),
    readLatencyP999Ms: sortedQuantile(readLatencies, 0.999),
  };
}

/** The seed's WARS stream, for tests and chapters that compare against the store. */
export function warsRandom(seed: number): Random {
  return new Random(seed).child("wars");
}
