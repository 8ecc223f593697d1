import assert from "node:assert/strict";
import { OccClient, OccDatabase, type OccMessage } from "../../lib/resilience/mod.ts";
import { BACKOFF_STRATEGIES } from "../../lib/resilience/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

/**
 * One small OCC run with the optimistic-concurrency rule checked after every event by an
 * observer that reads only the trace: a write may succeed only if it carries the version
 * of every success before it (no lost update), so the k-th success carries version k−1.
 */
function occTrial(seed: number, checkVersion = true): string | undefined {
  const strategy = BACKOFF_STRATEGIES[seed % BACKOFF_STRATEGIES.length]!;
  const sim = new Simulation<OccMessage>({
    seed,
    network: { latency: { kind: "normal", meanMs: 10, stdDevMs: 2 } },
  });
  sim.addNode("db", (ctx) => new OccDatabase(ctx, { checkVersion }));
  const clients = 2 + (seed % 5);
  const ids = Array.from({ length: clients }, (_, i) => `c${i + 1}`);
  const done: OccClient[] = [];
  sim.addNodes(ids, (ctx) => {
    const client = new OccClient(ctx, {
      database: "db",
      backoff: { strategy, baseMs: 5, capMs: 2000 },
    });
    done.push(client);
    return client;
  });
  let seen = 0, successes = 0, lastWrite: number | undefined;
  let violation: string | undefined;
  sim.addInvariant("no lost update", () => {
    const records = sim.trace.records;
    for (; seen < records.length; seen++) {
      const record = records[seen]!;
      if (record.kind === "deliver" && record.to === "db" && record.type === "write") {
        lastWrite = (record.message as OccMessage & { type: "write" }).version;
      }
      if (record.kind === "send" && record.from === "db" && record.type === "write-reply") {
        if (!(record.message as OccMessage & { type: "write-reply" }).ok) continue;
        if (lastWrite !== successes) {
          return `success ${successes + 1} carried version ${lastWrite}, not ${successes}`;
        }
        successes++;
      }
    }
    return undefined;
  });
  try {
    sim.runUntilQuiet({ untilMs: 1_000_000 });
  } catch (error) {
    violation = error instanceof Error ? error.message : String(error);
  }
  if (violation === undefined && successes !== clients) {
    violation = `${successes} successful writes for ${clients} clients`;
  }
  if (violation === undefined && done.some((c) => c.doneAtMs === null)) {
    violation = "a client never finished";
  }
  return violation;
}

Deno.test("OCC: no lost update and every client finishes, over 1,000 seeds", () => {
  for (let seed = 1; seed <= 1000; seed++) {
    const violation = occTrial(seed);
    assert.equal(violation, undefined, `seed ${seed}: ${violation}`);
  }
});

Deno.test("OCC: a database that skips the version check is caught within 20 seeds", () => {
  let caught: number | undefined;
  for (let seed = 1; seed <= 200 && caught === undefined; seed++) {
    const violation = occTrial(seed, false);
    if (violation !== undefined) {
      assert.match(violation, /no lost update/);
      caught = seed;
    }
  }
  assert.ok(caught !== undefined && caught <= 20, `caught at seed ${caught}`);
});
