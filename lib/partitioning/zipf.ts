/**
 * Zipf-distributed key popularity: the key of rank r (1 = most popular) is requested
 * with probability proportional to 1/r^s. With s near 1, a few keys take a large share
 * of all requests, which is how real workloads make hot spots.
 *
 * @module
 */
import type { Random } from "../sim/random.ts";

/**
 * The probability of each of `keys` keys under Zipf's law with exponent `skew`: entry i
 * is the probability of rank i+1. Skew 0 is uniform.
 *
 * @example
 * ```ts
 * zipfProbabilities(3, 1); // [6/11, 3/11, 2/11]
 * ```
 */
export function zipfProbabilities(keys: number, skew: number): Float64Array {
  if (!Number.isInteger(keys) || keys < 1) {
    throw new RangeError(
      `Cannot build a Zipf law: keys must be a whole number at least 1, got ${keys}`,
    );
  }
  if (!(skew >= 0) || !Number.isFinite(skew)) {
    throw new RangeError(
      `Cannot build a Zipf law: skew must be a finite number at least 0, got ${skew}`,
    );
  }
  const weights = new Float64Array(keys);
  let total = 0;
  for (let i = 0; i < keys; i++) total += weights[i] = (i + 1) ** -skew;
  for (let i = 0; i < keys; i++) weights[i]! /= total;
  return weights;
}

/**
 * Draws keys 0..keys-1 with Zipf popularity (key i has rank i+1) by binary search of the
 * cumulative distribution: O(log keys) per draw.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const zipf = new ZipfSampler(1000, 1.1);
 * zipf.sample(new Random(1)); // most often 0, then 1, ...
 * ```
 */
export class ZipfSampler {
  /** Keys, numbered 0..keys-1 by popularity rank. */
  readonly keys: number;
  /** The exponent s. */
  readonly skew: number;
  readonly #cumulative: Float64Array;

  /** A sampler of `keys` keys with exponent `skew`. */
  constructor(keys: number, skew: number) {
    const p = zipfProbabilities(keys, skew);
    this.keys = keys;
    this.skew = skew;
    this.#cumulative = new Float64Array(keys);
    let sum = 0;
    for (let i = 0; i < keys; i++) this.#cumulative[i] = sum += p[i] as number;
    this.#cumulative[keys - 1] = 1;
  }

  /** One key, drawn from `random`. */
  sample(random: Random): number {
    const u = random.next();
    const cumulative = this.#cumulative;
    let lo = 0, hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
