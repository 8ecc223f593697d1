import assert from "node:assert/strict";
import fc from "fast-check";
import { jumpHash } from "../../lib/partitioning/mod.ts";

const MASK = (1n << 64n) - 1n;

/** The algorithm exactly as published, on BigInt: the naive twin of jumpHash. */
function jumpHashBigInt(key: bigint, buckets: number): number {
  let b = -1n, j = 0n;
  let k = key & MASK;
  while (j < BigInt(buckets)) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK;
    j = BigInt(Math.floor(Number(b + 1n) * (2 ** 31 / (Number(k >> 33n) + 1))));
  }
  return Number(b);
}

const key64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

Deno.test("jumpHash: cases derived by hand from the published algorithm", () => {
  // Key 0: the first step makes the key 1, so (key >>> 33) = 0 and j = 2^31: bucket 0 for
  // every bucket count.
  for (const n of [1, 2, 10, 1000, 2 ** 31]) assert.equal(jumpHash(0, 0, n), 0);
  // Key 1: the first step makes it 0x27BB2EE687B0B0FE, (key >>> 33) = 333289331 and
  // j = ⌊2^31 / 333289332⌋ = 6: bucket 0 up to 6 buckets, bucket 6 from 7 on.
  for (let n = 1; n <= 6; n++) assert.equal(jumpHash(0, 1, n), 0);
  assert.equal(jumpHash(0, 1, 7), 6);
  // One bucket: always 0.
  assert.equal(jumpHash(0xdeadbeef, 0x12345678, 1), 0);
});

Deno.test("jumpHash agrees with the BigInt twin on random 64-bit keys", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.integer({ min: 1, max: 100_000 }),
      (hi, lo, n) => jumpHash(hi, lo, n) === jumpHashBigInt(key64(hi, lo), n),
    ),
    { seed: 1, numRuns: 2000 },
  );
});

Deno.test("jumpHash: growing from n to n+1 buckets moves a key only to bucket n", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.integer({ min: 1, max: 5000 }),
      (hi, lo, n) => {
        const after = jumpHash(hi, lo, n + 1);
        return after === jumpHash(hi, lo, n) || after === n;
      },
    ),
    { seed: 2, numRuns: 2000 },
  );
});

Deno.test("jumpHash rejects a bucket count outside 1..2^31", () => {
  assert.throws(() => jumpHash(1, 1, 0), /buckets must be a whole number from 1 to 2\^31, got 0/);
  assert.throws(() => jumpHash(1, 1, 1.5), RangeError);
});
