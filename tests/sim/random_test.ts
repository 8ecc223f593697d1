import assert from "node:assert/strict";
import { Random, Simulation } from "../../lib/sim/mod.ts";
import { hashString } from "../../lib/sim/random.ts";

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

/**
 * A chi-square bound that a fair generator exceeds with probability about 1e-6: the
 * Wilson–Hilferty approximation of the quantile, with z = 4.75.
 */
function chiSquareBound(degreesOfFreedom: number): number {
  const k = degreesOfFreedom;
  return k * (1 - 2 / (9 * k) + 4.75 * Math.sqrt(2 / (9 * k))) ** 3;
}

function draw(random: Random, count: number): number[] {
  return Array.from({ length: count }, () => random.uint32());
}

Deno.test("Random's first numbers are pinned: every recorded trace and result depends on them", () => {
  // Any change to seeding, warm-up or stepping changes every run of every chapter.
  assert.deepEqual(draw(new Random(1), 4), [1231876481, 4274805551, 3357702881, 4082696391]);
  assert.deepEqual(
    draw(new Random(42).child("node:n1"), 4),
    [1493631603, 3759549963, 2319058435, 915000048],
  );
});

Deno.test("Random gives the same stream for the same seed and path", () => {
  assert.deepEqual(draw(new Random(42), 100), draw(new Random(42), 100));
  assert.deepEqual(draw(new Random(42, "a/b"), 100), draw(new Random(42, "a/b"), 100));
  assert.deepEqual(
    draw(new Random(42).child("a").child("b"), 100),
    draw(new Random(42, "a/b"), 100),
  );
});

Deno.test("Random gives different streams for different seeds and paths", () => {
  const streams = [
    draw(new Random(0), 20),
    draw(new Random(1), 20),
    draw(new Random(0xffffffff), 20),
    draw(new Random(1, "a"), 20),
    draw(new Random(1, "b"), 20),
    draw(new Random(1, "a/b"), 20),
    draw(new Random(2, "a"), 20),
  ];
  const distinct = new Set(streams.map((stream) => stream.join(",")));
  assert.equal(distinct.size, streams.length);
});

Deno.test("Random.child does not depend on how much the parent drew", () => {
  const expected = draw(new Random(9).child("node:n1"), 50);
  for (const drawn of [1, 2, 3, 17, 1000]) {
    const used = new Random(9);
    for (let i = 0; i < drawn; i++) used.next();
    assert.deepEqual(draw(used.child("node:n1"), 50), expected, `after ${drawn} draws`);
  }
  // And drawing from a child leaves the parent's own stream unchanged.
  const parent = new Random(9);
  const child = parent.child("x");
  draw(child, 10);
  assert.deepEqual(draw(parent, 10), draw(new Random(9), 10));
  assert.equal(child.path, "x");
  assert.equal(child.child("y").path, "x/y");
  assert.equal(child.seed, 9);
});

Deno.test("Random rejects seeds that are not whole numbers in [0, 2^32)", () => {
  for (const seed of [-1, 1.5, 2 ** 32, NaN, Infinity]) {
    assert.throws(() => new Random(seed), RangeError, `seed ${seed}`);
  }
  assert.throws(
    () => new Random(-1),
    {
      message:
        "Cannot seed a random stream: seed must be a whole number from 0 to 4294967295, got -1",
    },
  );
});

Deno.test("Random.uint32 is uniform over 64 buckets by chi-square, for several seeds and paths", () => {
  for (
    const [seed, path] of [[1, ""], [2, "node:n1"], [3, "net:n2"], [123456789, "a/b/c"]] as const
  ) {
    const random = new Random(seed, path);
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 128_000; i++) counts[random.uint32() >>> 26]++;
    const statistic = chiSquare(counts);
    assert.ok(statistic < chiSquareBound(63), `seed ${seed} "${path}": chi-square ${statistic}`);
  }
});

Deno.test("Random low bits and successive pairs are uniform by chi-square", () => {
  const random = new Random(77);
  const low = new Array(16).fill(0);
  const pairs = new Array(64).fill(0);
  let previous = random.next();
  for (let i = 0; i < 128_000; i++) {
    const value = random.uint32();
    low[value & 15]++;
    const current = value / 4294967296;
    pairs[Math.floor(previous * 8) * 8 + Math.floor(current * 8)]++;
    previous = current;
  }
  assert.ok(chiSquare(low) < chiSquareBound(15), `low bits: ${chiSquare(low)}`);
  assert.ok(chiSquare(pairs) < chiSquareBound(63), `pairs: ${chiSquare(pairs)}`);
});

Deno.test("Random's first draws across consecutive seeds are uniform (no seed correlation)", () => {
  const counts = new Array(32).fill(0);
  for (let seed = 0; seed < 64_000; seed++) counts[new Random(seed).uint32() >>> 27]++;
  assert.ok(chiSquare(counts) < chiSquareBound(31), `chi-square ${chiSquare(counts)}`);
});

Deno.test("Random.next, uniform, int and chance stay in range with the right frequencies", () => {
  const random = new Random(5);
  const ints = new Array(7).fill(0);
  let heads = 0;
  for (let i = 0; i < 70_000; i++) {
    const x = random.next();
    assert.ok(x >= 0 && x < 1);
    const u = random.uniform(-3, 5);
    assert.ok(u >= -3 && u < 5);
    const k = random.int(10, 17);
    assert.ok(Number.isInteger(k) && k >= 10 && k < 17);
    ints[k - 10]++;
    if (random.chance(0.3)) heads++;
  }
  assert.ok(chiSquare(ints) < chiSquareBound(6), `int chi-square ${chiSquare(ints)}`);
  // Binomial(70000, 0.3): standard deviation about 121.
  assert.ok(Math.abs(heads - 21_000) < 5 * 121, `heads ${heads}`);
  assert.equal(random.chance(0), false);
  assert.equal(random.chance(1), true);
  assert.throws(() => random.int(3, 3), RangeError);
});

Deno.test("Random.pick and shuffle choose uniformly and shuffle is a permutation", () => {
  const random = new Random(8);
  assert.throws(() => random.pick([]), {
    name: "RangeError",
    message: "Cannot pick from an empty list",
  });
  const picks = new Map<string, number>();
  const orders = new Map<string, number>();
  for (let i = 0; i < 60_000; i++) {
    const item = random.pick(["a", "b", "c"]);
    picks.set(item, (picks.get(item) ?? 0) + 1);
    const order = random.shuffle([1, 2, 3]).join("");
    orders.set(order, (orders.get(order) ?? 0) + 1);
  }
  assert.equal(picks.size, 3);
  assert.ok(chiSquare([...picks.values()]) < chiSquareBound(2));
  assert.equal(orders.size, 6);
  assert.ok(chiSquare([...orders.values()]) < chiSquareBound(5));
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = random.shuffle(items);
  assert.deepEqual(shuffled.slice().sort((a, b) => a - b), items);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(items, Array.from({ length: 50 }, (_, i) => i), "input left unchanged");
});

Deno.test("Random.exponential and normal have the requested mean and spread", () => {
  const random = new Random(13);
  const n = 100_000;
  let sumExp = 0, sum = 0, sumSquares = 0;
  for (let i = 0; i < n; i++) {
    sumExp += random.exponential(4);
    const x = random.normal(10, 2);
    sum += x;
    sumSquares += x * x;
  }
  // Standard errors: 4/√n for the exponential mean, 2/√n for the normal mean.
  assert.ok(Math.abs(sumExp / n - 4) < 5 * 4 / Math.sqrt(n), `exponential mean ${sumExp / n}`);
  const mean = sum / n;
  assert.ok(Math.abs(mean - 10) < 5 * 2 / Math.sqrt(n), `normal mean ${mean}`);
  const sd = Math.sqrt(sumSquares / n - mean * mean);
  assert.ok(Math.abs(sd - 2) < 0.03, `normal sd ${sd}`);
});

Deno.test("hashString is stable and spreads nearby strings", () => {
  assert.equal(hashString("node:n1"), hashString("node:n1"));
  assert.notEqual(hashString("node:n1"), hashString("node:n2"));
  assert.notEqual(hashString("x", 1), hashString("x", 2));
  const value = hashString("abc");
  assert.ok(Number.isInteger(value) && value >= 0 && value < 2 ** 32);
});

type Draws = { type: "tick" };

/** Each node records its first draws and the latencies of the messages it sends to n2. */
function streamsOf(ids: readonly string[]): Map<string, number[]> {
  const draws = new Map<string, number[]>();
  const sim = new Simulation<Draws>({
    seed: 2024,
    network: { latency: { kind: "exponential", meanMs: 5 }, lossProbability: 0.2 },
  });
  sim.addNodes(ids, (ctx) => ({
    start: () => {
      draws.set(ctx.id, Array.from({ length: 5 }, () => ctx.random.next()));
      if (ctx.id !== "n2") { for (let i = 0; i < 20; i++) ctx.send("n2", { type: "tick" }); }
    },
    onMessage: () => {},
  }));
  sim.runUntil(1000);
  for (const row of sim.trace.messages()) {
    if (row.to !== "n2") continue;
    const key = `${row.from}→n2`;
    draws.set(key, [...(draws.get(key) ?? []), row.delivered ? row.latencyMs : -1]);
  }
  return draws;
}

Deno.test("Simulation: adding a node does not change other nodes' random or network streams", () => {
  const small = streamsOf(["n1", "n2"]);
  const large = streamsOf(["n0", "n1", "n3", "n2", "n4"]);
  for (const key of ["n1", "n2", "n1→n2"]) {
    assert.ok((small.get(key)?.length ?? 0) > 0, key);
    assert.deepEqual(large.get(key), small.get(key), key);
  }
  assert.notDeepEqual(large.get("n0"), large.get("n1"));
});
