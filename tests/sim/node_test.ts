import assert from "node:assert/strict";
import fc from "fast-check";
import { MemoryStorage } from "../../lib/sim/mod.ts";
import { copyValue } from "../../lib/sim/node.ts";

Deno.test("copyValue copies plain data exactly as structuredClone does", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.deepStrictEqual(copyValue(value), structuredClone(value));
    }),
  );
});

Deno.test("copyValue shares nothing with the original, however deep", () => {
  let deep: Record<string, unknown> = { leaf: [1, { n: 2 }] };
  for (let i = 0; i < 50; i++) deep = { inner: deep, list: [i] };
  const copy = copyValue(deep);
  assert.deepStrictEqual(copy, deep);
  let original: Record<string, unknown> = deep, copied: Record<string, unknown> = copy;
  while (original.inner !== undefined) {
    assert.notEqual(copied, original);
    assert.notEqual(copied.list, original.list);
    original = original.inner as Record<string, unknown>;
    copied = copied.inner as Record<string, unknown>;
  }
});

Deno.test("copyValue hands Maps, Dates, typed arrays and cycles to structuredClone", () => {
  const cyclic: Record<string, unknown> = { name: "a" };
  cyclic.self = cyclic;
  const value = {
    map: new Map([["k", { v: 1 }]]),
    date: new Date(0),
    bytes: new Uint8Array([1, 2, 3]),
    cyclic,
  };
  const copy = copyValue(value);
  assert.deepStrictEqual(copy.map, value.map);
  assert.notEqual(copy.map, value.map);
  assert.ok(copy.date instanceof Date && copy.date.getTime() === 0);
  assert.deepStrictEqual([...copy.bytes], [1, 2, 3]);
  assert.equal((copy.cyclic as Record<string, unknown>).self, copy.cyclic);
  assert.throws(() => copyValue({ f: () => 1 }), { name: "DataCloneError" });
});

Deno.test("MemoryStorage keeps a copy: changing a value after set or get changes nothing stored", () => {
  const storage = new MemoryStorage();
  const log = [{ term: 1, command: { key: "x" } }];
  storage.set("log", log);
  log[0]!.command.key = "changed";
  const read = storage.get<typeof log>("log")!;
  assert.equal(read[0]!.command.key, "x");
  read[0]!.term = 9;
  assert.equal(storage.get<typeof log>("log")![0]!.term, 1);
  assert.equal(storage.writeCount, 1);
});

Deno.test("copyValue keeps a field named __proto__ as a field", () => {
  const value = JSON.parse('{"__proto__": {"x": 1}, "y": 2}');
  const copy = copyValue(value);
  assert.deepStrictEqual(Object.keys(copy), ["__proto__", "y"]);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
});
