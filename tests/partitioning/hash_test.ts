import assert from "node:assert/strict";
import fc from "fast-check";
import { hash32, hashText, mix32 } from "../../lib/partitioning/mod.ts";

Deno.test("mix32 is a bijection: 100,000 consecutive inputs give 100,000 distinct outputs", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100_000; i++) seen.add(mix32(i));
  assert.equal(seen.size, 100_000);
});

Deno.test("hash32 is deterministic, seeded and in [0, 2^32)", () => {
  fc.assert(
    fc.property(fc.nat(), fc.nat(), (value, seed) => {
      const h = hash32(value, seed);
      assert.equal(h, hash32(value, seed));
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
    }),
    { seed: 1, numRuns: 500 },
  );
  let differ = 0;
  for (let key = 0; key < 1000; key++) if (hash32(key, 1) !== hash32(key, 2)) differ++;
  assert.equal(differ, 1000);
});

Deno.test("mix32 avalanches: flipping one input bit flips about half of the output bits", () => {
  // Over 2,000 random inputs and all 32 bits, each output bit flips with probability
  // within 0.45..0.55 (a bad mixer, like the identity, flips exactly one).
  const flips = new Float64Array(32);
  let trials = 0;
  for (let i = 0; i < 2000; i++) {
    const x = hash32(i, 99);
    for (let bit = 0; bit < 32; bit++) {
      const diff = mix32(x) ^ mix32(x ^ (1 << bit));
      for (let out = 0; out < 32; out++) flips[out]! += (diff >>> out) & 1;
      trials++;
    }
  }
  for (let out = 0; out < 32; out++) {
    const p = flips[out]! / trials;
    assert.ok(p > 0.45 && p < 0.55, `output bit ${out} flips with probability ${p}`);
  }
});

Deno.test("hash32 spreads keys 0..K-1 evenly over 100 buckets (chi-square)", () => {
  const buckets = new Float64Array(100);
  for (let key = 0; key < 100_000; key++) buckets[hash32(key, 5) % 100]! += 1;
  const chi2 = buckets.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
  // 99 degrees of freedom: the 99.9th percentile of chi-square is about 148.
  assert.ok(chi2 < 148, `chi-square ${chi2}`);
});

Deno.test("hashText depends on every character and on the seed", () => {
  assert.equal(hashText("user:42", 1), hashText("user:42", 1));
  assert.notEqual(hashText("user:42", 1), hashText("user:43", 1));
  assert.notEqual(hashText("user:42", 1), hashText("user:42", 2));
  assert.notEqual(hashText("ab", 1), hashText("ba", 1));
});
