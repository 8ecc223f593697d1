import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assignKeys,
  createPartitioner,
  hash32,
  keyMovement,
  type Partitioner,
  rendezvousOwner,
  rendezvousSalts,
  type Scheme,
} from "../../lib/partitioning/mod.ts";

/** Whether every key that changes owner when node `nodes` joins goes to it. */
function joinIsConsistent(scheme: Scheme, nodes: number, seed: number, keys = 300): boolean {
  const before = assignKeys(createPartitioner(scheme, nodes, { seed, vnodes: 4 }), keys);
  const after = assignKeys(createPartitioner(scheme, nodes + 1, { seed, vnodes: 4 }), keys);
  return keyMovement(before, after, nodes).movedElsewhere === 0;
}

for (const scheme of ["ring", "rendezvous", "jump"] as const) {
  Deno.test(`${scheme}: a join moves keys only to the new node (fast-check)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.nat({ max: 100_000 }),
        (nodes, seed) => joinIsConsistent(scheme, nodes, seed),
      ),
      { seed: 7, numRuns: 200 },
    );
  });
}

Deno.test("modulo (hash mod n), the broken 'consistent' hash, is caught within the first 5 seeds", () => {
  // A sweep of seeds with random node counts, as for the consistent schemes above; mod n
  // must fail it at once, and by a wide margin: it moves about n/(n+1) of the keys.
  let caughtAt = -1;
  for (let seed = 1; seed <= 200 && caughtAt < 0; seed++) {
    if (!joinIsConsistent("modulo", 2 + (seed % 30), seed)) caughtAt = seed;
  }
  assert.ok(caughtAt >= 1 && caughtAt <= 5, `caught at seed ${caughtAt}`);
  const before = assignKeys(createPartitioner("modulo", 10, { seed: 1 }), 10_000);
  const after = assignKeys(createPartitioner("modulo", 11, { seed: 1 }), 10_000);
  const moved = keyMovement(before, after, 10).movedFraction;
  assert.ok(Math.abs(moved - 10 / 11) < 0.02, `modulo moved ${moved}`);
});

Deno.test("rendezvous: removing a node moves only its keys, each to its second-highest scorer", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 30 }),
      fc.nat({ max: 100_000 }),
      fc.nat(),
      (nodes, seed, pick) => {
        const removed = pick % nodes;
        const salts = rendezvousSalts(nodes, seed);
        const kept = Array.from(salts).filter((_, i) => i !== removed);
        const names = Array.from({ length: nodes }, (_, i) => i).filter((i) => i !== removed);
        for (let key = 0; key < 200; key++) {
          const h = hash32(key, seed);
          const before = rendezvousOwner(h, salts);
          const after = names[rendezvousOwner(h, kept)]!;
          if (before !== removed && after !== before) return false;
        }
        return true;
      },
    ),
    { seed: 3, numRuns: 200 },
  );
});

Deno.test("jump and rendezvous move about 1/(n+1) of the keys on a join, the optimum", () => {
  // 100,000 keys, 50 → 51 nodes: moved keys are binomial with p = 1/51, a standard error
  // of 0.044% on the fraction; 0.2% is over four standard errors.
  for (const scheme of ["jump", "rendezvous"] as const) {
    const before = assignKeys(createPartitioner(scheme, 50, { seed: 2 }), 100_000);
    const after = assignKeys(createPartitioner(scheme, 51, { seed: 2 }), 100_000);
    const movement = keyMovement(before, after, 50);
    assert.equal(movement.movedElsewhere, 0);
    assert.ok(
      Math.abs(movement.movedFraction - 1 / 51) < 0.002,
      `${scheme}: ${movement.movedFraction}`,
    );
  }
});

Deno.test("createPartitioner owners are deterministic and in range", () => {
  for (const scheme of ["ring", "rendezvous", "jump", "modulo"] as const) {
    const a: Partitioner = createPartitioner(scheme, 13, { seed: 5, vnodes: 3 });
    const b = createPartitioner(scheme, 13, { seed: 5, vnodes: 3 });
    for (let key = 0; key < 500; key++) {
      const owner = a.owner(key);
      assert.equal(owner, b.owner(key));
      assert.ok(owner >= 0 && owner < 13);
    }
  }
  assert.throws(
    () => createPartitioner("ring", 0),
    /nodes must be a whole number at least 1, got 0/,
  );
  assert.throws(() => createPartitioner("mod" as Scheme, 3), /unknown scheme "mod"/);
});

Deno.test("rendezvous, jump and modulo spread keys as evenly as the key sample allows", () => {
  // 100,000 keys on 50 nodes: per-node counts are nearly Poisson, std/mean ≈ √(50/10^5) =
  // 0.022. A scheme whose scores were correlated across nodes would show far more.
  for (const scheme of ["rendezvous", "jump", "modulo"] as const) {
    const counts = new Float64Array(50);
    const partitioner = createPartitioner(scheme, 50, { seed: 9 });
    for (let key = 0; key < 100_000; key++) counts[partitioner.owner(key)]! += 1;
    const mean = 2000;
    const std = Math.sqrt(counts.reduce((sum, c) => sum + (c - mean) ** 2, 0) / 50);
    assert.ok(std / mean < 0.03, `${scheme}: std/mean ${std / mean}`);
  }
});
