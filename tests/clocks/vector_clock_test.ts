import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareVectors,
  decodeVector,
  encodeVector,
  formatVector,
  mergeVectors,
  VectorClock,
  type VectorTimestamp,
} from "../../lib/clocks/mod.ts";

const IDS = ["n1", "n2", "n3", "n4"];
const vector = fc.dictionary(fc.constantFrom(...IDS), fc.nat({ max: 5 }), { maxKeys: 4 });

Deno.test("VectorClock counts its own events and merges on receipt (Fidge 1988, Mattern 1989)", () => {
  const n1 = new VectorClock("n1"), n2 = new VectorClock("n2");
  assert.deepEqual(n1.tick(), { n1: 1 });
  const sent = n1.send();
  assert.deepEqual(sent, { n1: 2 });
  assert.deepEqual(n2.tick(), { n2: 1 });
  assert.deepEqual(n2.receive(sent), { n2: 2, n1: 2 });
  assert.equal(n2.get("n1"), 2);
  assert.equal(n2.get("n3"), 0);
  assert.equal(n2.compare(sent), "after");
});

Deno.test("VectorClock.merge takes the entrywise maximum without counting an event", () => {
  const clock = new VectorClock("n2", { n1: 3, n2: 1 });
  assert.deepEqual(clock.merge({ n1: 1, n3: 4 }), { n1: 3, n2: 1, n3: 4 });
});

Deno.test("VectorClock timestamps are frozen snapshots that later events do not change", () => {
  const clock = new VectorClock("n1");
  const first = clock.tick();
  clock.tick();
  assert.deepEqual(first, { n1: 1 });
  assert.ok(Object.isFrozen(first));
});

Deno.test("compareVectors gives before, after, equal and concurrent", () => {
  assert.equal(compareVectors({ n1: 1 }, { n1: 1, n2: 1 }), "before");
  assert.equal(compareVectors({ n1: 2, n2: 1 }, { n1: 1 }), "after");
  assert.equal(compareVectors({ n1: 2 }, { n1: 2, n2: 0 }), "equal");
  assert.equal(compareVectors({}, {}), "equal");
  assert.equal(compareVectors({ n1: 2 }, { n2: 1 }), "concurrent");
  assert.equal(compareVectors({ n1: 2, n2: 1 }, { n1: 1, n2: 2 }), "concurrent");
});

Deno.test("compareVectors matches the entrywise definition on random vectors", () => {
  fc.assert(
    fc.property(vector, vector, (a, b) => {
      const le = IDS.every((id) => (a[id] ?? 0) <= (b[id] ?? 0));
      const ge = IDS.every((id) => (a[id] ?? 0) >= (b[id] ?? 0));
      const expected = le && ge ? "equal" : le ? "before" : ge ? "after" : "concurrent";
      return compareVectors(a, b) === expected;
    }),
    { seed: 2, numRuns: 500 },
  );
});

Deno.test("mergeVectors is commutative, associative, idempotent and an upper bound", () => {
  const same = (a: VectorTimestamp, b: VectorTimestamp) => compareVectors(a, b) === "equal";
  fc.assert(
    fc.property(vector, vector, vector, (a, b, c) => {
      const ab = mergeVectors(a, b);
      return same(ab, mergeVectors(b, a)) &&
        same(mergeVectors(ab, c), mergeVectors(a, mergeVectors(b, c))) &&
        same(mergeVectors(a, a), a) &&
        ["before", "equal"].includes(compareVectors(a, ab)) &&
        ["before", "equal"].includes(compareVectors(b, ab));
    }),
    { seed: 3, numRuns: 300 },
  );
});

Deno.test("formatVector prints the dense form in node order, or the sparse form", () => {
  assert.equal(formatVector({ n1: 2, n3: 1 }, ["n1", "n2", "n3"]), "[2,0,1]");
  assert.equal(formatVector({ n1: 2, n3: 1, n2: 0 }), "{n1:2, n3:1}");
  assert.throws(() => formatVector({ n9: 1 }, ["n1"]), RangeError);
});

Deno.test("encodeVector round-trips through decodeVector and takes 1 + 2 bytes per entry for small counts", () => {
  assert.deepEqual([...encodeVector({ n1: 2, n3: 1 }, ["n1", "n2", "n3"])], [2, 0, 2, 2, 1]);
  assert.equal(encodeVector({}, IDS).length, 1);
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...IDS), fc.nat({ max: 1e9 })), (stamp) => {
      const decoded = decodeVector(encodeVector(stamp, IDS), IDS);
      return compareVectors(decoded, stamp) === "equal";
    }),
    { seed: 4, numRuns: 300 },
  );
});

Deno.test("decodeVector rejects truncated bytes, unknown indices and leftovers", () => {
  assert.throws(() => decodeVector(Uint8Array.from([1, 0]), IDS), RangeError);
  assert.throws(() => decodeVector(Uint8Array.from([1, 9, 1]), IDS), /node index 9/);
  assert.throws(() => decodeVector(Uint8Array.from([0, 5]), IDS), /left over/);
});

Deno.test("vector timestamps with bad entries are refused with the entry's name", () => {
  assert.throws(
    () => compareVectors({ n1: -1 }, {}),
    new RangeError(
      "Cannot compare a vector timestamp: the entry of n1 must be a whole number at least 0, got -1",
    ),
  );
  assert.throws(() => new VectorClock("n1").receive(null as unknown as VectorTimestamp), TypeError);
  assert.throws(() => new VectorClock(""), TypeError);
});
