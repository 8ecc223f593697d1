import assert from "node:assert/strict";
import fc from "fast-check";
import { bandRows, ecdfRows, percentileName, quantile, summarize } from "../../lib/viz/mod.ts";
import { quantileSorted, studentT975 } from "../../lib/viz/stats.ts";

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const level = fc.double({ min: 0, max: 1, noNaN: true });

function close(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${actual} is not close to ${expected}`,
  );
}

Deno.test("quantile interpolates linearly between ranks (NumPy's default)", () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([4, 3, 2, 1], 0.25), 1.75);
  close(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9.1);
  assert.equal(quantile([7], 0.99), 7);
  assert.equal(quantile([5, 1, 9], 0), 1);
  assert.equal(quantile([5, 1, 9], 1), 9);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  // 15/22 * 22 is 14.999999999999998 in floating point; the 16th value must still be exact.
  const ranks = Array.from({ length: 23 }, (_, i) => i * 10);
  assert.equal(quantile(ranks, 15 / 22), 150);
});

Deno.test("quantile rejects levels outside [0, 1] and values that are not finite numbers", () => {
  assert.throws(() => quantile([1, 2], 1.5), RangeError);
  assert.throws(() => quantile([1, 2], -0.1), RangeError);
  assert.throws(() => quantile([1, 2], NaN), /Cannot compute a quantile at level NaN/);
  assert.throws(() => quantile([1, NaN], 0.5), /values\[1\] is NaN, not a finite number/);
  assert.throws(() => quantile([1, "2" as unknown as number], 0.5), TypeError);
});

Deno.test("quantile is monotone in q and stays within the sample's range", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 60 }), level, level, (xs, a, b) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      assert.ok(quantile(xs, lo) <= quantile(xs, hi));
      const q = quantile(xs, lo);
      assert.ok(q >= Math.min(...xs) && q <= Math.max(...xs));
    }),
    { seed: 42, numRuns: 300 },
  );
});

Deno.test("quantile at k/(n-1) is exactly the k-th smallest value, whatever the order", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 2, maxLength: 40 }), fc.nat(), (xs, pick) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const k = pick % xs.length;
      // === rather than Object.is: the order of 0 and -0 is immaterial.
      assert.ok(quantile(xs, k / (xs.length - 1)) === sorted[k]);
      assert.ok(quantile([...xs].reverse(), k / (xs.length - 1)) === sorted[k]);
    }),
    { seed: 7, numRuns: 300 },
  );
});

Deno.test("summarize reports count, mean, sd, extremes and percentiles", () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.n, 8);
  assert.equal(s.mean, 5);
  close(s.sd, Math.sqrt(32 / 7));
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  assert.equal(s.p50, 4.5);
  assert.equal(s.p25, 4);
  close(s.p99, quantile([2, 4, 4, 4, 5, 5, 7, 9], 0.99));
  const one = summarize([3]);
  assert.deepEqual([one.n, one.mean, one.sd, one.p999], [1, 3, 0, 3]);
  const none = summarize([]);
  assert.equal(none.n, 0);
  assert.ok(Number.isNaN(none.mean) && Number.isNaN(none.p50) && Number.isNaN(none.max));
});

Deno.test("summarize percentiles are ordered", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 80 }), (xs) => {
      const s = summarize(xs);
      const chain = [s.min, s.p25, s.p50, s.p75, s.p90, s.p95, s.p99, s.p999, s.max];
      for (let i = 1; i < chain.length; i++) assert.ok(chain[i - 1]! <= chain[i]!);
      assert.ok(s.mean >= s.min - 1e-6 && s.mean <= s.max + 1e-6);
    }),
    { seed: 3, numRuns: 200 },
  );
});

Deno.test("percentileName names levels the way engineers do", () => {
  assert.equal(percentileName(0.5), "p50");
  assert.equal(percentileName(0.99), "p99");
  assert.equal(percentileName(0.999), "p99.9");
  assert.equal(percentileName(0.9999), "p99.99");
  assert.throws(() => percentileName(2), RangeError);
});

Deno.test("ecdfRows gives each group a step curve from 0 to 1", () => {
  const rows = [
    { ms: 3, g: "a" },
    { ms: 1, g: "a" },
    { ms: 2, g: "b" },
    { ms: undefined, g: "b" },
    { ms: 1, g: "a" },
  ];
  assert.deepEqual(ecdfRows(rows, { x: "ms", stroke: "g" }), [
    { group: "a", value: 1, p: 0 },
    { group: "a", value: 1, p: 1 / 3 },
    { group: "a", value: 1, p: 2 / 3 },
    { group: "a", value: 3, p: 1 },
    { group: "b", value: 2, p: 0 },
    { group: "b", value: 2, p: 1 },
  ]);
  assert.deepEqual(ecdfRows([{ v: 5 }], { x: (r) => r.v * 2 }), [
    { group: undefined, value: 10, p: 0 },
    { group: undefined, value: 10, p: 1 },
  ]);
  assert.throws(() => ecdfRows([{ v: NaN }], { x: "v" }), /rows\[0\] has NaN/);
  assert.throws(() => ecdfRows([{ v: 1 }], { x: "v", maxPoints: 1 }), RangeError);
});

Deno.test("ecdfRows with missing: count keeps outcomes that never came in the total", () => {
  // Two of four trials elected a leader: the curve climbs to 1/2, never to 1.
  const rows = [
    { ms: 30, g: "a" },
    { ms: undefined, g: "a" },
    { ms: 10, g: "a" },
    { ms: null, g: "a" },
    { ms: 5, g: "b" },
  ];
  assert.deepEqual(ecdfRows(rows, { x: "ms", stroke: "g", missing: "count" }), [
    { group: "a", value: 10, p: 0 },
    { group: "a", value: 10, p: 1 / 4 },
    { group: "a", value: 30, p: 2 / 4 },
    { group: "b", value: 5, p: 0 },
    { group: "b", value: 5, p: 1 },
  ]);
  // The default leaves them out of the sample.
  assert.equal(ecdfRows(rows, { x: "ms", stroke: "g" }).at(2)?.p, 1);
});

Deno.test("ecdfRows thinning moves the curve by less than 1/(maxPoints - 1)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 50, maxLength: 400 }),
      fc.integer({ min: 2, max: 40 }),
      (values, maxPoints) => {
        const rows = values.map((v) => ({ v }));
        const points = ecdfRows(rows, { x: "v", maxPoints });
        assert.ok(points.length <= maxPoints + 1);
        assert.equal(points.at(-1)?.p, 1);
        const sorted = [...values].sort((a, b) => a - b);
        for (const x of new Set(values)) {
          const exact = sorted.filter((v) => v <= x).length / values.length;
          const drawn = Math.max(0, ...points.filter((p) => p.value <= x).map((p) => p.p));
          assert.ok(drawn <= exact + 1e-12, `drawn ${drawn} above exact ${exact}`);
          assert.ok(exact - drawn < 1 / (maxPoints - 1) + 1e-12, `off by ${exact - drawn}`);
        }
      },
    ),
    { seed: 5, numRuns: 150 },
  );
});

Deno.test("bandRows summarises y per x and group with the chosen band", () => {
  const rows = [
    { x: 2, y: 10, s: "a" },
    { x: 1, y: 1, s: "a" },
    { x: 2, y: 14, s: "a" },
    { x: 1, y: 3, s: "a" },
    { x: 1, y: 100, s: "b" },
    { x: 1, y: null, s: "b" },
  ];
  const minmax = bandRows(rows, { x: "x", y: "y", stroke: "s" });
  assert.deepEqual(
    minmax.map((r) => [r.group, r.x, r.n, r.mean, r.lo, r.hi]),
    [["a", 1, 2, 2, 1, 3], ["a", 2, 2, 12, 10, 14], ["b", 1, 1, 100, 100, 100]],
  );
  const ci = bandRows(rows, { x: "x", y: "y", stroke: "s", band: "ci95" });
  // n = 2: half-width = t(1) · sd / √2 = 12.706 · √8 / √2.
  close(ci[1]!.hi, 12 + 12.706 * 2);
  close(ci[1]!.lo, 12 - 12.706 * 2);
  assert.equal(ci[2]!.lo, 100, "one run has no interval");
  const iqr = bandRows([1, 2, 3, 4, 5].map((y) => ({ x: "k", y })), {
    x: "x",
    y: "y",
    band: "iqr",
  });
  assert.deepEqual([iqr[0]!.lo, iqr[0]!.hi, iqr[0]!.median], [2, 4, 3]);
  const none = bandRows(rows, { x: "x", y: "y", band: false });
  assert.ok(none.every((r) => r.lo === r.mean && r.hi === r.mean));
});

Deno.test("bandRows orders numeric x ascending and other x by first appearance", () => {
  const numeric = bandRows([{ x: 10, y: 1 }, { x: 2, y: 1 }, { x: 5, y: 1 }], { x: "x", y: "y" });
  assert.deepEqual(numeric.map((r) => r.x), [2, 5, 10]);
  const named = bandRows([{ x: "raft", y: 1 }, { x: "paxos", y: 1 }], { x: "x", y: "y" });
  assert.deepEqual(named.map((r) => r.x), ["raft", "paxos"]);
});

Deno.test("bandRows rejects bad bands and bad values with the row that holds them", () => {
  assert.throws(
    () => bandRows([], { x: "x", y: "y", band: "sd" as never }),
    /Cannot summarise a band "sd"/,
  );
  assert.throws(() => bandRows([{ x: 1, y: "slow" }], { x: "x", y: "y" }), /rows\[0\] has "slow"/);
  assert.throws(
    () => bandRows([{ x: {}, y: 1 }], { x: "x", y: "y" }),
    /x must be a number or a string/,
  );
});

Deno.test("studentT975 matches the table and tends to the normal quantile", () => {
  assert.equal(studentT975(1), 12.706);
  assert.equal(studentT975(4), 2.776);
  assert.equal(studentT975(30), 2.042);
  close(studentT975(31), 2.0395, 1e-4);
  close(studentT975(120), 1.9799, 1e-4);
  assert.ok(studentT975(31) < studentT975(30));
  assert.ok(studentT975(100000) > 1.959 && studentT975(100000) < 1.961);
  assert.throws(() => studentT975(0), RangeError);
});

Deno.test("quantileSorted agrees with quantile on sorted input", () => {
  fc.assert(
    fc.property(fc.array(finite, { minLength: 1, maxLength: 50 }), level, (xs, q) => {
      const sorted = Float64Array.from(xs).sort();
      assert.equal(quantileSorted(sorted, q), quantile(xs, q));
    }),
    { seed: 9, numRuns: 200 },
  );
});
