import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Directory,
  equalRanges,
  RangePartitioner,
  splitHotRanges,
  zipfProbabilities,
  ZipfSampler,
} from "../../lib/partitioning/mod.ts";
import { Random } from "../../lib/sim/mod.ts";

Deno.test("RangePartitioner.owner (binary search) agrees with a linear scan", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 999 }), { maxLength: 20 }),
      fc.nat({ max: 999 }),
      (cuts, key) => {
        const starts = [0, ...cuts.sort((a, b) => a - b)];
        const ranges = new RangePartitioner(starts, 1000);
        let scan = 0;
        for (let i = 0; i < starts.length; i++) if (starts[i]! <= key) scan = i;
        return ranges.owner(key) === scan;
      },
    ),
    { seed: 1, numRuns: 500 },
  );
});

Deno.test("splitHotRanges leaves every range under the limit or holding one key", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 60 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 300 }),
      (loads, parts, maxLoad) => {
        const start = equalRanges(loads.length, Math.min(parts, loads.length));
        const { ranges, unsplittable } = splitHotRanges(start, loads, maxLoad);
        const after = ranges.loads(loads);
        let single = 0;
        for (let p = 0; p < ranges.partitions; p++) {
          const size = (ranges.starts[p + 1] ?? loads.length) - ranges.starts[p]!;
          if (after[p]! > maxLoad) {
            if (size !== 1) return false;
            single++;
          }
        }
        return single === unsplittable;
      },
    ),
    { seed: 2, numRuns: 300 },
  );
});

Deno.test("splitHotRanges cannot cool a single hot key", () => {
  const result = splitHotRanges(equalRanges(8, 2), [5, 1, 1, 1, 1, 1, 1, 1], 3);
  assert.equal(result.unsplittable, 1);
  assert.equal(result.ranges.owner(0), 0);
  assert.equal(result.ranges.owner(1), 1);
});

Deno.test("zipf: probabilities sum to 1 and fall as 1/r^s; the sampler follows them", () => {
  const p = zipfProbabilities(3, 1);
  assert.deepEqual(Array.from(p).map((x) => Math.round(x * 11 * 1e9) / 1e9), [6, 3, 2]);
  const sampler = new ZipfSampler(100, 1.2);
  const counts = new Float64Array(100);
  const random = new Random(1);
  for (let i = 0; i < 100_000; i++) counts[sampler.sample(random)]! += 1;
  const expected = zipfProbabilities(100, 1.2);
  // Key 0 has p ≈ 0.26: 100,000 draws give a standard error of 0.0014; 0.01 is 7 of them.
  for (const key of [0, 1, 9]) {
    assert.ok(Math.abs(counts[key]! / 100_000 - expected[key]!) < 0.01, `key ${key}`);
  }
  assert.throws(() => zipfProbabilities(0, 1), /keys must be a whole number at least 1/);
});

Deno.test("Directory places listed keys by its table and the rest by its rule", () => {
  const directory = new Directory((key) => key % 4);
  directory.assign(7, 0);
  assert.equal(directory.owner(7), 0);
  assert.equal(directory.owner(6), 2);
  assert.equal(directory.size, 1);
});
