/** The chapter 22 self-check accepts a fix that holds and refuses the usual wrong ones. */
import assert from "node:assert/strict";
import { checkGameDayFix, type GameDayFix } from "../../lib/exercises/mod.ts";

Deno.test("checkGameDayFix accepts two retries to another instance", () => {
  assert.equal(checkGameDayFix({ retries: 2, callTimeoutMs: 30 }).passed, true);
});

Deno.test("checkGameDayFix refuses too few retries, a retry storm and a hair-trigger timeout", () => {
  const none = checkGameDayFix({ retries: 0, callTimeoutMs: 30 }, { seeds: 5 });
  assert.equal(none.passed, false);
  assert.match(String(none), /windows? below 95%/);
  assert.match(String(checkGameDayFix({ retries: 5, callTimeoutMs: 30 })), /retry storm/);
  assert.match(String(checkGameDayFix({ retries: 2, callTimeoutMs: 5 })), /at least 25 ms/);
  assert.equal(checkGameDayFix({ retries: 1.5, callTimeoutMs: 30 }).passed, false);
  assert.equal(checkGameDayFix(undefined as unknown as GameDayFix).passed, false);
});
