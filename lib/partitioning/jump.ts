/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014): a key and a bucket count in, a bucket out, with no table at all.
 * Going from n to n+1 buckets moves a key only to the new bucket, and each key moves
 * with probability exactly 1/(n+1) over the key's pseudo-random sequence.
 *
 * @module
 */

// The 64-bit linear congruential step key ← key · 2862933555777941757 + 1 (mod 2^64),
// carried out on two 32-bit halves because JavaScript numbers hold 53 bits exactly.
const MULT_HI = 0x27bb2ee6;
const MULT_LO = 0x87b0b0fd;
const LO0 = MULT_LO & 0xffff;
const LO1 = MULT_LO >>> 16;
const TWO_32 = 4294967296;
const TWO_31 = 2147483648;

/**
 * The bucket in [0, buckets) of the 64-bit key whose high and low 32-bit halves are
 * `keyHi` and `keyLo`. It follows the published algorithm step for step: the key seeds a
 * 64-bit linear congruential generator, and the candidate bucket jumps forward to
 * ⌊(b + 1) · 2^31 / ((key >>> 33) + 1)⌋ until it passes the bucket count.
 *
 * @example
 * ```ts
 * jumpHash(0, 0, 1000); // 0: key 0 never leaves bucket 0
 * jumpHash(0, 1, 6);    // 0, and jumpHash(0, 1, 7) is 6: key 1 jumps at the seventh bucket
 * ```
 */
export function jumpHash(keyHi: number, keyLo: number, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > TWO_31) {
    throw new RangeError(
      `Cannot pick a bucket: buckets must be a whole number from 1 to 2^31, got ${buckets}`,
    );
  }
  let hi = keyHi >>> 0;
  let lo = keyLo >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // (hi, lo) ← (hi, lo) · (MULT_HI, MULT_LO) + 1 mod 2^64. The high word of lo · MULT_LO
    // comes from 16-bit limbs (Hacker's Delight's mulhu); the rest needs only low words.
    const a0 = lo & 0xffff, a1 = lo >>> 16;
    const t = a0 * LO0;
    const w1 = a1 * LO0 + (t >>> 16);
    const w2 = a0 * LO1 + (w1 & 0xffff);
    const carryWord = a1 * LO1 + (w1 >>> 16) + (w2 >>> 16);
    let newHi = (carryWord + Math.imul(hi, MULT_LO) + Math.imul(lo, MULT_HI)) >>> 0;
    lo = (Math.imul(lo, MULT_LO) >>> 0) + 1;
    if (lo === TWO_32) {
      lo = 0;
      newHi = (newHi + 1) >>> 0;
    }
    hi = newHi;
    j = Math.floor((b + 1) * (TWO_31 / ((hi >>> 1) + 1)));
  }
  return b;
}
