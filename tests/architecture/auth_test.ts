/**
 * Signed service calls under attack: over 1,000 seeds of skewed, drifting clocks and key
 * rotation, no forged, replayed or tampered request is accepted and no honest one is
 * refused; a receiver that ignores timestamps is caught within a few seeds.
 */
import assert from "node:assert/strict";
import {
  authAttacks,
  authTrial,
  checkFreshness,
  KeyAuthority,
  type NonceCache,
  signRequest,
} from "../../lib/architecture/mod.ts";
import { caughtWithin, describeFailures, faultSweep } from "../../lib/testing/mod.ts";

Deno.test("auth-attacks: 1,000 seeds, every attack refused, no honest call refused for its clock or key", () => {
  const sweep = faultSweep(authTrial, {
    seeds: 1_000,
    profiles: {
      "skewed clocks": { maxClockOffsetMs: 180 },
      "fast rotation": { rotationMs: 300, maxDriftPpm: 5_000 },
    },
    params: { runMs: 800, meanGapMs: 40, maxReplayDelayMs: 1_000, windowMs: 400 },
  });
  assert.equal(sweep.failures.length, 0, describeFailures(sweep.failures));
  assert.equal(sweep.trials, 1_000);
  const attacks = sweep.rows.reduce((sum, row) => sum + row.attacks, 0);
  const refusedLegit = sweep.rows.reduce((sum, row) => sum + row.legitRefused, 0);
  assert.equal(refusedLegit, 0);
  // A replay sent at once can overtake its original; then the copy takes the original's
  // place (the invariant saw it accepted once) and only the caller's answer is lost.
  const overtaken = sweep.rows.reduce((sum, row) => sum + row.legitOvertaken, 0);
  const honest = sweep.rows.reduce((sum, row) => sum + row.legitSent, 0);
  assert.ok(overtaken < honest / 1_000, `${overtaken} of ${honest} overtaken`);
  // Teeth: in most seeds every check refuses something (replays past the window included).
  assert.ok(attacks > 50_000, `${attacks} attacks`);
  for (
    const field of [
      "badSignature",
      "unknownKey",
      "staleTimestamp",
      "replayedNonce",
      "forbidden",
    ] as const
  ) {
    const seeds = sweep.rows.filter((row) => row[field] > 0).length;
    assert.ok(seeds >= 800, `${field} refused in ${seeds} seeds`);
  }
});

Deno.test("a receiver that ignores timestamps accepts a replay within 10 seeds", () => {
  const failure = caughtWithin(authTrial, 10, { params: { ignoreTimestamp: true } });
  assert.equal(failure.invariant, "only requests sent by their caller are accepted, once");
  assert.match(failure.message, /a replay/);
});

Deno.test("a window narrower than the clocks' spread refuses honest calls", () => {
  const [row] = authAttacks.run({ windowMs: 20, maxClockOffsetMs: 200 }, 1);
  assert.ok(row!.legitRefused > 0);
  assert.equal(row!.attacksAccepted, 0);
});

Deno.test("checkFreshness refuses stale timestamps and seen nonces, forgets old nonces", () => {
  const seen: NonceCache = new Map();
  assert.equal(checkFreshness({ timestampMs: 1_000, nonce: "a" }, 1_100, seen, 500), undefined);
  assert.equal(
    checkFreshness({ timestampMs: 1_000, nonce: "a" }, 1_200, seen, 500),
    "replayed-nonce",
  );
  assert.equal(
    checkFreshness({ timestampMs: 1_000, nonce: "b" }, 1_600, seen, 500),
    "stale-timestamp",
  );
  assert.equal(
    checkFreshness({ timestampMs: 2_000, nonce: "c" }, 1_600, seen, 500),
    undefined,
    "a timestamp slightly ahead (a fast clock) is fresh",
  );
  assert.ok(!seen.has("a"), "nonce a pruned once its timestamp is out of the window");
});

Deno.test("signRequest: the signature covers every field, and matches Web Crypto", async () => {
  const keys = new KeyAuthority(5, { rotationMs: 1_000 });
  const fields = {
    caller: "orders",
    target: "payments",
    method: "charge",
    body: "amount=5",
    timestampMs: 10,
    nonce: "00",
    keyId: "orders:v1",
  };
  const signed = signRequest(fields, keys.key("orders", 1));
  for (const [field, value] of Object.entries(fields)) {
    const changed = signRequest({ ...fields, [field]: `${value}x` }, keys.key("orders", 1));
    assert.notEqual(changed.signature, signed.signature, field);
  }
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(keys.key("orders", 1)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const canonical = new TextEncoder().encode(Object.values(fields).join("\n"));
  const signature = new Uint8Array(signed.signature.match(/../g)!.map((h) => parseInt(h, 16)));
  assert.ok(await crypto.subtle.verify("HMAC", key, signature, canonical));
});

Deno.test("KeyAuthority: keys differ per service and version, and repeat per seed", () => {
  const a = new KeyAuthority(1, { rotationMs: 100 });
  const b = new KeyAuthority(1, { rotationMs: 100 });
  assert.deepEqual(a.key("orders", 2), b.key("orders", 2));
  assert.notDeepEqual(a.key("orders", 2), a.key("orders", 3));
  assert.notDeepEqual(a.key("orders", 2), a.key("inventory", 2));
  assert.notDeepEqual(
    a.key("orders", 2),
    new KeyAuthority(2, { rotationMs: 100 }).key("orders", 2),
  );
});
