import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bucketOf,
  measureAntiEntropy,
  mergeSiblings,
  merkleReconcileCost,
  MerkleTree,
  type Versioned,
} from "../../lib/replication/mod.ts";

const v = (value: number, ts: number, writer = "w"): Versioned => ({ value, ts, writer, vv: {} });

Deno.test("identical replicas exchange one root hash; each divergent key costs a path and its bucket", () => {
  const a = new Map(Array.from({ length: 500 }, (_, i) => [`k${i}`, [v(i, 2)]] as const));
  assert.equal(merkleReconcileCost(a, new Map(a), 8).messages, 1);
  const b = new Map(a);
  b.set("k7", [v(7, 1)]);
  const one = merkleReconcileCost(a, b, 8);
  assert.equal(one.differingBuckets, 1);
  // The bucket of k7 travels both ways, and only it.
  const sameBucket = [...a.keys()].filter((k) => bucketOf(k, 8) === bucketOf("k7", 8)).length;
  assert.equal(one.keysSent, 2 * sameBucket);
  assert.ok(one.merkleBytes < one.fullBytes / 10, `${one.merkleBytes} vs ${one.fullBytes}`);
});

Deno.test("the Merkle walk finds exactly the buckets whose keys differ (against a naive diff)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 199 }), fc.boolean()), { maxLength: 60 }),
      fc.integer({ min: 0, max: 8 }),
      (changes, depth) => {
        const a = new Map(Array.from({ length: 200 }, (_, i) => [`k${i}`, [v(i, 2)]] as const));
        const b = new Map(a);
        for (const [i, drop] of changes) {
          if (drop) b.delete(`k${i}`);
          else b.set(`k${i}`, [v(i, 1)]);
        }
        const naive = new Set<number>();
        for (const key of new Set([...a.keys(), ...b.keys()])) {
          if (JSON.stringify(a.get(key)) !== JSON.stringify(b.get(key))) {
            naive.add(
              bucketOf(key, depth),
            );
          }
        }
        assert.equal(merkleReconcileCost(a, b, depth).differingBuckets, naive.size);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("MerkleTree rejects a silly depth", () => {
  assert.throws(() => new MerkleTree(new Map(), 21), {
    message: "Cannot build a Merkle tree: depth must be 0 to 20, got 21",
  });
});

Deno.test("the replicas' anti-entropy in the simulator repairs every key and sends what the walk predicts", () => {
  for (const divergent of [0, 1, 10, 100]) {
    const m = measureAntiEntropy({ keys: 1000, divergent, depth: 8 }, divergent + 1);
    assert.ok(m.converged, `k=${divergent}`);
    assert.equal(m.merkleBytes, m.predictedBytes, `k=${divergent}`);
    if (divergent === 0) assert.equal(m.messages, 1);
    if (divergent <= 10) {
      assert.ok(m.merkleBytes < m.fullBytes / 5, `k=${divergent}: ${m.merkleBytes}`);
    }
  }
});

Deno.test("mergeSiblings is commutative, idempotent and keeps the newest timestamp", () => {
  const version = fc.record({
    value: fc.integer({ min: 0, max: 9 }),
    ts: fc.integer({ min: 0, max: 5 }),
    writer: fc.constantFrom("a", "b"),
    vv: fc.constant({}),
  });
  fc.assert(fc.property(fc.array(version), fc.array(version), (x, y) => {
    const xy = mergeSiblings(x, y, "timestamp"), yx = mergeSiblings(y, x, "timestamp");
    assert.equal(xy.length <= 1, true);
    assert.deepEqual(xy.map((s) => [s.ts, s.writer]), yx.map((s) => [s.ts, s.writer]));
    assert.deepEqual(mergeSiblings(xy, xy, "timestamp").length, xy.length);
  }));
  const vectors = fc.record({
    value: fc.integer({ min: 0, max: 9 }),
    ts: fc.integer({ min: 0, max: 5 }),
    writer: fc.constantFrom("a", "b"),
    vv: fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.integer({ min: 0, max: 3 }) }),
  });
  fc.assert(
    fc.property(
      fc.array(vectors, { maxLength: 6 }),
      fc.array(vectors, { maxLength: 6 }),
      (x, y) => {
        const xy = mergeSiblings(x, y, "vector"), yx = mergeSiblings(y, x, "vector");
        const key = (s: Versioned) => JSON.stringify(s.vv);
        assert.deepEqual(new Set(xy.map(key)), new Set(yx.map(key)));
        // No sibling kept is dominated by another.
        for (const s of xy) {
          for (const t of xy) {
            if (s === t) continue;
            assert.ok(!(s.vv.a! <= t.vv.a! && s.vv.b! <= t.vv.b! && key(s) !== key(t)));
          }
        }
      },
    ),
  );
});
