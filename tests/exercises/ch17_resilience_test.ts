import assert from "node:assert/strict";
import {
  checkHalfOpenRule,
  checkRetryPolicy,
  referenceHalfOpenRule,
  referenceRetryPolicy,
} from "../../lib/exercises/mod.ts";
import type { HalfOpenRule } from "../../lib/resilience/mod.ts";

Deno.test("checkHalfOpenRule passes the reference rule", () => {
  const result = checkHalfOpenRule(referenceHalfOpenRule);
  assert.equal(result.passed, true, String(result));
});

const WRONG_RULES: readonly [string, HalfOpenRule, RegExp][] = [
  [
    "lets every call through",
    { allow: () => true, afterProbe: (ok) => (ok ? "closed" : "open") },
    /probes out at once/,
  ],
  ["never closes", { allow: (n) => n === 0, afterProbe: () => "open" }, /still open/],
  [
    "closes on a failed probe",
    { allow: (n) => n === 0, afterProbe: () => "closed" },
    /failed probe closed/,
  ],
  [
    "lets two probes through",
    { allow: (n) => n < 2, afterProbe: (ok) => (ok ? "closed" : "open") },
    /probes out at once/,
  ],
];

for (const [name, rule, why] of WRONG_RULES) {
  Deno.test(`checkHalfOpenRule catches a rule that ${name}`, () => {
    const result = checkHalfOpenRule(rule);
    assert.equal(result.passed, false);
    assert.match(result.details.join("\n"), why);
  });
}

Deno.test("checkHalfOpenRule never throws for a broken answer", () => {
  const throwing: HalfOpenRule = {
    allow: () => {
      throw new Error("not written yet");
    },
    afterProbe: () => "open",
  };
  assert.match(String(checkHalfOpenRule(throwing)), /threw: not written yet/);
  assert.match(
    String(checkHalfOpenRule(undefined as unknown as HalfOpenRule)),
    /Expected an object/,
  );
});

Deno.test("checkRetryPolicy passes the reference policy", () => {
  const result = checkRetryPolicy(referenceRetryPolicy);
  assert.equal(result.passed, true, String(result));
});

Deno.test("checkRetryPolicy catches a retry storm, and a policy that does not retry", () => {
  const storm = checkRetryPolicy({ maxRetries: 3 });
  assert.equal(storm.passed, false);
  assert.match(storm.details.join("\n"), /✗ From 6 s on/);
  const none = checkRetryPolicy({ maxRetries: 0 });
  assert.equal(none.passed, false);
  assert.match(none.details.join("\n"), /✗ Before the spike/);
});

Deno.test("checkRetryPolicy reports an invalid policy instead of throwing", () => {
  assert.match(String(checkRetryPolicy({ maxRetries: -1 })), /maxRetries/);
  assert.match(String(checkRetryPolicy({ maxRetries: 1, backoff: "linear" as "full" })), /backoff/);
});
