/**
 * Seeded pseudo-random numbers. Every random choice in a simulation comes from a
 * {@link Random} derived from the run's master seed, so the same seed gives the same run.
 *
 * @module
 */

/**
 * A seeded pseudo-random stream (the sfc32 generator: fast, 128 bits of state, passes
 * PractRand). Streams are named: `child(label)` derives an independent stream from the
 * master seed and the path of labels, not from how many numbers the parent has drawn, so
 * adding a node or drawing one more number in one component leaves every other stream as
 * it was.
 *
 * @example
 * ```ts
 * const master = new Random(42);
 * const a = master.child("node:n1");
 * const b = new Random(42).child("node:n1");
 * a.next() === b.next(); // true: same seed, same path, same numbers
 * ```
 */
export class Random {
  /** The master seed this stream descends from. */
  readonly seed: number;
  /** Labels from the master stream down to this one, joined by "/" ("" for the master). */
  readonly path: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A stream for `seed` (a whole number from 0 to 2^32 - 1) at `path`. */
  constructor(seed: number, path = "") {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(
        `Cannot seed a random stream: seed must be a whole number from 0 to 4294967295, got ${seed}`,
      );
    }
    this.seed = seed;
    this.path = path;
    let state = mix32(seed ^ hashString(path, 0x811c9dc5));
    // Hashed once: a simulation of a thousand nodes builds a few thousand streams.
    const pathHash = hashString(path, 0x01000193);
    const next = () => {
      state = (state + 0x9e3779b9) | 0;
      return mix32(state ^ pathHash);
    };
    // The first 15 outputs are discarded, stepped in locals: in a constructor, which runs
    // too few times to be optimised, each field store of a large number allocates a box,
    // and a simulation of a thousand nodes builds thousands of streams.
    let a = next(), b = next(), c = next(), d = 1;
    for (let i = 0; i < 15; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = ((c << 21) | (c >>> 11)) + t | 0;
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
  }

  /** An independent stream named `label` under this one. */
  child(label: string): Random {
    return new Random(this.seed, this.path === "" ? label : `${this.path}/${label}`);
  }

  /** A uniformly distributed whole number in [0, 2^32). */
  uint32(): number {
    const a = this.#a, b = this.#b, c = this.#c, d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = ((c << 21) | (c >>> 11)) + t | 0;
    return t >>> 0;
  }

  /** A uniformly distributed number in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniformly distributed number in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniformly distributed whole number in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    if (!(maxExclusive > min)) {
      throw new RangeError(`Cannot draw an integer from an empty range [${min}, ${maxExclusive})`);
    }
    return min + Math.floor((maxExclusive - min) * this.next());
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`, each equally likely. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
    return items[Math.floor(items.length * this.next())] as T;
  }

  /** A shuffled copy of `items` (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor((i + 1) * this.next());
      const held = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = held;
    }
    return copy;
  }

  /** An exponentially distributed number with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** A normally distributed number (Box–Muller). */
  normal(mean: number, standardDeviation: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + standardDeviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A 32-bit hash of a string (FNV-1a with a final avalanche), seeded by `basis`. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis | 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix32(hash);
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over every output bit (unsigned). */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
