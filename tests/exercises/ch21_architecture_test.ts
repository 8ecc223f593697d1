/** The chapter 21 self-check accepts the reference replay check and refuses the usual wrong ones. */
import assert from "node:assert/strict";
import {
  checkFreshness,
  checkNonceOnly,
  type FreshnessCheck,
  pruneNonces,
} from "../../lib/architecture/mod.ts";
import { checkReplayCheck } from "../../lib/exercises/mod.ts";

Deno.test("checkReplayCheck accepts the reference check", () => {
  assert.equal(checkReplayCheck(checkFreshness, { seeds: 10 }).passed, true);
});

Deno.test("checkReplayCheck refuses a check that ignores timestamps: a late replay gets in", () => {
  const result = checkReplayCheck(checkNonceOnly, { seeds: 10 });
  assert.equal(result.passed, false);
  assert.match(String(result), /accepted a replay/);
});

Deno.test("checkReplayCheck refuses a one-sided window and a cache that never forgets", () => {
  const oneSided: FreshnessCheck = (request, nowMs, seen, windowMs) => {
    pruneNonces(seen, nowMs, windowMs);
    if (nowMs - request.timestampMs > windowMs || request.timestampMs > nowMs) {
      return "stale-timestamp";
    }
    if (seen.has(request.nonce)) return "replayed-nonce";
    seen.set(request.nonce, request.timestampMs);
    return undefined;
  };
  assert.match(String(checkReplayCheck(oneSided, { seeds: 5 })), /absolute difference/);
  const hoarder: FreshnessCheck = (request, nowMs, seen, windowMs) => {
    if (Math.abs(nowMs - request.timestampMs) > windowMs) return "stale-timestamp";
    if (seen.has(request.nonce)) return "replayed-nonce";
    seen.set(request.nonce, request.timestampMs);
    return undefined;
  };
  assert.match(String(checkReplayCheck(hoarder, { seeds: 5 })), /nonce cache grew/);
});

Deno.test("checkReplayCheck reports a check that throws or is not a function", () => {
  const throws: FreshnessCheck = () => {
    throw new Error("boom");
  };
  assert.match(String(checkReplayCheck(throws, { seeds: 1 })), /Run 1 threw: .*boom/);
  assert.equal(checkReplayCheck(7 as unknown as FreshnessCheck).passed, false);
});
