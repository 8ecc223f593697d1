import assert from "node:assert/strict";
import {
  type CapRequest,
  capRequestBars,
  capSummary,
  capTimelinePlot,
  capTradeoffPlot,
  runCapPartition,
  staleReads,
} from "../../lib/cap/mod.ts";

function request(
  f: "read" | "write",
  value: number | null,
  issuedMs: number,
  completedMs: number,
): CapRequest {
  return {
    client: "c1",
    side: "minority",
    f,
    key: "k1",
    value,
    issuedMs,
    completedMs,
    status: "ok",
    counted: true,
  };
}

Deno.test("staleReads marks a read of a value overwritten before it began, and nothing else", () => {
  const w1 = request("write", 1, 0, 10);
  const w2 = request("write", 2, 20, 30);
  const stale = request("read", 1, 40, 45);
  const fresh = request("read", 2, 40, 45);
  // Overlaps w2: it may be ordered before it.
  const concurrent = request("read", 1, 25, 35);
  const never = request("read", null, 40, 45);
  const marked = staleReads([w1, w2, stale, fresh, concurrent, never]);
  assert.deepEqual([...marked], [stale, never]);
  // A read that saw the newer write shows it too: a later read of the older value is stale.
  const long = request("write", 5, 100, 200), newer = request("write", 6, 110, 220);
  const early = request("read", 6, 150, 160), inverted = request("read", 5, 170, 180);
  // (5 and 6 overlap, so 5 may follow 6; only the inversion after a read of 6 shows it.)
  assert.deepEqual([...staleReads([long, newer, early, inverted])], []);
  const after = request("write", 7, 300, 310);
  const sawSeven = request("read", 7, 320, 330), backToSix = request("read", 6, 340, 350);
  assert.deepEqual([...staleReads([newer, after, sawSeven, backToSix])], [backToSix]);
  // Two overlapping writes: either may be the last, so reading either is not stale.
  const a = request("write", 3, 0, 20), b = request("write", 4, 10, 30);
  assert.equal(staleReads([a, b, request("read", 3, 40, 41)]).size, 0);
});

Deno.test("no read of a linearizable raft-kv run is stale; some of a quorum-kv run are", () => {
  assert.equal(staleReads(runCapPartition({ store: "raft-kv" }, 2).system.requests).size, 0);
  assert.ok(staleReads(runCapPartition({ store: "quorum-kv" }, 2).system.requests).size > 0);
});

Deno.test("capSummary groups rows by store and fault", () => {
  const rows = [1, 2].flatMap((seed) =>
    (["raft-kv", "lww-kv"] as const).map((store) => runCapPartition({ store }, seed).row)
  );
  const summary = capSummary(rows);
  assert.deepEqual(summary.map((r) => [r.store, r.fault, r.seeds]), [
    ["raft-kv", "partition", 2],
    ["lww-kv", "partition", 2],
  ]);
  assert.equal(summary[0]!.availabilityMinority, 0);
  assert.equal(summary[0]!.linearizableFraction, 1);
  const html = capTradeoffPlot(summary).html;
  assert.match(html, /raft-kv/);
  assert.match(html, /lww-kv/);
});

Deno.test("capTimelinePlot draws a bar per request and shades the fault", () => {
  const run = runCapPartition({ store: "raft-kv" }, 1);
  const bars = capRequestBars(run.system);
  assert.equal(bars.length, run.system.requests.length);
  assert.ok(bars.some((b) => b.outcome === "no answer" && b.row === "c1 (minority)"));
  const html = capTimelinePlot(run.system, { title: "raft" }).html;
  assert.match(html, /partition/);
  assert.equal(html, capTimelinePlot(run.system, { title: "raft" }).html);
});
