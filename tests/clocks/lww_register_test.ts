import assert from "node:assert/strict";
import {
  compareLwwStamps,
  LwwClient,
  type LwwClockKind,
  type LwwMessage,
  LwwReplica,
} from "../../lib/clocks/mod.ts";
import { Simulation } from "../../lib/sim/mod.ts";

const REPLICAS = ["r1", "r2", "r3"];

/** Three replicas, r1 50 ms behind and r3 50 ms ahead, and a client writing 100 times. */
function run(clock: LwwClockKind, offsets = [-50, 0, 50], seed = 2) {
  const sim = new Simulation<LwwMessage>({
    seed,
    network: { latency: { kind: "uniform", minMs: 0.5, maxMs: 2 } },
    clocks: Object.fromEntries(REPLICAS.map((id, i) => [id, { offsetMs: offsets[i]! }])),
  });
  sim.addNodes(REPLICAS, (ctx) => new LwwReplica(ctx, { replicas: REPLICAS, clock }));
  sim.addNode("client", (ctx) => new LwwClient(ctx, { replicas: REPLICAS, writes: 100 }));
  sim.runUntilQuiet();
  return { sim, records: sim.node<LwwClient>("client")!.records };
}

Deno.test("compareLwwStamps orders by time, then counter, then node", () => {
  const stamp = (timeMs: number, logical: number, node: string) => ({ timeMs, logical, node });
  assert.equal(compareLwwStamps(stamp(1, 9, "r9"), stamp(2, 0, "r1")), -1);
  assert.equal(compareLwwStamps(stamp(2, 1, "r1"), stamp(2, 0, "r9")), 1);
  assert.equal(compareLwwStamps(stamp(2, 1, "r2"), stamp(2, 1, "r1")), 1);
  assert.equal(compareLwwStamps(stamp(2, 1, "r1"), stamp(2, 1, "r1")), 0);
});

Deno.test("LwwReplica with synchronised clocks keeps every write until the next one", () => {
  const { sim, records } = run("physical", [0, 0, 0]);
  assert.equal(records.length, 100);
  assert.ok(records.every((r) => !r.lost));
  for (const id of REPLICAS) assert.equal(sim.node<LwwReplica>(id)!.value, 100);
});

Deno.test("LwwReplica with skewed physical clocks silently drops acknowledged writes", () => {
  const { sim, records } = run("physical");
  const lost = records.filter((r) => r.lost);
  assert.ok(lost.length > 10, `${lost.length} lost`);
  for (const write of lost) {
    // It lost to an older write with a larger stamp, and the client read that older value.
    assert.ok(write.readValue !== null && write.readValue < write.value);
    const older = records[write.readValue - 1]!;
    assert.ok(compareLwwStamps(older.stamp, write.stamp) > 0);
  }
  // Replicas agree: the register converged, on a value that is not the last write.
  const values = new Set(REPLICAS.map((id) => sim.node<LwwReplica>(id)!.value));
  assert.equal(values.size, 1);
});

Deno.test("LwwReplica with Lamport or hybrid logical stamps loses no write despite the skew", () => {
  for (const clock of ["lamport", "hlc"] as const) {
    const { records } = run(clock);
    assert.equal(records.length, 100);
    assert.equal(records.filter((r) => r.lost).length, 0, clock);
  }
});

Deno.test("LwwReplica acknowledges a write only once every replica has it", () => {
  const { sim } = run("physical");
  const records = sim.trace.records;
  for (const ack of sim.trace.ofKind("deliver").filter((d) => d.type === "write-ack")) {
    const writeId = (ack.message as LwwMessage & { writeId: number }).writeId;
    const copies = records.filter((r) =>
      r.kind === "deliver" && r.type === "replicate" &&
      (r.message as LwwMessage & { writeId: number }).writeId === writeId && r.t <= ack.t
    );
    assert.equal(copies.length, REPLICAS.length - 1, `write ${writeId}`);
  }
});

Deno.test("LwwClient rejects bad options with the option's path", () => {
  const sim = new Simulation<LwwMessage>();
  sim.addNode("c", (ctx) => new LwwClient(ctx, { replicas: [], writes: 1 }));
  assert.throws(() => sim.runFor(1), /client\.replicas: must name at least one replica/);
});
