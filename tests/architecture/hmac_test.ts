/**
 * The synchronous SHA-256 and HMAC-SHA-256 against Web Crypto: the RFC 4231 test cases,
 * and random keys and messages of every length around the block boundaries.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { constantTimeEqual, hmacSha256, sha256, toHex } from "../../lib/architecture/hmac.ts";

const text = new TextEncoder();

function bytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

async function subtleHmac(key: Uint8Array, message: Uint8Array): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", k, new Uint8Array(message))));
}

Deno.test("sha256 matches the FIPS 180-4 examples", () => {
  assert.equal(
    toHex(sha256(text.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    toHex(sha256(text.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("hmacSha256 matches the RFC 4231 test cases", () => {
  const cases: [Uint8Array, Uint8Array, string][] = [
    [
      bytes("0b".repeat(20)),
      text.encode("Hi There"),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    ],
    [
      text.encode("Jefe"),
      text.encode("what do ya want for nothing?"),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      bytes("aa".repeat(20)),
      bytes("dd".repeat(50)),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ],
    [
      bytes("aa".repeat(131)),
      text.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
  ];
  for (const [key, message, expected] of cases) {
    assert.equal(toHex(hmacSha256(key, message)), expected);
  }
});

Deno.test("hmacSha256 agrees with crypto.subtle on random keys and messages", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 140 }),
      fc.uint8Array({ maxLength: 200 }),
      async (key, message) => {
        assert.equal(toHex(hmacSha256(key, message)), await subtleHmac(key, message));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("constantTimeEqual compares whole strings", () => {
  assert.ok(constantTimeEqual("abc", "abc"));
  assert.ok(!constantTimeEqual("abc", "abd"));
  assert.ok(!constantTimeEqual("abc", "ab"));
  assert.ok(!constantTimeEqual("", "a"));
});
