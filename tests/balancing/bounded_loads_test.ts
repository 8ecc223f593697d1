import assert from "node:assert/strict";
import { boundedLoadRing } from "../../lib/balancing/mod.ts";
import { hash32, HashRing } from "../../lib/partitioning/mod.ts";

Deno.test("bounded loads: no server exceeds ⌈(1 + ε) m / n⌉, and ε trades locality for balance", () => {
  let previousHome = 1;
  for (const epsilon of [1, 0.5, 0.25, 0.1]) {
    const result = boundedLoadRing({ epsilon });
    assert.ok(Math.max(...result.loads) <= result.capacity);
    assert.equal(result.capacity, Math.ceil((1 + epsilon) * 2000 / 20));
    assert.ok(result.homeFraction <= previousHome, `ε=${epsilon}`);
    previousHome = result.homeFraction;
  }
});

Deno.test("bounded loads with ε = ∞ is plain consistent hashing: every request at home", () => {
  const plain = boundedLoadRing({ epsilon: Infinity });
  assert.equal(plain.homeFraction, 1);
  assert.equal(plain.meanProbes, 1);
  // Under Zipf popularity the hottest key's server carries far more than its share.
  assert.ok(plain.maxOverMean > 2, `${plain.maxOverMean}`);
  const bounded = boundedLoadRing({ epsilon: 0.25 });
  assert.ok(bounded.maxOverMean <= 1.25 && bounded.homeFraction > 0.75);
  // The home server is the ring's owner of the key's hash.
  const ring = new HashRing(20, { vnodes: 100, seed: 1 });
  assert.ok(ring.owner(hash32(0, 1)) >= 0);
  assert.throws(() => boundedLoadRing({ epsilon: -1 }), /epsilon must be at least 0/);
});
