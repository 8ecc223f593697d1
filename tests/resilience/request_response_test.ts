import assert from "node:assert/strict";
import { ConfigError } from "../../lib/config/mod.ts";
import {
  correctAnswer,
  RequestClient,
  type RequestClientOptionsInput,
  type RequestRecord,
  RequestServer,
  type ServiceFaultInput,
  type ServiceMessage,
  simulatorSetupForFault,
} from "../../lib/resilience/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

interface Scenario {
  readonly fault?: ServiceFaultInput;
  readonly client?: RequestClientOptionsInput;
  readonly seed?: number;
  readonly record?: boolean;
}

/** Client and server over the default network (uniform 1–10 ms), run until quiet. */
function run(
  scenario: Scenario = {},
): { sim: Simulation<ServiceMessage>; records: RequestRecord[] } {
  const fault = scenario.fault ?? { mode: "none" };
  const setup = simulatorSetupForFault(fault, "server", ["client"]);
  const sim = new Simulation<ServiceMessage>({
    seed: scenario.seed ?? 1,
    record: scenario.record ?? true,
    network: { links: setup.links },
    faults: setup.faults,
  });
  let client: RequestClient | undefined;
  sim.addNode(
    "client",
    (ctx) => client = new RequestClient(ctx, { requests: 200, timeoutMs: 50, ...scenario.client }),
  );
  sim.addNode("server", (ctx) => new RequestServer(ctx, { fault }));
  sim.runUntilQuiet();
  return { sim, records: (client as RequestClient).records };
}

function count(records: readonly RequestRecord[], outcome: RequestRecord["outcome"]): number {
  return records.filter((r) => r.outcome === outcome).length;
}

Deno.test("RequestClient records every request ok when the server has no fault", () => {
  const { records } = run();
  assert.equal(records.length, 200);
  assert.ok(records.every((r) => r.outcome === "ok" && !r.timedOut && r.attempts === 1));
  assert.ok(records.every((r) => r.value === correctAnswer(r.x)));
  // Two network hops of 1–10 ms plus a 1–5 ms service time.
  assert.ok(records.every((r) => r.latencyMs !== null && r.latencyMs >= 3 && r.latencyMs <= 25));
});

Deno.test("RequestClient sends requests every intervalMs, or with Poisson gaps of that mean", () => {
  const periodic = run({ client: { requests: 50, intervalMs: 20 } }).records;
  assert.deepEqual(periodic.map((r) => r.sentMs), periodic.map((_, i) => i * 20));
  const poisson = run({ client: { requests: 400, intervalMs: 20, arrivals: "poisson" } }).records;
  const gaps = poisson.slice(1).map((r, i) => r.sentMs - (poisson[i] as RequestRecord).sentMs);
  assert.ok(new Set(gaps.map((g) => g.toFixed(6))).size > 100, "gaps vary");
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(mean > 17 && mean < 23, `mean gap ${mean}`);
});

Deno.test("RequestServer in crash mode: requests after the crash time out, earlier ones succeed", () => {
  const { sim, records } = run({ fault: { mode: "crash", atMs: 1000 } });
  assert.equal(sim.status("server"), "crashed");
  assert.ok(
    sim.trace.records.some((r) => r.kind === "crash" && r.node === "server" && r.t === 1000),
  );
  // A request sent before 975 ms is answered by 1000 ms at the latest (≤ 25 ms round trip).
  for (const r of records.filter((r) => r.sentMs < 975)) assert.equal(r.outcome, "ok");
  for (const r of records.filter((r) => r.sentMs >= 1000)) {
    assert.equal(r.outcome, "timeout");
    assert.equal(r.latencyMs, null);
  }
  assert.equal(count(records, "late"), 0);
  assert.equal(count(records, "wrong"), 0);
});

Deno.test("RequestServer in crash mode with a restart answers again after it", () => {
  const { records } = run({ fault: { mode: "crash", atMs: 500, restartAtMs: 1000 } });
  const down = records.filter((r) => r.sentMs >= 500 && r.sentMs < 1000 - 25);
  assert.ok(down.length > 0 && down.every((r) => r.outcome === "timeout"));
  const back = records.filter((r) => r.sentMs >= 1000);
  assert.ok(back.length > 0 && back.every((r) => r.outcome === "ok"));
});

Deno.test("RequestServer in omission mode: lossy links turn requests into timeouts, never late", () => {
  const { sim, records } = run({
    fault: { mode: "omission", requestLossProbability: 0.2, replyLossProbability: 0.2 },
    client: { requests: 1000 },
  });
  const timeouts = count(records, "timeout");
  // 1 - 0.8 × 0.8 = 36% of requests lose a message.
  assert.ok(timeouts > 300 && timeouts < 420, `${timeouts} timeouts`);
  assert.equal(count(records, "late"), 0);
  assert.equal(count(records, "ok"), 1000 - timeouts);
  const lost = sim.trace.records.filter((r) => r.kind === "drop" && r.reason === "loss");
  assert.equal(lost.length, timeouts, "each timeout is one lost message");
  assert.ok(lost.some((r) => r.kind === "drop" && r.type === "request"));
  assert.ok(lost.some((r) => r.kind === "drop" && r.type === "reply"));
});

Deno.test("RequestServer in timing mode: slow replies time out first, then arrive late", () => {
  const { records } = run({
    fault: { mode: "timing", slowProbability: 0.2, extraDelayMs: 200 },
    client: { requests: 500 },
  });
  const late = records.filter((r) => r.outcome === "late");
  assert.ok(late.length > 60 && late.length < 140, `${late.length} late`);
  for (const r of late) {
    assert.equal(r.timedOut, true);
    assert.ok((r.latencyMs as number) >= 200, "a late reply carries the extra delay");
    assert.equal(r.value, correctAnswer(r.x), "a slow reply is still right");
  }
  assert.equal(count(records, "timeout"), 0, "every slow reply does arrive");
  assert.equal(count(records, "wrong"), 0);
});

Deno.test("RequestServer in timing mode: a delay shorter than the timeout is only slowness", () => {
  const { records } = run({ fault: { mode: "timing", slowProbability: 0.5, extraDelayMs: 20 } });
  assert.ok(records.every((r) => r.outcome === "ok"));
  assert.ok(records.filter((r) => (r.latencyMs as number) > 25).length > 50);
});

Deno.test("RequestServer in byzantine mode: wrong values arrive on time", () => {
  const { records } = run({
    fault: { mode: "byzantine", wrongProbability: 0.25 },
    client: { requests: 400 },
  });
  const wrong = records.filter((r) => r.outcome === "wrong");
  assert.ok(wrong.length > 60 && wrong.length < 140, `${wrong.length} wrong`);
  for (const r of wrong) assert.notEqual(r.value, correctAnswer(r.x));
  assert.ok(records.every((r) => !r.timedOut));
  assert.equal(count(records, "ok") + wrong.length, 400);
});

Deno.test("RequestClient retries with backoff: retries mask omission but not a crash", () => {
  const lossy: ServiceFaultInput = {
    mode: "omission",
    requestLossProbability: 0.2,
    replyLossProbability: 0.2,
  };
  const once = run({ fault: lossy, client: { requests: 500 } }).records;
  const retried =
    run({ fault: lossy, client: { requests: 500, retries: 3, backoffMs: 5 } }).records;
  assert.ok(count(once, "timeout") > 150);
  // Four attempts all failing: 0.36^4 ≈ 1.7%.
  assert.ok(count(retried, "timeout") < 25, `${count(retried, "timeout")} timeouts`);
  assert.ok(retried.some((r) => r.outcome === "ok" && r.attempts > 1));
  assert.ok(retried.every((r) => r.attempts <= 4));
  const crashed = run({
    fault: { mode: "crash", atMs: 0 },
    client: { requests: 10, retries: 2, backoffMs: 10 },
  }).records;
  assert.ok(crashed.every((r) => r.outcome === "timeout" && r.attempts === 3));
});

Deno.test("RequestClient retry timing: a retry goes out after the timeout plus the backoff", () => {
  const { sim } = run({
    fault: { mode: "crash", atMs: 0 },
    client: { requests: 1, retries: 2, timeoutMs: 50, backoffMs: 10 },
  });
  const sends = sim.trace.records.filter((r) => r.kind === "send").map((r) => r.t);
  // Attempt 1 at 0; timeout at 50 + backoff 10; attempt 3 after 50 more + backoff 20.
  assert.deepEqual(sends, [0, 60, 130]);
});

Deno.test("RequestClient counts a reply to an earlier attempt, and only once", () => {
  const { records } = run({
    fault: { mode: "timing", slowProbability: 1, extraDelayMs: 60 },
    client: { requests: 20, retries: 1, timeoutMs: 50, backoffMs: 0 },
  });
  // The first reply (to attempt 1, ≈ 60–85 ms) arrives while attempt 2 is out.
  for (const r of records) {
    assert.equal(r.outcome, "ok");
    assert.equal(r.attempts, 2);
    assert.ok((r.latencyMs as number) < 100);
  }
});

Deno.test("request/response runs are deterministic by seed", () => {
  const fault: ServiceFaultInput = { mode: "timing", slowProbability: 0.1, extraDelayMs: 100 };
  const a = run({ fault, seed: 7 });
  const b = run({ fault, seed: 7 });
  const c = run({ fault, seed: 8 });
  assert.equal(a.sim.trace.hash(), b.sim.trace.hash());
  assert.deepEqual(a.records, b.records);
  assert.notEqual(a.sim.trace.hash(), c.sim.trace.hash());
});

Deno.test("simulatorSetupForFault turns crash and omission into simulator configuration", () => {
  assert.deepEqual(simulatorSetupForFault({ mode: "crash", atMs: 5, restartAtMs: 9 }, "s", ["c"]), {
    faults: [{ atMs: 5, kind: "crash", node: "s" }, { atMs: 9, kind: "restart", node: "s" }],
    links: [],
  });
  assert.deepEqual(simulatorSetupForFault({ mode: "omission" }, "s", ["c1", "c2"]).links, [
    { from: ["c1", "c2"], to: "s", lossProbability: 0.1 },
    { from: "s", to: ["c1", "c2"], lossProbability: 0.1 },
  ]);
  for (const mode of ["none", "timing", "byzantine"] as const) {
    assert.deepEqual(simulatorSetupForFault({ mode }, "s", ["c"]), { faults: [], links: [] });
  }
});

Deno.test("ServiceFaultSchema rejects bad fault modes with their path", () => {
  assert.throws(
    () => simulatorSetupForFault({ mode: "crash", atMs: 100, restartAtMs: 50 }, "s", ["c"]),
    (error: unknown) =>
      error instanceof ConfigError && error.issues[0]?.path === "fault.restartAtMs" &&
      error.message.includes("must be later than atMs"),
  );
  assert.throws(
    () => simulatorSetupForFault({ mode: "timing", slowProbability: 2 }, "s", ["c"]),
    /fault\.slowProbability: must be between 0 and 1, got 2/,
  );
  assert.throws(
    () => simulatorSetupForFault({ mode: "flaky" } as unknown as ServiceFaultInput, "s", ["c"]),
    /fault\.mode: must be one of "none", "crash", "omission", "timing", "byzantine"/,
  );
});

Deno.test("RequestClient rejects a bad option with its path", () => {
  const sim = new Simulation<ServiceMessage>({ seed: 1 });
  sim.addNode("client", (ctx) => new RequestClient(ctx, { timeoutMs: 0 }));
  assert.throws(() => sim.runFor(1), /client\.timeoutMs: must be greater than 0 ms/);
});
