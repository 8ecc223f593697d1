import assert from "node:assert/strict";
import {
  checkConsistency,
  findSeparatingHistory,
  randomHistory,
  SESSION_GUARANTEES,
} from "../../lib/check/mod.ts";
import { pairOperations } from "../../lib/history/mod.ts";
import { Random } from "../../lib/sim/mod.ts";

Deno.test("randomHistory is deterministic, serial, and writes each value once", () => {
  const a = randomHistory(new Random(5), { maxOperations: 10, keys: 3 });
  const b = randomHistory(new Random(5), { maxOperations: 10, keys: 3 });
  assert.deepEqual(a, b);
  const pairs = pairOperations(a);
  for (let i = 1; i < pairs.length; i++) {
    assert.ok(
      pairs[i]!.invokeIndex > pairs[i - 1]!.completeIndex!,
      "operations follow one another",
    );
  }
  const written = pairs.filter((p) => p.f === "write").map((p) => `${p.key}=${p.value}`);
  assert.equal(new Set(written).size, written.length);
  assert.throws(() => randomHistory(new Random(1), { keys: 0 }), /keys must be between 1/);
});

Deno.test("findSeparatingHistory finds the classic separations, and none the wrong way round", () => {
  const cases = [
    { holds: ["sequential" as const], breaks: "linearizable" as const },
    { holds: ["causal" as const], breaks: "sequential" as const },
    { holds: [...SESSION_GUARANTEES], breaks: "session-guarantees" as const },
  ];
  for (const { holds, breaks } of cases) {
    const found = findSeparatingHistory({ holds, breaks, tries: 1500 });
    assert.ok(found !== undefined, `${holds} / ${breaks}`);
    for (const model of holds) assert.equal(checkConsistency(found.history, model).valid, true);
    assert.equal(checkConsistency(found.history, breaks).valid, false);
  }
  // A stronger model never holds where a weaker one breaks.
  assert.equal(
    findSeparatingHistory({ holds: ["linearizable"], breaks: "causal", tries: 500 }),
    undefined,
  );
});
