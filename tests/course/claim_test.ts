import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Claim,
  claim,
  ClaimError,
  ClaimList,
  claims,
  formatEvidence,
} from "../../lib/course/mod.ts";

/** What the Deno kernel calls to show a value: its MIME bundle. */
function bundleOf(value: object): Record<string, string> {
  const method = (value as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  assert.equal(typeof method, "function");
  return method!.call(value);
}

Deno.test("claim returns a ✓ line with its evidence when the condition holds", () => {
  const result = claim("The p99 is far above the mean", true, { p99Ms: 54.0712, meanMs: 10 });
  assert.ok(result instanceof Claim);
  assert.equal(result.text, "The p99 is far above the mean");
  assert.equal(result.evidence, "p99Ms = 54.07, meanMs = 10");
  assert.equal(String(result), "✓ The p99 is far above the mean\n    p99Ms = 54.07, meanMs = 10");
});

Deno.test("claim shows in Jupyter as HTML and plain text", () => {
  const bundle = bundleOf(claim("Crashes give no wrong answers", true, "0 wrong of 200"));
  assert.equal(bundle["text/plain"], "✓ Crashes give no wrong answers\n    0 wrong of 200");
  assert.match(bundle["text/html"]!, /^<div class="course-claim"/);
  assert.match(bundle["text/html"]!, /✓<\/span> <span[^>]*>Crashes give no wrong answers<\/span>/);
  assert.match(bundle["text/html"]!, /0 wrong of 200/);
});

Deno.test("claim throws a ClaimError naming the claim and the evidence when it fails", () => {
  assert.throws(
    () => claim("The p99 grows with k", false, { p99Ms: [105, 99] }),
    (error: unknown) => {
      assert.ok(error instanceof ClaimError);
      assert.equal(error.name, "ClaimError");
      assert.equal(error.claim, "The p99 grows with k");
      assert.equal(error.evidence, "p99Ms = [105, 99]");
      assert.equal(error.message, 'Cannot confirm "The p99 grows with k": p99Ms = [105, 99]');
      return true;
    },
  );
});

Deno.test("claim takes any object as evidence, interfaces without index signatures too", () => {
  interface Stats {
    readonly sends: number;
    readonly drops: number;
  }
  const stats: Stats = { sends: 18, drops: 0 };
  assert.equal(
    claim("Nothing was lost", stats.drops === 0, stats).evidence,
    "sends = 18, drops = 0",
  );
});

Deno.test("claim without evidence says the data contradicts it", () => {
  assert.throws(() => claim("All is well", false), {
    name: "ClaimError",
    message: 'Cannot confirm "All is well": the data contradicts it',
  });
  assert.equal(String(claim("All is well", true)), "✓ All is well");
});

Deno.test("claim runs a condition function and evidence function once each", () => {
  let conditionCalls = 0, evidenceCalls = 0;
  const result = claim("Runs once", () => {
    conditionCalls++;
    return true;
  }, () => {
    evidenceCalls++;
    return "checked";
  });
  assert.equal(conditionCalls, 1);
  assert.equal(evidenceCalls, 1);
  assert.equal(result.evidence, "checked");
  assert.throws(() => claim("Fails lazily", () => false, () => ({ n: 3 })), {
    message: 'Cannot confirm "Fails lazily": n = 3',
  });
});

Deno.test("claim turns a condition that throws into a ClaimError with the cause", () => {
  const boom = new RangeError("no rows");
  assert.throws(
    () =>
      claim("Has rows", () => {
        throw boom;
      }),
    (error: unknown) => {
      assert.ok(error instanceof ClaimError);
      assert.equal(error.cause, boom);
      assert.equal(error.message, 'Cannot confirm "Has rows": its check threw RangeError: no rows');
      return true;
    },
  );
});

Deno.test("claim rejects a condition that is not a boolean and an empty text", () => {
  assert.throws(() => claim("Truthy is not enough", (() => 1) as unknown as () => boolean), {
    name: "TypeError",
    message:
      'Cannot check the claim "Truthy is not enough": its condition must be a boolean, got number 1',
  });
  assert.throws(() => claim("  ", true), {
    name: "TypeError",
    message: "Cannot check a claim: its text must be a non-empty string",
  });
});

Deno.test("claim holds exactly when its condition is true", () => {
  fc.assert(fc.property(fc.boolean(), fc.string({ minLength: 1 }), (holds, word) => {
    const text = `claim ${word}`;
    let threw = false;
    try {
      claim(text, holds);
    } catch (error) {
      threw = error instanceof ClaimError && error.claim === text;
    }
    return threw === !holds;
  }));
});

Deno.test("claim escapes HTML in its text and evidence", () => {
  const html = claim("a < b & c", true, '"x" > y').toHtml();
  assert.match(html, /a &lt; b &amp; c/);
  assert.match(html, /&quot;x&quot; &gt; y/);
  assert.doesNotMatch(html, /a < b/);
});

Deno.test("claims lists several checked claims, one per line", () => {
  const list = claims(claim("One", true), claim("Two", true, { n: 2 }));
  assert.ok(list instanceof ClaimList);
  assert.equal(list.items.length, 2);
  assert.equal(String(list), "✓ One\n✓ Two\n    n = 2");
  const html = bundleOf(list)["text/html"]!;
  assert.equal(html.match(/✓/g)?.length, 2);
  assert.throws(() => claims(claim("One", true), "Two" as unknown as Claim), {
    name: "TypeError",
    message: "Cannot list claims: argument 2 is not a Claim (check it with claim())",
  });
});

Deno.test("formatEvidence formats numbers, arrays, objects and non-finite values", () => {
  assert.equal(formatEvidence(undefined), "");
  assert.equal(formatEvidence("as is"), "as is");
  assert.equal(
    formatEvidence({ a: 1234567.8, b: 0.000123, c: 42, d: Infinity, e: null, f: true }),
    "a = 1.235e+6, b = 1.230e-4, c = 42, d = Infinity, e = null, f = true",
  );
  assert.equal(
    formatEvidence({ xs: Array.from({ length: 14 }, (_, i) => i + 1), o: { k: 1.23456 } }),
    "xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, … 2 more], o = {k: 1.235}",
  );
  assert.throws(() => formatEvidence(5 as unknown as string), {
    name: "TypeError",
    message: "Cannot format evidence: expected a string or a record, got number 5",
  });
});
