import assert from "node:assert/strict";
import fc from "fast-check";
import { columnsOf, formatCsv, formatJson, formatTable } from "../../lib/experiments/format.ts";
import type { Row } from "../../lib/experiments/mod.ts";

const rows: Row[] = [
  { from: "n1", rttMs: 12.3456, timedOut: false },
  { from: "n2", rttMs: null, timedOut: true, note: 'say "hi", then go' },
];

Deno.test("columnsOf lists every key in the order first seen", () => {
  assert.deepEqual(columnsOf(rows), ["from", "rttMs", "timedOut", "note"]);
});

Deno.test("formatJson writes one JSON array that parses back to the rows", () => {
  const text = formatJson(rows);
  assert.deepEqual(JSON.parse(text), rows);
  assert.equal(text.split("\n").length, rows.length + 3);
  assert.equal(formatJson([]), "[]\n");
});

Deno.test("formatCsv writes a header and quotes fields that need it", () => {
  assert.equal(
    formatCsv(rows),
    'from,rttMs,timedOut,note\nn1,12.3456,false,\nn2,,true,"say ""hi"", then go"\n',
  );
  assert.equal(formatCsv([{ a: " padded", b: "two\nlines" }]), 'a,b\n" padded","two\nlines"\n');
});

Deno.test("formatCsv keeps numbers at full precision", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const [, line] = formatCsv([{ x }]).split("\n");
      // == rather than Object.is: -0 is written as 0, as JSON writes it.
      assert.ok(Number(line) === x, `${x} came back as ${line}`);
    }),
  );
});

Deno.test("formatTable aligns columns and right-aligns numbers", () => {
  assert.equal(
    formatTable(rows),
    [
      "from   rttMs  timedOut  note",
      "----  ------  --------  -----------------",
      "n1    12.346  false     -",
      'n2         -  true      say "hi", then go',
      "",
    ].join("\n"),
  );
  assert.equal(formatTable([]), "(no rows)\n");
});
