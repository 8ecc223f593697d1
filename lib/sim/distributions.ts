/**
 * Latency (and other delay) distributions as plain, validated data, compiled into fast
 * samplers. Every delay in a simulation (network latency, service time, think time)
 * is one of these.
 *
 * @module
 */
import { z } from "zod";
import { nonNegativeMs, nonNegativeNumber, positiveMs, positiveNumber } from "../config/mod.ts";
import type { Random } from "./random.ts";

const BASE_KINDS = [
  z.strictObject({
    kind: z.literal("constant"),
    /** The delay, always. */
    ms: nonNegativeMs(),
  }),
  z.strictObject({
    kind: z.literal("uniform"),
    minMs: nonNegativeMs(),
    maxMs: nonNegativeMs(),
  }).superRefine((d, ctx) => {
    if (d.maxMs < d.minMs) {
      ctx.addIssue({
        code: "custom",
        message: `must be at least minMs (${d.minMs})`,
        path: ["maxMs"],
        input: d.maxMs,
      });
    }
  }),
  z.strictObject({
    kind: z.literal("exponential"),
    meanMs: positiveMs(),
    /** A fixed delay added to every sample (propagation time). Default 0. */
    shiftMs: nonNegativeMs().default(0),
  }),
  z.strictObject({
    kind: z.literal("normal"),
    meanMs: nonNegativeMs(),
    stdDevMs: nonNegativeMs(),
  }),
  z.strictObject({
    kind: z.literal("lognormal"),
    /** The median delay: half the samples are below it. */
    medianMs: positiveMs(),
    /** Standard deviation of the delay's logarithm: 0.1 is tight, 1 is a long tail. */
    sigma: nonNegativeNumber(),
    shiftMs: nonNegativeMs().default(0),
  }),
  z.strictObject({
    kind: z.literal("pareto"),
    /** The smallest possible delay. */
    scaleMs: positiveMs(),
    /** Tail index α: smaller is heavier; the mean is infinite for α ≤ 1. */
    shape: positiveNumber(),
  }),
  z.strictObject({
    kind: z.literal("empirical"),
    /** Observed delays; each sample is one of them, equally likely. */
    samplesMs: z.array(nonNegativeMs()).min(1, { error: "must hold at least one sample" }),
  }),
] as const;

/** Zod schema of a {@link BaseDistribution}: every kind but `mixture`. */
export const BaseDistributionSchema = z.discriminatedUnion("kind", BASE_KINDS);

/** How far the weights of a mixture may sum from 1 (rounded published weights). */
export const MIXTURE_WEIGHT_TOLERANCE = 1e-6;

/** Zod schema of a mixture: components of other kinds, each drawn with its weight. */
const MixtureSchema = z.strictObject({
  kind: z.literal("mixture"),
  /** The components and their weights (positive, summing to 1). */
  components: z.array(z.strictObject({
    /** Probability that a sample comes from this component. */
    weight: positiveNumber(),
    /** The component's own distribution (any kind but `mixture`). */
    distribution: BaseDistributionSchema,
  })).min(1, { error: "must hold at least one component" }),
}).superRefine((d, ctx) => {
  const total = d.components.reduce((sum, c) => sum + c.weight, 0);
  if (d.components.length > 0 && Math.abs(total - 1) > MIXTURE_WEIGHT_TOLERANCE) {
    ctx.addIssue({
      code: "custom",
      message: `weights must sum to 1, got ${Number(total.toPrecision(12))}`,
      path: ["components"],
      input: d.components,
    });
  }
});

/** Zod schema of a {@link Distribution}. */
export const DistributionSchema = z.discriminatedUnion("kind", [...BASE_KINDS, MixtureSchema]);

/**
 * A delay distribution, in milliseconds:
 * - `constant`: always `ms`;
 * - `uniform`: anywhere in [minMs, maxMs];
 * - `exponential`: memoryless, mean `meanMs` (plus `shiftMs`);
 * - `normal`: bell curve, clamped at 0;
 * - `lognormal`: median `medianMs`, spread `sigma` (plus `shiftMs`): typical of real RPCs;
 * - `pareto`: at least `scaleMs` with a power-law tail of index `shape`;
 * - `empirical`: resampled from measured `samplesMs`;
 * - `mixture`: each sample drawn from one of `components` (any kind above), chosen with
 *   probability `weight`: a fast path and a slow one (a cache hit or a disk seek).
 */
export type Distribution = z.output<typeof DistributionSchema>;

/** A distribution of any kind but `mixture` (a mixture's component). */
export type BaseDistribution = z.output<typeof BaseDistributionSchema>;

/** What a user may write for a {@link Distribution} (fields with defaults are optional). */
export type DistributionInput = z.input<typeof DistributionSchema>;

/** A compiled distribution: draws one delay from `random`. */
export type Sampler = (random: Random) => number;

/**
 * Compiles a distribution into a sampler. The config must already be valid (see
 * {@link DistributionSchema}); each call draws from the stream it is given.
 *
 * @example
 * ```ts
 * import { Random } from "./random.ts";
 *
 * const sample = compileDistribution({ kind: "uniform", minMs: 1, maxMs: 10 });
 * const delay = sample(new Random(7)); // somewhere in [1, 10)
 * ```
 */
export function compileDistribution(distribution: Distribution): Sampler {
  switch (distribution.kind) {
    case "constant": {
      const ms = distribution.ms;
      return () => ms;
    }
    case "uniform": {
      const { minMs, maxMs } = distribution;
      const width = maxMs - minMs;
      return (random) => minMs + width * random.next();
    }
    case "exponential": {
      const { meanMs, shiftMs } = distribution;
      return (random) => shiftMs - meanMs * Math.log(1 - random.next());
    }
    case "normal": {
      const { meanMs, stdDevMs } = distribution;
      return (random) => Math.max(0, random.normal(meanMs, stdDevMs));
    }
    case "lognormal": {
      const mu = Math.log(distribution.medianMs);
      const { sigma, shiftMs } = distribution;
      return (random) => shiftMs + Math.exp(random.normal(mu, sigma));
    }
    case "pareto": {
      const { scaleMs, shape } = distribution;
      const exponent = -1 / shape;
      return (random) => scaleMs * Math.pow(1 - random.next(), exponent);
    }
    case "empirical": {
      const samples = Float64Array.from(distribution.samplesMs);
      return (random) => samples[Math.floor(samples.length * random.next())] as number;
    }
    case "mixture": {
      const samplers = distribution.components.map((c) => compileDistribution(c.distribution));
      const cumulative = cumulativeWeights(distribution.components);
      const last = samplers.length - 1;
      return (random) => {
        const u = random.next();
        let i = 0;
        while (i < last && u >= (cumulative[i] as number)) i++;
        return (samplers[i] as Sampler)(random);
      };
    }
  }
}

/** Running sums of a mixture's weights, scaled so the last is exactly 1. */
function cumulativeWeights(components: readonly { readonly weight: number }[]): Float64Array {
  const total = components.reduce((sum, c) => sum + c.weight, 0);
  const cumulative = new Float64Array(components.length);
  let sum = 0;
  components.forEach((c, i) => cumulative[i] = (sum += c.weight) / total);
  cumulative[components.length - 1] = 1;
  return cumulative;
}

/** The exact mean of a distribution (Infinity for a Pareto tail with shape ≤ 1). */
export function distributionMean(distribution: Distribution): number {
  switch (distribution.kind) {
    case "constant":
      return distribution.ms;
    case "uniform":
      return (distribution.minMs + distribution.maxMs) / 2;
    case "exponential":
      return distribution.shiftMs + distribution.meanMs;
    case "normal": {
      // The sample is max(0, X): E = μΦ(μ/σ) + σφ(μ/σ).
      const { meanMs: mu, stdDevMs: sigma } = distribution;
      if (sigma === 0) return mu;
      const z = mu / sigma;
      return mu * normalCdf(z) + sigma * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }
    case "lognormal":
      return distribution.shiftMs +
        distribution.medianMs * Math.exp(distribution.sigma ** 2 / 2);
    case "pareto":
      return distribution.shape <= 1
        ? Infinity
        : distribution.shape * distribution.scaleMs / (distribution.shape - 1);
    case "empirical":
      return distribution.samplesMs.reduce((sum, x) => sum + x, 0) /
        distribution.samplesMs.length;
    case "mixture":
      return distribution.components.reduce(
        (sum, c) => sum + c.weight * distributionMean(c.distribution),
        0,
      );
  }
}

/**
 * The exact cumulative probability P(X ≤ x) of a distribution.
 *
 * @example
 * ```ts
 * distributionCdf({ kind: "exponential", meanMs: 10, shiftMs: 0 }, 10); // 0.632...
 * ```
 */
export function distributionCdf(distribution: Distribution, x: number): number {
  switch (distribution.kind) {
    case "constant":
      return x >= distribution.ms ? 1 : 0;
    case "uniform": {
      const { minMs, maxMs } = distribution;
      if (x >= maxMs) return 1;
      if (x < minMs) return 0;
      return (x - minMs) / (maxMs - minMs);
    }
    case "exponential":
      return x <= distribution.shiftMs
        ? 0
        : 1 - Math.exp(-(x - distribution.shiftMs) / distribution.meanMs);
    case "normal":
      if (x < 0) return 0;
      return distribution.stdDevMs === 0
        ? (x >= distribution.meanMs ? 1 : 0)
        : normalCdf((x - distribution.meanMs) / distribution.stdDevMs);
    case "lognormal": {
      const y = x - distribution.shiftMs;
      if (y <= 0) return 0;
      return distribution.sigma === 0
        ? (y >= distribution.medianMs ? 1 : 0)
        : normalCdf(Math.log(y / distribution.medianMs) / distribution.sigma);
    }
    case "pareto":
      return x <= distribution.scaleMs
        ? 0
        : 1 - Math.pow(distribution.scaleMs / x, distribution.shape);
    case "empirical":
      return distribution.samplesMs.filter((s) => s <= x).length /
        distribution.samplesMs.length;
    case "mixture":
      return distribution.components.reduce(
        (sum, c) => sum + c.weight * distributionCdf(c.distribution, x),
        0,
      );
  }
}

/**
 * The exact q-quantile of a distribution (the delay below which a fraction q of samples
 * fall), for q in [0, 1]. For `empirical`, the nearest-rank quantile of the samples.
 *
 * @example
 * ```ts
 * distributionQuantile({ kind: "exponential", meanMs: 10, shiftMs: 0 }, 0.5); // 6.93...
 * ```
 */
export function distributionQuantile(distribution: Distribution, q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Cannot take a quantile: q must be between 0 and 1, got ${q}`);
  }
  switch (distribution.kind) {
    case "constant":
      return distribution.ms;
    case "uniform":
      return distribution.minMs + q * (distribution.maxMs - distribution.minMs);
    case "exponential":
      return distribution.shiftMs - distribution.meanMs * Math.log(1 - q);
    case "normal":
      return Math.max(0, distribution.meanMs + distribution.stdDevMs * normalQuantile(q));
    case "lognormal":
      return distribution.shiftMs +
        distribution.medianMs * Math.exp(distribution.sigma * normalQuantile(q));
    case "pareto":
      return distribution.scaleMs * Math.pow(1 - q, -1 / distribution.shape);
    case "empirical": {
      const sorted = distribution.samplesMs.slice().sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil(q * sorted.length));
      return sorted[rank - 1] as number;
    }
    case "mixture":
      return mixtureQuantile(distribution, q);
  }
}

/** Inverts a mixture's CDF by bisection: the smallest x with P(X ≤ x) ≥ q, to 1e-9 relative. */
function mixtureQuantile(distribution: Distribution & { kind: "mixture" }, q: number): number {
  const parts = distribution.components.map((c) => c.distribution);
  // The mixture's q-quantile lies between its components' q-quantiles.
  let low = Math.min(...parts.map((d) => distributionQuantile(d, q)));
  let high = Math.max(...parts.map((d) => distributionQuantile(d, q)));
  if (!Number.isFinite(high)) return high;
  for (let i = 0; i < 200 && high - low > 1e-9 * Math.max(1, high); i++) {
    const middle = (low + high) / 2;
    if (distributionCdf(distribution, middle) >= q) high = middle;
    else low = middle;
  }
  return high;
}

/** The standard normal cumulative distribution function Φ(z). */
export function normalCdf(z: number): number {
  // Abramowitz & Stegun 7.1.26 on erf; absolute error below 1.5e-7.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 +
    t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The standard normal quantile Φ⁻¹(q) (Acklam's rational approximation, ~1e-9). */
export function normalQuantile(q: number): number {
  if (q <= 0) return -Infinity;
  if (q >= 1) return Infinity;
  const a = [
    -39.69683028665376,
    220.9460984245205,
    -275.9285104469687,
    138.357751867269,
    -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406,
    161.5858368580409,
    -155.6989798598866,
    66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293,
    -0.3223964580411365,
    -2.400758277161838,
    -2.549732539343734,
    4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const horner = (coefficients: number[], x: number) =>
    coefficients.reduce((sum, coefficient) => sum * x + coefficient, 0);
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return horner(c, r) / (horner(d, r) * r + 1);
  }
  if (q > 1 - low) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -horner(c, r) / (horner(d, r) * r + 1);
  }
  const r = q - 0.5;
  const s = r * r;
  return horner(a, s) * r / (horner(b, s) * s + 1);
}

/** A short human description of a distribution ("lognormal(median 5 ms, σ 0.5)"). */
export function describeDistribution(distribution: Distribution): string {
  const shift = (ms: number) => (ms > 0 ? ` + ${ms} ms` : "");
  switch (distribution.kind) {
    case "constant":
      return `constant ${distribution.ms} ms`;
    case "uniform":
      return `uniform ${distribution.minMs}–${distribution.maxMs} ms`;
    case "exponential":
      return `exponential(mean ${distribution.meanMs} ms)${shift(distribution.shiftMs)}`;
    case "normal":
      return `normal(mean ${distribution.meanMs} ms, sd ${distribution.stdDevMs} ms)`;
    case "lognormal":
      return `lognormal(median ${distribution.medianMs} ms, σ ${distribution.sigma})${
        shift(distribution.shiftMs)
      }`;
    case "pareto":
      return `pareto(scale ${distribution.scaleMs} ms, α ${distribution.shape})`;
    case "empirical":
      return `empirical(${distribution.samplesMs.length} samples)`;
    case "mixture":
      return distribution.components.map((c) =>
        `${Number((100 * c.weight).toPrecision(4))}% ${describeDistribution(c.distribution)}`
      ).join(" + ");
  }
}
