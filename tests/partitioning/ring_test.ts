import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createPartitioner,
  HashRing,
  ringBalance,
  ringOwnerByScan,
  shareStats,
} from "../../lib/partitioning/mod.ts";

Deno.test("HashRing.owner (binary search) agrees with a linear scan of every token", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 20 }),
      fc.nat({ max: 1000 }),
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 20 }),
      (nodes, vnodes, seed, positions) => {
        const ring = new HashRing(nodes, { vnodes, seed });
        return positions.every((p) => ring.owner(p) === ringOwnerByScan(nodes, vnodes, seed, p));
      },
    ),
    { seed: 1, numRuns: 300 },
  );
});

Deno.test("HashRing: a token's own position belongs to it, and 2^32 - 1 wraps to the first token", () => {
  const ring = new HashRing(7, { vnodes: 3, seed: 4 });
  for (let i = 0; i < ring.size; i++) {
    const { position, node } = ring.token(i);
    assert.equal(ring.owner(position), node);
  }
  const last = ring.token(ring.size - 1).position;
  if (last < 2 ** 32 - 1) assert.equal(ring.owner(2 ** 32 - 1), ring.token(0).node);
});

Deno.test("HashRing.arcShares sum to 1 and preferenceList gives distinct nodes", () => {
  const ring = new HashRing(10, { vnodes: 8, seed: 3 });
  const total = ring.arcShares().reduce((sum, x) => sum + x, 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
  const list = ring.preferenceList(12345, 3);
  assert.equal(new Set(list).size, 3);
  assert.equal(list[0], ring.owner(12345));
  assert.equal(new HashRing(2).preferenceList(5, 3).length, 2);
});

Deno.test("ring: adding a node only moves keys to it (1,000 seeds)", () => {
  for (let seed = 1; seed <= 1000; seed++) {
    const nodes = 1 + (seed % 12), vnodes = 1 + (seed % 7);
    const before = createPartitioner("ring", nodes, { vnodes, seed });
    const after = createPartitioner("ring", nodes + 1, { vnodes, seed });
    for (let key = 0; key < 200; key++) {
      const a = after.owner(key);
      assert.ok(a === before.owner(key) || a === nodes, `seed ${seed}, key ${key}`);
    }
  }
});

Deno.test("ring: std/mean of the per-node share is about 1/sqrt(k), as published", () => {
  // Published for 100 nodes: 0.98, 0.33, 0.098, 0.032 at k = 1, 10, 100, 1000. One
  // trial's std over 100 nodes has a relative standard error of about 1/sqrt(2·100) = 7%;
  // averaging 8 seeds brings it to 2.5%, so a 10% tolerance is four standard errors.
  const published = new Map([[1, 0.98], [10, 0.33], [100, 0.098], [1000, 0.032]]);
  for (const [k, expected] of published) {
    let sum = 0;
    const seeds = 8;
    for (let seed = 1; seed <= seeds; seed++) {
      sum += shareStats(new HashRing(100, { vnodes: k, seed }).arcShares()).stdOverMean;
    }
    const mean = sum / seeds;
    assert.ok(Math.abs(mean - expected) / expected < 0.1, `k=${k}: ${mean} vs ${expected}`);
    assert.ok(Math.abs(mean * Math.sqrt(k) - 1) < 0.1, `k=${k}: ${mean}·√k`);
  }
});

Deno.test("ring: keys counted per node add sampling noise of about sqrt(n/K) to the arc spread", () => {
  const row = ringBalance.run({ vnodes: 1000, keys: 1_000_000 }, 1)[0]!;
  const predicted = Math.sqrt(row.arcStdOverMean! ** 2 + 100 / 1_000_000);
  assert.ok(Math.abs(row.stdOverMean - predicted) / predicted < 0.15, `${row.stdOverMean}`);
  assert.ok(shareStats([1, 1, 1]).stdOverMean === 0);
});

Deno.test("HashRing rejects bad sizes", () => {
  assert.throws(() => new HashRing(0), /nodes must be a whole number from 1/);
  assert.throws(
    () => new HashRing(3, { vnodes: 0 }),
    /vnodes must be a whole number at least 1, got 0/,
  );
});
