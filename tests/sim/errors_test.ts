import assert from "node:assert/strict";
import { SimulationError } from "../../lib/mod.ts";

Deno.test("SimulationError message reads summary, seed and time, excerpt, then replay", () => {
  const error = new SimulationError("Cannot deliver Ping n1 → n2: TypeError: boom", {
    kind: "node-exception",
    seed: 42,
    timeMs: 12.3456,
    replay: "deno task exp run ping --seed 42",
    excerpt: ["    12.000 ms  n1 → n2  Ping"],
  }, { cause: new TypeError("boom") });
  assert.equal(
    error.message,
    [
      "Cannot deliver Ping n1 → n2: TypeError: boom",
      "  seed 42, virtual time 12.346 ms, node-exception",
      "  last events:",
      "        12.000 ms  n1 → n2  Ping",
      "  replay: deno task exp run ping --seed 42",
    ].join("\n"),
  );
  assert.equal(error.name, "SimulationError");
  assert.equal(error.kind, "node-exception");
  assert.equal(error.seed, 42);
  assert.equal(error.timeMs, 12.3456);
  assert.ok(error.cause instanceof TypeError);
  assert.ok(error instanceof Error);
});

Deno.test("SimulationError without an excerpt has no 'last events' block", () => {
  const error = new SimulationError("Cannot elect a leader within 100 ms", {
    kind: "liveness",
    seed: 1,
    timeMs: 100,
    replay: "seed 1",
  });
  assert.equal(
    error.message,
    "Cannot elect a leader within 100 ms\n  seed 1, virtual time 100.000 ms, liveness\n  replay: seed 1",
  );
  assert.deepEqual(error.excerpt, []);
});
