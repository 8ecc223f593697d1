import assert from "node:assert/strict";
import fc from "fast-check";
import { formatParamValue, parseParamValue, replayCommand, shellQuote } from "./deps.ts";

Deno.test("parseParamValue reads JSON when it can and text otherwise", () => {
  assert.equal(parseParamValue("0.25"), 0.25);
  assert.equal(parseParamValue("false"), false);
  assert.equal(parseParamValue("null"), null);
  assert.deepEqual(parseParamValue("[1,2]"), [1, 2]);
  assert.equal(parseParamValue("fifo"), "fifo");
  assert.equal(parseParamValue('"42"'), "42");
  assert.equal(parseParamValue(""), "");
});

Deno.test("formatParamValue writes what parseParamValue reads back", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.deepEqual(parseParamValue(formatParamValue(value)), JSON.parse(JSON.stringify(value)));
    }),
  );
  assert.equal(formatParamValue("fifo"), "fifo");
  assert.equal(formatParamValue("42"), '"42"');
});

Deno.test("replayCommand leaves out defaults and quotes for the shell", () => {
  assert.equal(replayCommand("ping-rtt", 7), "deno task exp run ping-rtt --seed 7");
  assert.equal(
    replayCommand("ping-rtt", 7, {
      params: { nodes: 5, pings: 20 },
      defaults: { nodes: 3, pings: 20 },
    }),
    "deno task exp run ping-rtt --seed 7 --param nodes=5",
  );
  assert.equal(
    replayCommand("x", 1, { params: { label: "it's fast" } }),
    `deno task exp run x --seed 1 --param 'label=it'"'"'s fast'`,
  );
});

Deno.test("shellQuote leaves plain words alone and single-quotes the rest", () => {
  assert.equal(shellQuote("nodes=5"), "nodes=5");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote(""), "''");
});
