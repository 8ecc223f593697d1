import assert from "node:assert/strict";
import {
  compileDistribution,
  describeDistribution,
  type Distribution,
  type DistributionInput,
  distributionMean,
  distributionQuantile,
  DistributionSchema,
  normalCdf,
  normalQuantile,
  Random,
} from "../../lib/sim/mod.ts";
import { distributionCdf } from "../../lib/sim/distributions.ts";

const SAMPLES = 100_000;
/** Standard errors allowed: a fair sampler exceeds 5 σ about once in 1.7 million checks. */
const Z = 5;
const QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

interface Case {
  readonly input: DistributionInput;
  /** The exact variance, when finite (for the mean's standard error). */
  readonly variance?: number;
}

const CASES: readonly Case[] = [
  { input: { kind: "constant", ms: 7 }, variance: 0 },
  { input: { kind: "uniform", minMs: 2, maxMs: 12 }, variance: 100 / 12 },
  { input: { kind: "exponential", meanMs: 4 }, variance: 16 },
  { input: { kind: "exponential", meanMs: 4, shiftMs: 10 }, variance: 16 },
  { input: { kind: "normal", meanMs: 50, stdDevMs: 5 }, variance: 25 },
  // Mostly clamped at zero: checks the mean formula of max(0, X) and the atom at 0.
  { input: { kind: "normal", meanMs: 2, stdDevMs: 3 } },
  {
    input: { kind: "lognormal", medianMs: 5, sigma: 0.5 },
    variance: (Math.exp(0.25) - 1) * Math.exp(2 * Math.log(5) + 0.25),
  },
  {
    input: { kind: "lognormal", medianMs: 5, sigma: 0.3, shiftMs: 1 },
    variance: (Math.exp(0.09) - 1) * Math.exp(2 * Math.log(5) + 0.09),
  },
  { input: { kind: "pareto", scaleMs: 2, shape: 3 }, variance: (4 * 3) / (4 * 1) },
  // Infinite variance: quantiles only, and the mean is finite.
  { input: { kind: "pareto", scaleMs: 1, shape: 1.5 } },
  { input: { kind: "empirical", samplesMs: [1, 2, 2, 3, 10, 10, 10, 40] }, variance: undefined },
  // A fast path and a slow one: the LNKD-SSD delay of Bailis et al. (PVLDB 2012).
  {
    input: {
      kind: "mixture",
      components: [
        { weight: 0.9122, distribution: { kind: "pareto", scaleMs: 0.235, shape: 10 } },
        { weight: 0.0878, distribution: { kind: "exponential", meanMs: 1 / 1.66 } },
      ],
    },
  },
  // Components with disjoint supports: the quantiles fall in the gap's edges.
  {
    input: {
      kind: "mixture",
      components: [
        { weight: 0.25, distribution: { kind: "uniform", minMs: 0, maxMs: 1 } },
        { weight: 0.75, distribution: { kind: "uniform", minMs: 10, maxMs: 20 } },
      ],
    },
  },
];

function sample(distribution: Distribution, seed: number): Float64Array {
  const sampler = compileDistribution(distribution);
  const random = new Random(seed, "distributions");
  const values = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) values[i] = sampler(random);
  return values;
}

function varianceOf(values: Float64Array, mean: number): number {
  let sum = 0;
  for (const value of values) sum += (value - mean) ** 2;
  return sum / (values.length - 1);
}

for (const [index, { input, variance }] of CASES.entries()) {
  const distribution = DistributionSchema.parse(input);
  const name = describeDistribution(distribution);

  Deno.test(`distributionQuantile matches the sample CDF of ${name}`, () => {
    const values = sample(distribution, 100 + index);
    for (const q of QUANTILES) {
      const x = distributionQuantile(distribution, q);
      let below = 0, atOrBelow = 0;
      for (const value of values) {
        if (value < x) below++;
        if (value <= x) atOrBelow++;
      }
      // For a continuous distribution both fractions estimate q; for an atom (constant,
      // empirical, the clamp at 0) q lies between them. The count is Binomial(n, q).
      const tolerance = Z * Math.sqrt((q * (1 - q)) / SAMPLES);
      assert.ok(below / SAMPLES <= q + tolerance, `q=${q}: ${below / SAMPLES} below ${x}`);
      assert.ok(
        atOrBelow / SAMPLES >= q - tolerance,
        `q=${q}: ${atOrBelow / SAMPLES} at or below ${x}`,
      );
    }
  });

  Deno.test(`distributionMean matches the sample mean of ${name}`, () => {
    const values = sample(distribution, 200 + index);
    const mean = values.reduce((sum, value) => sum + value, 0) / SAMPLES;
    const expected = distributionMean(distribution);
    if (distribution.kind === "pareto" && distribution.shape < 2) {
      // The sample mean of an infinite-variance tail converges slowly; check it loosely.
      assert.ok(Math.abs(mean - expected) / expected < 0.1, `mean ${mean}, expected ${expected}`);
      return;
    }
    const spread = variance ?? varianceOf(values, mean);
    const tolerance = Z * Math.sqrt(spread / SAMPLES) + 1e-12;
    assert.ok(
      Math.abs(mean - expected) <= tolerance,
      `mean ${mean}, expected ${expected} ± ${tolerance}`,
    );
  });
}

Deno.test("compileDistribution samples stay in each distribution's support", () => {
  const random = new Random(1);
  const checks: [DistributionInput, (x: number) => boolean][] = [
    [{ kind: "uniform", minMs: 2, maxMs: 3 }, (x) => x >= 2 && x <= 3],
    [{ kind: "exponential", meanMs: 1, shiftMs: 5 }, (x) => x >= 5],
    [{ kind: "normal", meanMs: 0, stdDevMs: 10 }, (x) => x >= 0],
    [{ kind: "lognormal", medianMs: 1, sigma: 2, shiftMs: 3 }, (x) => x > 3],
    [{ kind: "pareto", scaleMs: 4, shape: 0.5 }, (x) => x >= 4],
    [{ kind: "empirical", samplesMs: [3, 9] }, (x) => x === 3 || x === 9],
  ];
  for (const [input, inSupport] of checks) {
    const sampler = compileDistribution(DistributionSchema.parse(input));
    for (let i = 0; i < 10_000; i++) {
      const x = sampler(random);
      assert.ok(Number.isFinite(x) && inSupport(x), `${input.kind}: ${x}`);
    }
  }
});

Deno.test("compileDistribution is deterministic for a given stream", () => {
  const sampler = compileDistribution(
    DistributionSchema.parse({ kind: "lognormal", medianMs: 3, sigma: 1 }),
  );
  const a = new Random(4, "x"), b = new Random(4, "x");
  for (let i = 0; i < 100; i++) assert.equal(sampler(a), sampler(b));
});

Deno.test("distributionMean is infinite for a Pareto tail with shape at most 1", () => {
  assert.equal(
    distributionMean(DistributionSchema.parse({ kind: "pareto", scaleMs: 1, shape: 1 })),
    Infinity,
  );
  assert.equal(
    distributionMean(DistributionSchema.parse({ kind: "pareto", scaleMs: 2, shape: 2 })),
    4,
  );
});

Deno.test("distributionQuantile has the exact endpoints and rejects q outside [0, 1]", () => {
  const uniform = DistributionSchema.parse({ kind: "uniform", minMs: 1, maxMs: 9 });
  assert.equal(distributionQuantile(uniform, 0), 1);
  assert.equal(distributionQuantile(uniform, 1), 9);
  const exponential = DistributionSchema.parse({ kind: "exponential", meanMs: 10 });
  assert.ok(Math.abs(distributionQuantile(exponential, 0.5) - 10 * Math.LN2) < 1e-12);
  const empirical = DistributionSchema.parse({ kind: "empirical", samplesMs: [5, 1, 3] });
  assert.deepEqual([0, 0.2, 0.34, 0.67, 1].map((q) => distributionQuantile(empirical, q)), [
    1,
    1,
    3,
    5,
    5,
  ]);
  for (const q of [-0.1, 1.1, NaN]) {
    assert.throws(() => distributionQuantile(uniform, q), {
      name: "RangeError",
      message: `Cannot take a quantile: q must be between 0 and 1, got ${q}`,
    });
  }
});

Deno.test("normalCdf and normalQuantile are inverse and match known values", () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 2e-7);
  assert.ok(Math.abs(normalCdf(-1) - 0.15865525393145707) < 2e-7);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306167813) < 1e-7);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  for (let q = 0.001; q < 1; q += 0.0137) {
    assert.ok(Math.abs(normalCdf(normalQuantile(q)) - q) < 3e-7, `q=${q}`);
  }
});

Deno.test("describeDistribution names each kind with its parameters", () => {
  const lines = [
    { kind: "constant", ms: 5 },
    { kind: "uniform", minMs: 1, maxMs: 10 },
    { kind: "exponential", meanMs: 3, shiftMs: 2 },
    { kind: "normal", meanMs: 10, stdDevMs: 2 },
    { kind: "lognormal", medianMs: 5, sigma: 0.5 },
    { kind: "pareto", scaleMs: 1, shape: 1.5 },
    { kind: "empirical", samplesMs: [1, 2, 3] },
  ].map((input) => describeDistribution(DistributionSchema.parse(input)));
  assert.deepEqual(lines, [
    "constant 5 ms",
    "uniform 1–10 ms",
    "exponential(mean 3 ms) + 2 ms",
    "normal(mean 10 ms, sd 2 ms)",
    "lognormal(median 5 ms, σ 0.5)",
    "pareto(scale 1 ms, α 1.5)",
    "empirical(3 samples)",
  ]);
});

Deno.test("a mixture draws each component with its weight", () => {
  const mixture = DistributionSchema.parse({
    kind: "mixture",
    components: [
      { weight: 0.3, distribution: { kind: "constant", ms: 1 } },
      { weight: 0.7, distribution: { kind: "constant", ms: 2 } },
    ],
  });
  const values = sample(mixture, 9);
  const ones = values.filter((x) => x === 1).length / SAMPLES;
  assert.ok(Math.abs(ones - 0.3) <= Z * Math.sqrt(0.3 * 0.7 / SAMPLES), `${ones}`);
  assert.ok(values.every((x) => x === 1 || x === 2));
  assert.equal(distributionMean(mixture), 0.3 + 1.4);
  assert.equal(distributionCdf(mixture, 1.5), 0.3);
  assert.equal(
    describeDistribution(mixture),
    "30% constant 1 ms + 70% constant 2 ms",
  );
});

Deno.test("a mixture's weights must be positive and sum to 1, and it does not nest", () => {
  const component = (weight: number) => ({
    weight,
    distribution: { kind: "constant", ms: 1 },
  });
  const issues = (input: unknown) => {
    const result = DistributionSchema.safeParse(input);
    assert.equal(result.success, false);
    return result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  assert.deepEqual(issues({ kind: "mixture", components: [component(0.5), component(0.4)] }), [
    "components: weights must sum to 1, got 0.9",
  ]);
  assert.match(
    issues({ kind: "mixture", components: [component(1.5), component(-0.5)] })[0]!,
    /^components\.1\.weight: must be greater than 0/,
  );
  assert.deepEqual(issues({ kind: "mixture", components: [] }), [
    "components: must hold at least one component",
  ]);
  const nested = { kind: "mixture", components: [component(1)] };
  assert.equal(
    issues({ kind: "mixture", components: [{ weight: 1, distribution: nested }] })[0]!
      .startsWith("components.0.distribution"),
    true,
  );
  // Rounded published weights (91.22% + 8.78%) are accepted as they are.
  assert.ok(
    DistributionSchema.safeParse({
      kind: "mixture",
      components: [component(0.9122), component(0.0878)],
    }).success,
  );
});

Deno.test("distributionCdf inverts distributionQuantile for every kind", () => {
  for (const { input } of CASES) {
    const distribution = DistributionSchema.parse(input);
    if (distribution.kind === "constant" || distribution.kind === "empirical") continue;
    for (const q of [0.05, 0.5, 0.95]) {
      const x = distributionQuantile(distribution, q);
      if (distribution.kind === "normal" && x === 0) continue; // the atom of the clamp at 0
      assert.ok(
        Math.abs(distributionCdf(distribution, x) - q) < 1e-6,
        `${describeDistribution(distribution)} at q=${q}`,
      );
    }
  }
});
