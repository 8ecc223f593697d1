import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cristianEstimate,
  ntpEstimate,
  SyncClient,
  type SyncExchange,
  type SyncMessage,
  TimeServer,
} from "../../lib/clocks/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

// ---- the estimates on their own --------------------------------------------------------

Deno.test("cristianEstimate assumes the server read its clock halfway through the round trip", () => {
  assert.deepEqual(cristianEstimate(100, 130, 120), {
    offsetMs: 20,
    rttMs: 20,
    delayMs: 20,
    errorBoundMs: 10,
  });
});

Deno.test("ntpEstimate takes the server's processing time out of the delay (RFC 5905)", () => {
  assert.deepEqual(ntpEstimate(100, 125, 135, 120), {
    offsetMs: 20,
    rttMs: 20,
    delayMs: 10,
    errorBoundMs: 5,
  });
});

/**
 * A random exchange: the client's clock is `offsetMs` behind the (perfect) server's, the
 * request takes d1 ms, the server processes it for p ms, and the reply takes d2 ms.
 */
const exchange = fc.record({
  offsetMs: fc.double({ min: -1000, max: 1000, noNaN: true }),
  sentMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  d1: fc.double({ min: 0, max: 100, noNaN: true }),
  d2: fc.double({ min: 0, max: 100, noNaN: true }),
  p: fc.double({ min: 0, max: 50, noNaN: true }),
});

Deno.test("cristianEstimate is off by at most half the round trip, whatever the split (Cristian 1989)", () => {
  fc.assert(
    fc.property(exchange, ({ offsetMs, sentMs, d1, d2, p }) => {
      const client = (t: number) => t - offsetMs; // the client's clock is offsetMs behind
      const t0 = sentMs, tServer = sentMs + d1 + p, t1 = tServer + d2;
      const estimate = cristianEstimate(client(t0), tServer, client(t1));
      const error = estimate.offsetMs - offsetMs;
      return Math.abs(error) <= estimate.errorBoundMs + 1e-6;
    }),
    { seed: 31, numRuns: 500 },
  );
});

Deno.test("ntpEstimate is off by at most half the delay, and exact when both ways take as long", () => {
  fc.assert(
    fc.property(exchange, ({ offsetMs, sentMs, d1, d2, p }) => {
      const client = (t: number) => t - offsetMs;
      const t1 = sentMs, t2 = t1 + d1, t3 = t2 + p, t4 = t3 + d2;
      const estimate = ntpEstimate(client(t1), t2, t3, client(t4));
      const error = estimate.offsetMs - offsetMs;
      const symmetric = ntpEstimate(client(t1), t2, t3, client(t3 + d1));
      return Math.abs(error) <= estimate.errorBoundMs + 1e-6 &&
        Math.abs(error - (d1 - d2) / 2) <= 1e-6 &&
        Math.abs(symmetric.offsetMs - offsetMs) <= 1e-6;
    }),
    { seed: 32, numRuns: 500 },
  );
});

Deno.test("the estimates refuse impossible timestamps", () => {
  assert.throws(() => cristianEstimate(10, 0, 5), /arrived 5 ms before the request left/);
  assert.throws(() => ntpEstimate(0, 10, 5, 20), /replied \(t3 = 5\) before it received/);
  assert.throws(() => ntpEstimate(0, Number.NaN, 5, 20), TypeError);
});

// ---- the nodes over the simulated network ------------------------------------------------

function syncRun(algorithm: "cristian" | "ntp", processingMs: number) {
  const exchanges: { exchange: SyncExchange; residualMs: number }[] = [];
  const sim = new Simulation<SyncMessage>({
    seed: 4,
    network: {
      latency: { kind: "uniform", minMs: 1, maxMs: 30 },
      lossProbability: 0.1,
      duplicateProbability: 0.1,
    },
    clocks: { c1: { offsetMs: 80, driftPpm: 300 }, c2: { offsetMs: -40, driftPpm: -300 } },
  });
  sim.addNode("server", (ctx) => new TimeServer(ctx, { processingMs }));
  sim.addNodes(["c1", "c2"], (ctx) =>
    new SyncClient(ctx, {
      server: "server",
      algorithm,
      periodMs: 200,
      observer: (exchange) => {
        const client = sim.node<SyncClient>(exchange.client)!;
        exchanges.push({ exchange, residualMs: client.now() - sim.localTime("server") });
      },
    }));
  sim.runUntil(10_000);
  return { sim, exchanges };
}

Deno.test("SyncClient: right after each exchange, the error is within half the delay", () => {
  for (const algorithm of ["cristian", "ntp"] as const) {
    const { exchanges } = syncRun(algorithm, 5);
    assert.ok(exchanges.length > 60, `${algorithm}: ${exchanges.length} exchanges`);
    for (const { exchange, residualMs } of exchanges) {
      // 300 ppm of drift over one round trip is the only slack.
      const slack = 300e-6 * exchange.rttMs + 1e-9;
      assert.ok(
        Math.abs(residualMs) <= exchange.errorBoundMs + slack,
        `${algorithm}: residual ${residualMs} ms, bound ${exchange.errorBoundMs} ms`,
      );
    }
  }
});

Deno.test("SyncClient with NTP's estimate is not hurt by server processing; Cristian's is", () => {
  const mean = (values: number[]) => values.reduce((s, x) => s + x, 0) / values.length;
  const error = (algorithm: "cristian" | "ntp", processingMs: number) =>
    mean(syncRun(algorithm, processingMs).exchanges.map((e) => Math.abs(e.residualMs)));
  assert.ok(error("cristian", 20) > error("cristian", 0) + 3);
  assert.ok(Math.abs(error("ntp", 20) - error("ntp", 0)) < 1);
});

Deno.test("SyncClient pulls a clock 80 ms off to within a round trip, and ignores stale replies", () => {
  const { sim, exchanges } = syncRun("ntp", 0);
  const c1 = sim.node<SyncClient>("c1")!;
  assert.ok(Math.abs(c1.now() - sim.localTime("server")) < 30);
  assert.ok(Math.abs(c1.correctionMs + 80) < 30, `correction ${c1.correctionMs}`);
  // Duplicated replies arrive, but each exchange is applied once.
  const seqs = exchanges.filter((e) => e.exchange.client === "c1").map((e) => e.exchange.seq);
  assert.equal(new Set(seqs).size, seqs.length);
  assert.ok(sim.trace.ofKind("deliver").some((d) => d.copy === 1 && d.type === "time-reply"));
});

Deno.test("SyncClient and TimeServer reject bad options with the option's path", () => {
  const sim = new Simulation<SyncMessage>();
  sim.addNode("c", (ctx) => new SyncClient(ctx, { server: "s", periodMs: 0 }));
  assert.throws(() => sim.runFor(1), /client\.periodMs: must be greater than 0 ms/);
  const other = new Simulation<SyncMessage>();
  other.addNode("s", (ctx) => new TimeServer(ctx, { processingMs: -1 }));
  assert.throws(() => other.runFor(1), /server\.processingMs: must be at least 0 ms/);
});
