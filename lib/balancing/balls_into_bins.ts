/**
 * Balls into bins: n balls go one by one into n bins, each into the least loaded of d
 * bins chosen uniformly at random. With one choice the fullest bin ends with about
 * ln n / ln ln n balls; with two it ends with about ln ln n / ln 2 + O(1) (Azar, Broder,
 * Karlin and Upfal, 1994): the second choice is an exponential improvement, a third only
 * a constant factor more. Both formulas are leading orders, and at practical n the terms
 * they drop are as large as the ones they keep.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import { Random } from "../sim/random.ts";

/** Options of {@link throwBalls}. */
export interface ThrowBallsOptions {
  /** Bins. Default: as many as balls. */
  readonly bins?: number;
  /**
   * A deliberately broken variant, for tests: draw one bin and "compare" it with itself
   * d times, so d choices silently become one.
   */
  readonly brokenSameChoice?: boolean;
}

/**
 * Throws `balls` balls into bins, each into the least loaded of `d` bins drawn uniformly
 * and independently (with replacement; ties go to the first drawn), and returns every
 * bin's load.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const loads = throwBalls(1_000_000, 2, new Random(1));
 * loads.reduce((max, load) => Math.max(max, load), 0); // 4, almost always
 * ```
 */
export function throwBalls(
  balls: number,
  d: number,
  random: Random,
  options: ThrowBallsOptions = {},
): Int32Array {
  const bins = options.bins ?? balls;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`Cannot throw balls: bins must be a whole number at least 1, got ${bins}`);
  }
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(`Cannot throw balls: d must be a whole number at least 1, got ${d}`);
  }
  const loads = new Int32Array(bins);
  const same = options.brokenSameChoice === true;
  for (let ball = 0; ball < balls; ball++) {
    let best = Math.floor(random.next() * bins);
    for (let choice = 1; choice < d; choice++) {
      const other = same ? best : Math.floor(random.next() * bins);
      if ((loads[other] as number) < (loads[best] as number)) best = other;
    }
    loads[best]!++;
  }
  return loads;
}

/** The largest entry of `loads`. */
export function maxOf(loads: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < loads.length; i++) if ((loads[i] as number) > max) max = loads[i] as number;
  return max;
}

/**
 * The fraction of bins holding at least i balls, for i = 0, 1, ..., max load: the tail
 * of the load distribution. With d ≥ 2 it falls doubly exponentially, like the
 * supermarket model's fixed point.
 *
 * @example
 * ```ts
 * loadTail(Int32Array.of(0, 1, 1, 2)); // [{ load: 0, fraction: 1 }, { load: 1, fraction: 0.75 }, { load: 2, fraction: 0.25 }]
 * ```
 */
export function loadTail(loads: ArrayLike<number>): { load: number; fraction: number }[] {
  const max = maxOf(loads);
  const counts = new Float64Array(max + 2);
  for (let i = 0; i < loads.length; i++) counts[loads[i] as number]! += 1;
  const tail: { load: number; fraction: number }[] = [];
  let atLeast = loads.length;
  for (let load = 0; load <= max; load++) {
    tail.push({ load, fraction: atLeast / loads.length });
    atLeast -= counts[load] as number;
  }
  return tail;
}

/**
 * The leading-order estimate of the maximum load of n balls in n bins: ln n / ln ln n
 * for one choice, ln ln n / ln d for d ≥ 2. Good for the growth rate, poor for the
 * number at any n you will meet: it drops terms of the same size.
 *
 * @example
 * ```ts
 * leadingOrderMaxLoad(1e6, 1); // 5.26, where simulation gives 8 to 10
 * leadingOrderMaxLoad(1e6, 2); // 3.79, where simulation gives 4
 * ```
 */
export function leadingOrderMaxLoad(n: number, d: number): number {
  if (!(n > Math.E)) {
    throw new RangeError(`Cannot estimate a maximum load: n must exceed e, got ${n}`);
  }
  const logN = Math.log(n);
  return d === 1 ? logN / Math.log(logN) : Math.log(logN) / Math.log(d);
}

/** Zod schema of the `balls-into-bins` parameters. */
export const BallsIntoBinsParamsSchema = z.strictObject({
  n: integerAtLeast(3).max(10_000_000, { error: "must be at most 10000000" }).default(1_000_000)
    .describe("Balls, and bins"),
  d: integerAtLeast(1).max(16, { error: "must be at most 16" }).default(2)
    .describe("Bins sampled per ball; the ball goes to the least loaded"),
});

/** Parameters of `balls-into-bins`, with defaults applied. */
export type BallsIntoBinsParams = z.output<typeof BallsIntoBinsParamsSchema>;

/** One `balls-into-bins` trial. */
export type BallsIntoBinsRow = {
  /** Balls and bins. */
  readonly n: number;
  /** Choices per ball. */
  readonly d: number;
  /** The fullest bin's load. */
  readonly maxLoad: number;
  /** The leading-order formula's value, for comparison. */
  readonly leadingOrder: number;
  /** Bins left empty, as a fraction. */
  readonly emptyFraction: number;
};

/**
 * `balls-into-bins`: n balls into n bins with the least loaded of d random choices. One
 * row per seed with the maximum load. Reference values: at n = 10^6 the maximum load is
 * 8 to 10 with d = 1, 4 with d = 2 and 3 with d = 3.
 */
export const ballsIntoBins = defineExperiment({
  name: "balls-into-bins",
  title: "Maximum load of n balls in n bins with d choices",
  description: "Each of n balls samples d of n bins uniformly at random and joins the " +
    "least loaded. One row per seed with the maximum load, the leading-order formula " +
    "(ln n / ln ln n for d = 1, ln ln n / ln d otherwise) and the fraction of empty bins.",
  chapter: "16_load_balancing",
  params: BallsIntoBinsParamsSchema,
  trial: ({ n, d }, seed): BallsIntoBinsRow[] => {
    const loads = throwBalls(n, d, new Random(seed, "balls-into-bins"));
    let empty = 0;
    for (let i = 0; i < n; i++) if (loads[i] === 0) empty++;
    return [{
      n,
      d,
      maxLoad: maxOf(loads),
      leadingOrder: leadingOrderMaxLoad(n, d),
      emptyFraction: empty / n,
    }];
  },
});

/**
 * The fluid limit of balls into bins: the fraction s_i of bins holding at least i balls
 * after n balls into n bins with d choices, as n → ∞, from the differential equations
 * ds_i/dt = s_{i−1}^d − s_i^d on t ∈ [0, 1] (Mitzenmacher's thesis, 1996), solved with
 * fourth-order Runge–Kutta. For d = 1 it is the Poisson(1) tail. Entry i is s_i.
 *
 * @example
 * ```ts
 * fluidLimitTail(2, 5)[4]; // 6.0e-6: so among 10^6 bins about 6 reach load 4
 * ```
 */
export function fluidLimitTail(d: number, maxLoad: number, steps = 2000): Float64Array {
  const size = maxLoad + 1;
  const derivative = (s: Float64Array): Float64Array => {
    const out = new Float64Array(size);
    for (let i = 1; i < size; i++) out[i] = (s[i - 1] as number) ** d - (s[i] as number) ** d;
    return out;
  };
  let s = new Float64Array(size);
  s[0] = 1;
  const h = 1 / steps;
  const step = (base: Float64Array, slope: Float64Array, factor: number) =>
    base.map((value, i) => value + factor * (slope[i] as number));
  for (let k = 0; k < steps; k++) {
    const k1 = derivative(s);
    const k2 = derivative(step(s, k1, h / 2));
    const k3 = derivative(step(s, k2, h / 2));
    const k4 = derivative(step(s, k3, h));
    s = s.map((value, i) =>
      value + (h / 6) * ((k1[i] as number) + 2 * (k2[i] as number) + 2 * (k3[i] as number) +
          (k4[i] as number))
    );
  }
  return s;
}

/**
 * The maximum load the fluid limit predicts for n balls in n bins: the largest load i
 * that about one bin or more reaches (n · s_i ≥ 1). Unlike the leading-order formulas it
 * keeps every term, and it lands on the simulated value at n = 10^5 and 10^6.
 *
 * @example
 * ```ts
 * fluidMaxLoad(1e6, 2); // 4
 * fluidMaxLoad(1e6, 1); // 9
 * ```
 */
export function fluidMaxLoad(n: number, d: number): number {
  const tail = fluidLimitTail(d, 30);
  let load = 0;
  while (load + 1 < tail.length && n * (tail[load + 1] as number) >= 1) load++;
  return load;
}
