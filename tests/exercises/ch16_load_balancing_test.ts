import assert from "node:assert/strict";
import { powerOfChoices, shortestQueue } from "../../lib/balancing/mod.ts";
import { checkStalePolicy, referenceStalePolicy } from "../../lib/exercises/mod.ts";

Deno.test("checkStalePolicy passes the power of two choices", () => {
  const result = checkStalePolicy(referenceStalePolicy);
  assert.equal(result.passed, true, String(result));
});

Deno.test("checkStalePolicy catches least connections (herding) and random (blind)", () => {
  assert.equal(checkStalePolicy(() => shortestQueue).passed, false);
  const random = checkStalePolicy(() => (view, r) => Math.floor(r.next() * view.length));
  assert.equal(random.passed, false);
  assert.ok(random.details.some((line) => line.startsWith("✗ yours") && line.includes("random")));
  // A two-choice policy that compares a server with itself is random in disguise.
  assert.equal(checkStalePolicy(() => powerOfChoices(100, 2, true)).passed, false);
});

Deno.test("checkStalePolicy never throws for an unfinished or broken answer", () => {
  assert.equal(checkStalePolicy(() => () => -1).passed, false);
  assert.equal(checkStalePolicy(() => undefined as never).passed, false);
  assert.equal(checkStalePolicy("p2c" as never).passed, false);
});
