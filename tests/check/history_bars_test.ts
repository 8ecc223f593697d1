import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { checkLinearizable, historyBarRows, historyBars } from "../../lib/check/mod.ts";
import { h } from "./helpers.ts";

interface Parsed {
  readonly textContent: string | null;
}

function select(markup: string, selector: string): Parsed[] {
  const window = parseHTML(`<!DOCTYPE html><html><body>${markup}</body></html>`) as unknown as {
    document: { querySelectorAll(selector: string): ArrayLike<Parsed> };
  };
  return Array.from(window.document.querySelectorAll(selector));
}

const stale = h(
  "0 invoke write 1",
  "0 ok write 1",
  "2 invoke cas [5,6]",
  "2 fail cas [5,6]",
  "3 invoke write 7",
  "1 invoke read",
  "1 ok read null",
);

Deno.test("historyBars draws one bar per operation, by outcome", () => {
  const svg = historyBars(stale).html;
  assert.ok(svg.includes("<svg"));
  assert.equal(select(svg, "g.history-bar rect").length, 2, "two ok operations");
  assert.equal(select(svg, "g.history-bar-fail rect").length, 1, "one failed cas");
  assert.equal(select(svg, "g.history-bar-open rect").length, 1, "one open write");
  assert.equal(select(svg, "g.history-fail-rule").length, 0, "no evidence, no rule");
  const labels = select(svg, "g.history-bar-label text").map((t) => t.textContent);
  assert.deepEqual(labels.sort(), ["cas 5→6", "r null", "w 1", "w 7 ?"]);
});

Deno.test("historyBars marks where linearization fails and outlines the stuck operation", () => {
  const { evidence } = checkLinearizable(stale);
  const svg = historyBars(stale, { evidence }).html;
  assert.equal(select(svg, "g.history-fail-rule line").length, 1);
  const label = select(svg, "g.history-fail-label text")[0]!.textContent!;
  assert.equal(label, "linearization fails: p1 read → null (register holds 1)");
  assert.equal(select(svg, "g.history-bar-stuck rect").length, 1);
});

Deno.test("historyBarRows puts unknown outcomes at the right edge and failure at the completion", () => {
  const { evidence } = checkLinearizable(stale);
  const { rows, axis, failedAt } = historyBarRows(stale, { evidence });
  assert.equal(axis, "index");
  assert.equal(failedAt, 6);
  const open = rows.find((row) => row.open)!;
  assert.equal(open.text, "w 7");
  assert.ok(open.end > Math.max(...rows.filter((row) => !row.open).map((row) => row.end)));
  assert.deepEqual(
    rows.map((row) => [row.process, row.role]),
    [["p0", "linearized"], ["p2", "other"], ["p3", "pending"], ["p1", "stuck"]],
  );
});

Deno.test("historyBarRows uses times when every record has one", () => {
  const timed = h("0 invoke write 1", "0 ok write 1").map((op, i) => ({ ...op, time: 10 + i * 5 }));
  const { rows, axis } = historyBarRows(timed);
  assert.equal(axis, "time");
  assert.deepEqual([rows[0]!.start, rows[0]!.end], [10, 15]);
});

Deno.test("historyBarRows' evidence window keeps the operations near the failure", () => {
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) lines.push(`0 invoke write ${i}`, `0 ok write ${i}`);
  lines.push("1 invoke read", "1 ok read 3");
  const history = h(...lines);
  const { evidence } = checkLinearizable(history);
  const all = historyBarRows(history, { evidence }).rows;
  const near = historyBarRows(history, { evidence, window: "evidence", prefixOperations: 2 }).rows;
  assert.equal(all.length, 21);
  assert.deepEqual(near.map((row) => row.text), ["w 18", "w 19", "r 3"]);
  assert.throws(
    () => historyBarRows(history, { window: "evidence" }),
    /pass the checker's evidence/,
  );
});

Deno.test("historyBars draws one key of a key-value history", () => {
  const history = h("0 invoke write 1 key=x", "0 ok write 1 key=x", "1 invoke write 2 key=y");
  assert.equal(historyBarRows(history, { key: "y" }).rows.length, 1);
  assert.equal(historyBarRows(history).rows.length, 2);
});

Deno.test("historyBars leaves out labels that do not fit their bar, or all when asked", () => {
  const lines = ["0 invoke write 1", "0 ok write 1"];
  for (let i = 0; i < 200; i++) lines.push("1 invoke read", "1 ok read 1");
  const history = h(...lines);
  const labels = (svg: string) => select(svg, "g.history-bar-label text").length;
  const narrow = historyBars(history, { width: 300 }).html;
  assert.equal(labels(narrow), 0, "bars of a pixel or two carry no text");
  assert.equal(labels(historyBars(stale, { labels: false }).html), 0);
});
