/** The chapter 14 self-check accepts idempotent refunds and refuses the usual wrong ones. */
import assert from "node:assert/strict";
import { checkRefundRule } from "../../lib/exercises/mod.ts";
import {
  type RefundBook,
  refundEveryTime,
  refundOncePerKey,
  type RefundRule,
} from "../../lib/transactions/mod.ts";

Deno.test("checkRefundRule accepts a refund once per key, or once per charge", () => {
  assert.equal(checkRefundRule(refundOncePerKey, { seeds: 60 }).passed, true);
  // Idempotent by state rather than by key: refund only what is still charged.
  const byState: RefundRule = (book: RefundBook) => {
    if (book.refunds < book.charges) book.refund();
  };
  assert.equal(checkRefundRule(byState, { seeds: 60 }).passed, true);
});

Deno.test("checkRefundRule refuses refunding every time, never refunding, a throw and a non-function", () => {
  const twice = checkRefundRule(refundEveryTime, { seeds: 60 });
  assert.equal(twice.passed, false);
  assert.match(String(twice), /refunded twice/);
  const never = checkRefundRule(() => {}, { seeds: 60 });
  assert.equal(never.passed, false);
  assert.match(String(never), /still charged/);
  const throws = checkRefundRule(() => {
    throw new Error("boom");
  }, { seeds: 5 });
  assert.equal(throws.passed, false);
  assert.match(String(throws), /threw.*boom/);
  assert.match(String(checkRefundRule(42 as unknown as RefundRule)), /Expected a function/);
});
