/** The chapter 19 self-checks accept the reference answers and refuse the usual wrong ones. */
import assert from "node:assert/strict";
import {
  acceptAll,
  chandyLamportMarkerRule,
  fenceByToken,
  type FencingRule,
  type MarkerRule,
} from "../../lib/coordination/mod.ts";
import { checkFencingRule, checkMarkerRule } from "../../lib/exercises/mod.ts";

Deno.test("checkFencingRule accepts fencing by token and refuses no fencing or a too strict rule", () => {
  assert.equal(checkFencingRule(fenceByToken, { seeds: 30 }).passed, true);
  const none = checkFencingRule(acceptAll, { seeds: 30 });
  assert.equal(none.passed, false);
  assert.match(String(none), /accepted c\d's (read|write) with token/);
  const strict: FencingRule = (highest, token) => token > highest;
  const stalled = checkFencingRule(strict, { seeds: 30 });
  assert.equal(stalled.passed, false);
  assert.match(String(stalled), /accept a token equal/);
  assert.equal(checkFencingRule(42 as unknown as FencingRule).passed, false);
  const throws: FencingRule = () => {
    throw new Error("boom");
  };
  assert.match(String(checkFencingRule(throws, { seeds: 2 })), /Run 1 threw: .*boom/);
});

Deno.test("checkMarkerRule accepts Chandy-Lamport's rule and refuses rules that lose or never record", () => {
  assert.equal(checkMarkerRule(chandyLamportMarkerRule, { seeds: 50 }).passed, true);
  const noChannels: MarkerRule = (arrival) => ({ recordState: !arrival.recorded, channelState: 0 });
  const lost = checkMarkerRule(noChannels, { seeds: 50 });
  assert.equal(lost.passed, false);
  assert.match(String(lost), /missed it/);
  const never: MarkerRule = () => ({ recordState: false, channelState: 0 });
  assert.match(String(checkMarkerRule(never, { seeds: 5 })), /never completed/);
  const double: MarkerRule = (arrival) => ({
    recordState: !arrival.recorded,
    channelState: 2 * arrival.arrivedSinceRecording,
  });
  assert.match(String(checkMarkerRule(double, { seeds: 50 })), /counted twice/);
});
