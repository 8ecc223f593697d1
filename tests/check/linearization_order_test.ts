/**
 * The order the checker returns for a linearizable history, and where the bars place
 * each operation's instant: the order replays on a register, respects real time and
 * leaves out only operations that need not take effect.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseHTML } from "linkedom";
import {
  checkLinearizable,
  historyBarRows,
  historyBars,
  linearizationPoints,
  type OperationSummary,
} from "../../lib/check/mod.ts";
import { type History, pairOperations } from "../../lib/history/mod.ts";
import { h, historyArbitrary } from "./helpers.ts";

function select(markup: string, selector: string): { textContent: string | null }[] {
  const window = parseHTML(`<!DOCTYPE html><html><body>${markup}</body></html>`) as unknown as {
    document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
  };
  return Array.from(window.document.querySelectorAll(selector));
}

/** Replays `order` on a register starting as null; returns the first failure, if any. */
function replay(order: readonly OperationSummary[]): string | undefined {
  let value: unknown = null;
  for (const op of order) {
    if (op.f === "write") value = op.value;
    else if (op.f === "cas") {
      const [expected, next] = op.value as [unknown, unknown];
      if (JSON.stringify(expected) !== JSON.stringify(value)) return `${op.label} found ${value}`;
      value = next;
    } else if (op.outcome === "ok" && JSON.stringify(op.output ?? null) !== JSON.stringify(value)) {
      return `${op.label} but the register holds ${value}`;
    }
  }
  return undefined;
}

const overlapping: History = [
  { process: 0, type: "invoke", f: "write", value: 1, time: 1 },
  { process: 1, type: "invoke", f: "read", value: null, time: 2 },
  { process: 2, type: "invoke", f: "read", value: null, time: 3 },
  { process: 1, type: "ok", f: "read", value: 1, time: 5 },
  { process: 0, type: "ok", f: "write", value: 1, time: 7 },
  { process: 2, type: "ok", f: "read", value: null, time: 9 },
];

Deno.test("checkLinearizable gives the order in which a linearizable history takes effect", () => {
  const result = checkLinearizable(overlapping);
  assert.equal(result.valid, true);
  assert.deepEqual(result.keys[0]!.linearization!.map((op) => op.label), [
    "p2 read → null",
    "p0 write 1",
    "p1 read → 1",
  ]);
});

Deno.test("checkLinearizable gives no order for a key that is not linearizable", () => {
  const result = checkLinearizable(h(
    "0 invoke write 1 key=x",
    "0 ok write 1 key=x",
    "1 invoke read key=y",
    "1 ok read null key=y",
    "1 invoke read key=x",
    "1 ok read null key=x",
  ));
  assert.equal(result.valid, false);
  assert.deepEqual(result.keys.map((k) => [k.key, k.linearization?.length]), [
    ["x", undefined],
    ["y", 1],
  ]);
});

Deno.test("checkLinearizable's order replays, respects real time and places every ok operation", () => {
  let checked = 0;
  fc.assert(
    fc.property(historyArbitrary({ maxOperations: 7, unknownBias: 2 }), (history) => {
      const result = checkLinearizable(history);
      if (result.valid !== true) return;
      checked++;
      const order = result.keys[0]?.linearization ?? [];
      assert.equal(replay(order), undefined, JSON.stringify(history));
      const position = new Map(order.map((op, i) => [op.index, i]));
      const pairs = pairOperations(history);
      for (const pair of pairs) {
        if (pair.outcome === "ok") assert.ok(position.has(pair.invokeIndex), "ok is placed");
        if (pair.outcome === "fail") assert.ok(!position.has(pair.invokeIndex), "fail is not");
      }
      for (const a of pairs) {
        for (const b of pairs) {
          const [i, j] = [position.get(a.invokeIndex), position.get(b.invokeIndex)];
          if (i === undefined || j === undefined) continue;
          if (
            a.completeIndex !== undefined && a.outcome === "ok" && a.completeIndex < b.invokeIndex
          ) {
            assert.ok(i < j, `${a.invokeIndex} completed before ${b.invokeIndex} began`);
          }
        }
      }
      // The bars can place every instant inside its own bar, in order.
      const { rows } = historyBarRows(history);
      const points = linearizationPoints(history, order);
      points.forEach((point, k) => {
        const row = rows.find((r) => r.index === point.index)!;
        assert.ok(point.at >= row.start && point.at <= row.end, "inside its bar");
        if (k > 0) assert.ok(point.at >= points[k - 1]!.at, "in order");
      });
    }),
    { numRuns: 1500, seed: 31 },
  );
  assert.ok(checked > 300, `only ${checked} linearizable histories`);
});

Deno.test("linearizationPoints spreads operations that must fit before the same completion", () => {
  const order = checkLinearizable(overlapping).keys[0]!.linearization!;
  const points = linearizationPoints(overlapping, order);
  assert.deepEqual(points.map((p) => [p.process, p.order, p.at]), [
    ["p2", 1, 3.5],
    ["p0", 2, 4],
    ["p1", 3, 4.5],
  ]);
});

Deno.test("linearizationPoints rejects an order that breaks real time", () => {
  const stale = h("0 invoke write 1", "0 ok write 1", "1 invoke read", "1 ok read 1");
  const order = checkLinearizable(stale).keys[0]!.linearization!;
  assert.throws(
    () => linearizationPoints(stale, [...order].reverse()),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot place the linearization: p0 write 1 completes before p1 read → 1 is invoked, " +
          "but the order puts it later",
  );
});

Deno.test("historyBars marks each instant of a linearization, numbered in order", () => {
  const linearization = checkLinearizable(overlapping).keys[0]!.linearization!;
  const svg = historyBars(overlapping, { linearization }).html;
  assert.equal(select(svg, "g.history-linearization-tick line").length, 3);
  assert.deepEqual(
    // Each number's text is followed by its hover title.
    select(svg, "g.history-linearization-order text").map((t) => t.textContent![0]),
    ["1", "2", "3"],
  );
  assert.equal(select(historyBars(overlapping).html, "g.history-linearization-tick").length, 0);
});
