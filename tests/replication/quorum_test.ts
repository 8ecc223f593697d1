import assert from "node:assert/strict";
import { ConfigError, Simulation } from "../../lib/mod.ts";
import {
  fallbackList,
  overlappingReadScenario,
  preferenceList,
  QuorumClient,
  type QuorumClientOptions,
  type QuorumMessage,
  QuorumReplica,
  type QuorumReplicaOptions,
  runQuorumTrial,
} from "../../lib/replication/mod.ts";

const RING = ["s1", "s2", "s3", "s4", "s5"];

function cluster(
  client: Partial<QuorumClientOptions>,
  replica: Partial<QuorumReplicaOptions> = {},
  ring = RING.slice(0, 3),
) {
  const simulation = new Simulation<QuorumMessage>({
    seed: 1,
    network: { latency: { kind: "constant", ms: 1 } },
  });
  simulation.addNodes(
    ring,
    (ctx) => new QuorumReplica(ctx, { ring, n: 3, versioning: "timestamp", ...replica }),
  );
  simulation.addNode("c", (ctx) =>
    new QuorumClient(ctx, {
      ring,
      n: 3,
      w: 2,
      r: 2,
      versioning: "timestamp",
      writes: "read-first",
      writeBack: true,
      readRepair: false,
      sloppy: false,
      ...client,
    }));
  const c = () => simulation.node<QuorumClient>("c")!;
  const replicaAt = (id: string) => simulation.node<QuorumReplica>(id)!;
  return { simulation, c, replicaAt, ring };
}

Deno.test("preferenceList takes N consecutive ring nodes from the key's hash; fallbacks follow", () => {
  for (const key of ["a", "b", "k1", "k2", "user:42"]) {
    const preferred = preferenceList(key, RING, 3);
    const fallbacks = fallbackList(key, RING, 3);
    assert.equal(new Set([...preferred, ...fallbacks]).size, RING.length);
    const start = RING.indexOf(preferred[0]!);
    assert.deepEqual(preferred, [0, 1, 2].map((i) => RING[(start + i) % RING.length]));
    assert.equal(fallbacks[0], RING[(start + 3) % RING.length]);
  }
});

Deno.test("a write returns after W acks, a read after R replies; read-first writes go above the highest timestamp", () => {
  const { simulation, c, replicaAt, ring } = cluster({});
  simulation.at(0, () => c().write("x", 1));
  simulation.runUntil(20);
  simulation.at(20, () => c().write("x", 2));
  simulation.runUntil(40);
  const [first, second] = c().completions;
  // Query (2 ms round trip) then store (2 ms): 4 ms each.
  assert.equal(first!.completedMs - first!.invokedMs, 4);
  assert.equal(first!.siblings[0]!.ts, 1);
  assert.equal(second!.siblings[0]!.ts, 2);
  assert.equal(first!.from.length, 2);
  for (const id of ring) assert.equal(replicaAt(id).siblings("x")[0]!.value, 2);
  simulation.at(40, () => c().read("x"));
  simulation.runUntil(60);
  const read = c().completions[2]!;
  assert.equal(read.siblings[0]!.value, 2);
});

Deno.test("read repair brings a stale replica up to date", () => {
  const { simulation, c, replicaAt } = cluster({ readRepair: true, writeBack: false });
  simulation.at(0, () => {
    simulation.crash("s3");
    c().write("x", 7);
  });
  simulation.runUntil(10);
  simulation.restart("s3");
  assert.equal(replicaAt("s3").siblings("x").length, 0);
  simulation.at(10, () => c().read("x"));
  simulation.runUntil(30);
  assert.equal(replicaAt("s3").siblings("x")[0]?.value, 7);
  assert.equal(replicaAt("s3").repairsApplied, 1);
});

Deno.test("a read repair never replaces a newer version (and the broken rule does)", () => {
  for (const repairOverwrites of [false, true]) {
    const { simulation, replicaAt } = cluster({}, { unsafe: { repairOverwrites } });
    simulation.runUntil(1);
    const newer = { value: 2, ts: 5, writer: "c", vv: {} };
    const older = { value: 1, ts: 3, writer: "c", vv: {} };
    replicaAt("s1").onMessage("c", { type: "Put", id: 1, key: "x", siblings: [newer], hint: null });
    replicaAt("s1").onMessage("c", { type: "Repair", key: "x", siblings: [older] });
    assert.equal(replicaAt("s1").siblings("x")[0]!.value, repairOverwrites ? 1 : 2);
  }
});

Deno.test("a sloppy write goes to the next ring node with a hint, handed off when the owner is back", () => {
  const ring = RING;
  const key = "x";
  const preferred = preferenceList(key, ring, 3);
  const fallback = fallbackList(key, ring, 3)[0]!;
  const { simulation, c, replicaAt } = cluster(
    { sloppy: true, retryMs: 5, writes: "clock", w: 3 },
    { handoffIntervalMs: 10 },
    ring,
  );
  const down = preferred[2]!;
  simulation.at(0, () => {
    simulation.crash(down);
    c().write(key, 9);
  });
  simulation.runUntil(20);
  const write = c().completions[0]!;
  assert.equal(write.status, "ok");
  assert.ok(write.from.includes(fallback), `acked by ${write.from}`);
  assert.equal(replicaAt(fallback).hintCount, 1);
  assert.equal(replicaAt(fallback).siblings(key).length, 0, "hinted data is kept apart");
  simulation.restart(down);
  simulation.runUntil(60);
  assert.equal(replicaAt(down).siblings(key)[0]?.value, 9);
  assert.equal(replicaAt(fallback).hintCount, 0);
});

Deno.test("vector versions keep concurrent writes as siblings; a later write supersedes both", () => {
  const { simulation, replicaAt, ring } = cluster({ versioning: "vector" }, {
    versioning: "vector",
  });
  for (const id of ["c2"]) {
    simulation.addNode(id, (ctx) =>
      new QuorumClient(ctx, {
        ring,
        n: 3,
        w: 3,
        r: 3,
        versioning: "vector",
        writes: "read-first",
        writeBack: false,
        readRepair: false,
        sloppy: false,
      }));
  }
  const c1 = () => simulation.node<QuorumClient>("c")!;
  const c2 = () => simulation.node<QuorumClient>("c2")!;
  simulation.at(1, () => {
    c1().write("x", 1);
    c2().write("x", 2);
  });
  simulation.runUntil(20);
  assert.deepEqual(replicaAt("s1").siblings("x").map((s) => s.value).sort(), [1, 2]);
  simulation.at(20, () => c1().write("x", 3));
  simulation.runUntil(40);
  assert.deepEqual(replicaAt("s1").siblings("x").map((s) => s.value), [3]);
});

Deno.test("R + W > N without write-back: the checker finds the overlapping read; write-back fixes it", () => {
  const broken = overlappingReadScenario({ writeBack: false });
  assert.equal(broken.completions.a.siblings[0]?.value, 1);
  assert.equal(broken.completions.b.siblings.length, 0, "b read nothing, after a read 1");
  assert.ok(broken.completions.a.completedMs < broken.completions.b.invokedMs);
  assert.equal(broken.linearizability.valid, false);
  assert.match(broken.linearizability.evidence!.summary, /read → null/);
  const fixed = overlappingReadScenario({ writeBack: true });
  assert.equal(fixed.completions.b.siblings[0]?.value, 1);
  assert.equal(fixed.linearizability.valid, true);
});

Deno.test("bad quorum configurations fail with the field's path", () => {
  const message = (params: Record<string, unknown>) => {
    try {
      runQuorumTrial(params, 1);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(message({ w: 4 }), "params.w: must be at most n (3), got 4");
  assert.equal(message({ r: 0 }), "params.r: must be at least 1, got 0");
  assert.equal(
    message({ n: 5 }),
    [
      "params.n: must be at most replicas (3), got 5",
    ].join("\n"),
  );
  assert.match(message({ versioning: "lamport" }), /^params\.versioning: /);
});
