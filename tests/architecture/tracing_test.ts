/**
 * Tracing: contexts propagate (every span's parent is in its trace), the critical path
 * tiles the root span exactly and runs through the slowest call of each fan-out, on
 * random span trees and on 1,000 seeds of the traced fan-out.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  criticalPath,
  runTraceFanout,
  type Span,
  traceFanout,
  TraceFanoutParamsSchema,
  traceWaterfall,
} from "../../lib/architecture/mod.ts";

Deno.test("trace contexts propagate: one trace per request, every parent in it", () => {
  const { traces } = runTraceFanout(TraceFanoutParamsSchema.parse({ requests: 3 }), 1);
  assert.equal(traces.length, 3);
  for (const spans of traces) {
    assert.equal(spans.length, 9); // client, frontend, auth, search, 4 shards, ads
    const ids = new Set(spans.map((span) => span.spanId));
    assert.equal(spans.filter((span) => span.parentSpanId === null).length, 1);
    for (const span of spans) {
      assert.ok(span.parentSpanId === null || ids.has(span.parentSpanId), span.service);
    }
    const parentOf = (service: string) =>
      spans.find((s) => s.spanId === spans.find((x) => x.service === service)!.parentSpanId)!
        .service;
    assert.equal(parentOf("shard-3"), "search");
    assert.equal(parentOf("ads"), "frontend");
  }
});

Deno.test("trace-fanout: 1,000 seeds, the path tiles the request and takes the slowest shard", () => {
  let shardPaths = 0;
  for (let seed = 1; seed <= 1_000; seed++) {
    const [row] = traceFanout.run({}, seed);
    assert.equal(row!.pathGapMs, 0, `seed ${seed}`);
    assert.ok(row!.criticalPath.startsWith("client → frontend → auth"), row!.criticalPath);
    if (row!.criticalShard !== "") {
      shardPaths++;
      assert.ok(row!.slowestShardOnPath, `seed ${seed}`);
    }
  }
  // Teeth: both search and ads are sometimes the slower branch.
  assert.ok(shardPaths > 100 && shardPaths < 1_000, `${shardPaths} paths through a shard`);
});

Deno.test("criticalPath tiles the root span of any span tree", () => {
  // A random tree: each span lies inside its parent.
  const tree = fc.array(
    fc.tuple(
      fc.nat(),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
    { maxLength: 12 },
  )
    .map((specs) => {
      const spans: Span[] = [{
        traceId: "t",
        spanId: "s0",
        parentSpanId: null,
        service: "root",
        startMs: 0,
        endMs: 100,
      }];
      specs.forEach(([parent, a, b], i) => {
        const p = spans[parent % spans.length]!;
        const lo = Math.min(a, b), hi = Math.max(a, b);
        spans.push({
          traceId: "t",
          spanId: `s${i + 1}`,
          parentSpanId: p.spanId,
          service: `svc${i + 1}`,
          startMs: p.startMs + lo * (p.endMs - p.startMs),
          endMs: p.startMs + hi * (p.endMs - p.startMs),
        });
      });
      return spans;
    });
  fc.assert(
    fc.property(tree, (spans) => {
      const path = criticalPath(spans);
      const total = path.reduce((sum, segment) => sum + segment.selfMs, 0);
      assert.ok(Math.abs(total - 100) < 1e-9, `${total}`);
      assert.ok(path.every((segment) => segment.selfMs > 0));
    }),
    { numRuns: 500 },
  );
});

Deno.test("criticalPath of a fan-out waits on the slowest call only", () => {
  const s = (spanId: string, parent: string | null, startMs: number, endMs: number): Span => ({
    traceId: "t",
    spanId,
    parentSpanId: parent,
    service: spanId,
    startMs,
    endMs,
  });
  const path = criticalPath([
    s("root", null, 0, 50),
    s("a", "root", 5, 20),
    s("b", "root", 5, 45),
    s("c", "root", 5, 30),
    s("b1", "b", 10, 40),
  ]);
  assert.deepEqual(
    path.map((p) => [p.span.spanId, p.selfMs]),
    [["root", 5], ["b", 5], ["b1", 30], ["b", 5], ["root", 5]],
  );
});

Deno.test("traceWaterfall draws a bar per span", () => {
  const { traces } = runTraceFanout(TraceFanoutParamsSchema.parse({}), 2);
  const svg = String(traceWaterfall(traces[0]!));
  assert.ok(svg.includes("shard-4"));
  assert.ok(svg.includes("on the critical path"));
});
