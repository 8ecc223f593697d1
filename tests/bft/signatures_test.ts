import assert from "node:assert/strict";
import fc from "fast-check";
import { canonical, digestText, forge, KeyRing } from "../../lib/bft/mod.ts";
import { Random } from "../../lib/sim/mod.ts";

const ring = () => new KeyRing(["r0", "r1", "r2"], new Random(7).child("keys"));

Deno.test("KeyRing: a node's signature verifies, and names it", () => {
  const keys = ring();
  const signed = keys.signer("r1").sign({ type: "Prepare", view: 0, seq: 3, digest: "d" });
  assert.equal(signed.sig.by, "r1");
  assert.ok(keys.verifier.verify(signed));
});

Deno.test("KeyRing: any change to a signed message fails verification", () => {
  const keys = ring();
  fc.assert(
    fc.property(fc.nat(100), fc.nat(100), fc.string(), (seq, other, digest) => {
      fc.pre(seq !== other);
      const signed = keys.signer("r0").sign({ type: "Commit", seq, digest });
      assert.ok(keys.verifier.verify(signed));
      assert.equal(keys.verifier.verify({ ...signed, seq: other }), false);
      assert.equal(keys.verifier.verify({ ...signed, sig: { ...signed.sig, by: "r2" } }), false);
    }),
  );
});

Deno.test("KeyRing: a Byzantine node cannot forge another's signature with its own key", () => {
  const keys = ring();
  const forged = forge(keys.signer("r0"), { type: "Prepare", seq: 1, from: "r1" }, "r1");
  assert.equal(forged.sig.by, "r1");
  assert.equal(keys.verifier.verify(forged), false);
  // The same keys from another seed do not verify either: keys come from the seed.
  const other = new KeyRing(["r0", "r1", "r2"], new Random(8).child("keys"));
  const signed = keys.signer("r1").sign({ type: "Prepare", seq: 1 });
  assert.equal(other.verifier.verify(signed), false);
});

Deno.test("KeyRing: a missing or unknown signature fails, and signing for a stranger throws", () => {
  const keys = ring();
  assert.equal(keys.verifier.verify({}), false);
  assert.equal(keys.verifier.verify({ sig: { by: "x9", mac: "00" } }), false);
  assert.throws(() => keys.signer("x9"), /Cannot make a signer for x9: it has no key/);
});

Deno.test("canonical: the same content in any field order gives the same text", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string())), (record) => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      assert.equal(canonical(record), canonical(reversed));
      assert.equal(digestText(canonical(record)), digestText(canonical(reversed)));
    }),
  );
});
