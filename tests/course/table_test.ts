import assert from "node:assert/strict";
import fc from "fast-check";
import { table, tally } from "../../lib/course/mod.ts";
import { markupOf } from "../../lib/viz/mod.ts";

/** What the Deno kernel calls to show a value: its MIME bundle. */
function bundleOf(value: object): Record<string, string> {
  const method = (value as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ];
  assert.equal(typeof method, "function");
  return method!.call(value);
}

Deno.test("table shows every field in first-seen order with numbers right-aligned", () => {
  const t = table([{ k: 1, p99Ms: 105.93 }, { k: 100, p99Ms: 401.04, note: "slow" }]);
  assert.deepEqual(t.columns, ["k", "p99Ms", "note"]);
  assert.deepEqual(t.numeric, [true, true, false]);
  assert.equal(
    String(t),
    ["  k  p99Ms  note", "  1  105.9", "100    401  slow"].join("\n"),
  );
});

Deno.test("table picks columns, labels headers and adds a caption", () => {
  const t = table([{ a: 1, b: 2, c: "x" }], {
    columns: ["c", "a"],
    labels: { a: "alpha" },
    caption: "Two columns",
  });
  assert.deepEqual(t.headers, ["c", "alpha"]);
  assert.equal(String(t), "Two columns\nc  alpha\nx      1");
  const html = bundleOf(t)["text/html"]!;
  assert.match(html, /<div class="course-table-caption"[^>]*>Two columns<\/div><table/);
  assert.equal(html.match(/<th /g)?.length, 2);
  assert.equal(html.match(/<td /g)?.length, 2);
});

Deno.test("table cuts long tables at maxRows and says how many rows are left out", () => {
  const rows = Array.from({ length: 12 }, (_, i) => ({ i }));
  const t = table(rows, { maxRows: 5 });
  assert.equal(t.cells.length, 5);
  assert.equal(t.hiddenRows, 7);
  assert.match(String(t), /… 7 more rows$/);
  assert.match(t.toHtml(), /… 7 more rows/);
  assert.throws(() => table(rows, { maxRows: 0 }), {
    name: "RangeError",
    message: "Cannot make a table: maxRows must be a whole number at least 1, got 0",
  });
});

Deno.test("table leaves null cells empty and escapes HTML", () => {
  const t = table([{ name: "<b>", latencyMs: null }, { name: "a&b", latencyMs: 3 }]);
  assert.deepEqual(t.numeric, [false, true]);
  assert.deepEqual(t.cells[0], ["<b>", ""]);
  const html = t.toHtml();
  assert.match(html, /&lt;b&gt;/);
  assert.match(html, /a&amp;b/);
  assert.doesNotMatch(html, /<b>/);
});

Deno.test("tally counts rows by one field and another, with totals", () => {
  const rows = [
    { fault: "crash", outcome: "ok" },
    { fault: "crash", outcome: "timeout" },
    { fault: "none", outcome: "ok" },
    { fault: "crash", outcome: "timeout" },
  ];
  assert.deepEqual(tally(rows, { by: "fault", of: "outcome" }), [
    { fault: "crash", ok: 1, timeout: 2, total: 3 },
    { fault: "none", ok: 1, timeout: 0, total: 1 },
  ]);
  assert.deepEqual(tally(rows, { by: "fault", of: "outcome", values: ["timeout", "late"] }), [
    { fault: "crash", timeout: 2, late: 0, total: 2 },
    { fault: "none", timeout: 0, late: 0, total: 0 },
  ]);
});

Deno.test("tally refuses a value that would overwrite its own columns", () => {
  assert.throws(() => tally([{ a: "x", b: "total" }], { by: "a", of: "b" }), {
    name: "RangeError",
    message: "Cannot tally by a: a value of b would overwrite the column total",
  });
});

Deno.test("tally's counts add up to the rows of each group", () => {
  const row = fc.record({ g: fc.constantFrom("a", "b", "c"), v: fc.constantFrom("x", "y", "z") });
  fc.assert(fc.property(fc.array(row), (rows) => {
    const out = tally(rows, { by: "g", of: "v" });
    return out.every((group) =>
      group.total === rows.filter((r) => r.g === group.g).length &&
      ["x", "y", "z"].reduce((sum, v) => sum + ((group[v] as number | undefined) ?? 0), 0) ===
        group.total
    ) && out.reduce((sum, group) => sum + (group.total as number), 0) === rows.length;
  }));
});

Deno.test("markupOf renders a table through its own Jupyter display", async () => {
  const shown = await markupOf(table([{ k: 1, p99Ms: 104.1 }]));
  assert.ok(shown.includes("<table") && shown.includes("104.1"));
});
