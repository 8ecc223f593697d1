import assert from "node:assert/strict";
import { parseCliArgs } from "../../lib/experiments/cli_args.ts";
import { pingRtt, PingRttParamsSchema, runPingRtt } from "../../lib/experiments/mod.ts";
import { replayCommand } from "../../lib/testing/mod.ts";
import { ConfigError } from "../../lib/config/mod.ts";

Deno.test("pingRtt gives one row per ping, each node pinging its peers in turn", () => {
  const rows = pingRtt.run({ nodes: 4, pings: 6 }, 1);
  assert.equal(rows.length, 4 * 6);
  for (const id of ["n1", "n2", "n3", "n4"]) {
    const mine = rows.filter((row) => row.from === id);
    assert.equal(mine.length, 6);
    const peers = ["n1", "n2", "n3", "n4"].filter((peer) => peer !== id);
    // Sent in order, so the targets cycle through the peers.
    assert.deepEqual(mine.map((row) => row.to), [...peers, ...peers]);
  }
  const sent = rows.map((row) => row.sentAtMs);
  assert.deepEqual(sent, [...sent].sort((a, b) => a - b));
});

Deno.test("pingRtt gives the same rows for the same seed and others for another", () => {
  const a = pingRtt.run({}, 7);
  assert.deepEqual(pingRtt.run({}, 7), a);
  assert.notDeepEqual(pingRtt.run({}, 8), a);
});

Deno.test("pingRtt measures round trips within twice the latency bounds", () => {
  const rows = pingRtt.run({ latency: { kind: "uniform", minMs: 5, maxMs: 15 }, pings: 30 }, 3);
  assert.equal(rows.length, 90);
  for (const row of rows) {
    assert.equal(row.timedOut, false);
    assert.ok(row.rttMs !== null && row.rttMs >= 10 && row.rttMs <= 30, `rtt ${row.rttMs}`);
  }
  // Two uniform delays rarely both sit at an end: the spread should show.
  const rtts = rows.map((row) => row.rttMs as number);
  assert.ok(Math.max(...rtts) - Math.min(...rtts) > 5);
});

Deno.test("pingRtt times out pings under loss, with a null round trip", () => {
  const rows = pingRtt.run({ lossProbability: 0.3, pings: 50 }, 11);
  const lost = rows.filter((row) => row.timedOut);
  // A ping survives only if both it and its pong do: 1 - 0.7² = 51% expected.
  const fraction = lost.length / rows.length;
  assert.ok(fraction > 0.35 && fraction < 0.65, `timed out ${fraction}`);
  assert.ok(lost.every((row) => row.rttMs === null));
  assert.ok(rows.filter((row) => !row.timedOut).every((row) => typeof row.rttMs === "number"));
  assert.equal(
    pingRtt.run({ lossProbability: 0, pings: 50 }, 11).filter((r) => r.timedOut).length,
    0,
  );
});

Deno.test("pingRtt counts pongs slower than the timeout as timed out", () => {
  const rows = pingRtt.run({ latency: { kind: "constant", ms: 30 }, timeoutMs: 50, pings: 3 }, 1);
  assert.ok(rows.length === 9 && rows.every((row) => row.timedOut && row.rttMs === null));
});

Deno.test("pingRtt rejects bad parameters by name", () => {
  assert.throws(() => pingRtt.run({ nodes: 1 }, 1), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, "params.nodes: must be at least 2, got 1");
    return true;
  });
  assert.throws(
    () => pingRtt.run({ lossProbability: 2 }, 1),
    /params\.lossProbability: must be between 0 and 1, got 2/,
  );
});

Deno.test("runPingRtt's replay line names the seed and only the parameters off their default", () => {
  const params = PingRttParamsSchema.parse({ nodes: 5, latency: { kind: "constant", ms: 2 } });
  const line = replayCommand("ping-rtt", 9, { params, defaults: PingRttParamsSchema.parse({}) });
  assert.equal(
    line,
    `deno task exp run ping-rtt --seed 9 --param nodes=5 --param 'latency={"kind":"constant","ms":2}'`,
  );
  // The CLI reads the line back as the same run.
  const words = [
    "run",
    "ping-rtt",
    "--seed",
    "9",
    "--param",
    "nodes=5",
    "--param",
    'latency={"kind":"constant","ms":2}',
  ];
  const command = parseCliArgs(words);
  assert.ok(command.command === "run");
  assert.deepEqual(
    runPingRtt(PingRttParamsSchema.parse(command.params), command.seed),
    runPingRtt(params, 9),
  );
});
