/**
 * Deterministic, seeded 32-bit hashing for partitioning: every key, token and score in
 * this folder comes from {@link mix32}, so the same seed places the same keys on the same
 * nodes on every machine, and a different seed gives an independent placement.
 *
 * @module
 */

const GOLDEN = 0x9e3779b9;

/**
 * A bijective 32-bit mixer: two rounds of xor-shift and multiply, with constants of the
 * kind a search for low bias finds (Chris Wellons' hash prospector). Every input bit
 * affects every output bit with probability close to one half, and distinct inputs give
 * distinct outputs, so hashing the integers 0..K-1 never collides.
 *
 * @example
 * ```ts
 * mix32(0); // 0 (the only fixed point worth knowing: seed your inputs)
 * mix32(1) !== mix32(2); // true
 * ```
 */
export function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/**
 * The seeded 32-bit hash of a whole number `value` (taken modulo 2^32): a uniform-looking
 * value in [0, 2^32). For a fixed seed it is a bijection on 32-bit values, so keys
 * 0..K-1 get K distinct hashes; different seeds give unrelated hashes.
 *
 * @example
 * ```ts
 * hash32(42, 7) === hash32(42, 7); // true: deterministic
 * hash32(42, 7) !== hash32(42, 8); // true: seeded
 * ```
 */
export function hash32(value: number, seed: number): number {
  return mix32((value + seedOffset(seed)) | 0);
}

/**
 * {@link hash32} with its seed fixed: the same values, without re-deriving the seed's
 * offset on every call (what hot loops over millions of keys use).
 *
 * @example
 * ```ts
 * const hash = seededHash(7);
 * hash(42) === hash32(42, 7); // true
 * ```
 */
export function seededHash(seed: number): (value: number) => number {
  const offset = seedOffset(seed);
  return (value) => mix32((value + offset) | 0);
}

function seedOffset(seed: number): number {
  return mix32(Math.imul(seed | 0, GOLDEN) ^ 0x6a09e667);
}

/**
 * The seeded 32-bit hash of a string (UTF-16 code units folded in with the mixer), for
 * keys and node names given as text.
 *
 * @example
 * ```ts
 * hashText("user:42", 1); // a whole number in [0, 2^32)
 * ```
 */
export function hashText(text: string, seed: number): number {
  let h = hash32(text.length, seed);
  for (let i = 0; i < text.length; i++) h = mix32((h ^ text.charCodeAt(i)) + GOLDEN);
  return h;
}

/** 2^32, the size of the hash space (a ring position is a whole number below it). */
export const HASH_SPACE = 4294967296;
