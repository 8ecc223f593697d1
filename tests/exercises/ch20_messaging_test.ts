import assert from "node:assert/strict";
import { checkIdempotentConsumer } from "../../lib/exercises/mod.ts";
import { creditPayment, creditPaymentOnce, type Transaction } from "../../lib/messaging/mod.ts";

Deno.test("the idempotent consumer passes the check", () => {
  const result = checkIdempotentConsumer(creditPaymentOnce);
  assert.equal(result.passed, true, String(result));
  assert.match(String(result), /50 runs/);
});

Deno.test("a consumer that credits every delivery fails, with the run that shows it", () => {
  const result = checkIdempotentConsumer(creditPayment, { seeds: 20 });
  assert.equal(result.passed, false);
  assert.match(String(result), /credited more than once/);
});

Deno.test("a consumer that checks a marker it never writes, or marks without crediting, fails", () => {
  // Checking the marker but never writing it: every redelivery credits again.
  const forgetful = (item: Parameters<typeof creditPayment>[0], tx: Transaction) => {
    if (tx.get(`seen:${item.id}`) === true) return;
    creditPayment(item, tx);
  };
  assert.equal(checkIdempotentConsumer(forgetful, { seeds: 20 }).passed, false);
  // Marking the id but crediting nothing loses every payment.
  const marker = (item: Parameters<typeof creditPayment>[0], tx: Transaction) =>
    tx.set(`seen:${item.id}`, true);
  const lost = checkIdempotentConsumer(marker, { seeds: 5 });
  assert.equal(lost.passed, false);
  assert.match(String(lost), /never credited/);
});

Deno.test("a handler that throws or is not a function fails without throwing", () => {
  assert.equal(checkIdempotentConsumer(42 as never).passed, false);
  assert.equal(
    checkIdempotentConsumer(() => {
      throw new Error("boom");
    }, { seeds: 2 }).passed,
    false,
  );
});
