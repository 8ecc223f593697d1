import assert from "node:assert/strict";
import { RaftCluster } from "../../lib/consensus/mod.ts";
import { pairOperations } from "../../lib/history/mod.ts";

Deno.test("RaftClient follows a not-leader redirect to the leader", () => {
  const cluster = new RaftCluster({ seed: 3, servers: 3, clients: 1 });
  const leader = cluster.runUntilLeader();
  cluster.simulation.runFor(50);
  const follower = cluster.servers.find((id) => id !== leader.id)!;
  cluster.submit("c1", { f: "write", key: "x", value: 1 }, { to: follower });
  const done = cluster.runUntilCompleted("c1");
  assert.equal(done.status, "ok");
  assert.equal(done.attempts, 2, "the follower, then the leader it named");
  assert.equal(cluster.client("c1").target, leader.id);
});

Deno.test("RaftClient retries with the same session number, and the command applies once", () => {
  const cluster = new RaftCluster({
    seed: 4,
    servers: 3,
    clients: 1,
    network: { latency: { kind: "constant", ms: 5 } },
    client: { attemptTimeoutMs: 50, operationTimeoutMs: 2000 },
  });
  const leader = cluster.runUntilLeader();
  cluster.simulation.runFor(50);
  // The leader's answers to c1 are lost for a while: c1 must retry a cas it cannot see
  // succeed. Applied twice, the second cas would find 1, not null, and fail.
  cluster.simulation.partitionOneWay([leader.id], ["c1"]);
  cluster.submit("c1", { f: "cas", key: "x", expected: null, value: 1 }, { to: leader.id });
  cluster.simulation.runFor(180);
  cluster.simulation.heal();
  const done = cluster.runUntilCompleted("c1");
  assert.equal(done.status, "ok");
  assert.ok(done.attempts >= 3, `${done.attempts} attempts`);
  const copies = cluster.server(leader.id)!.entries()
    .filter((e) => e.command.kind === "command" && e.command.clientId === "c1");
  assert.equal(copies.length, 1, "the retries found the command in the session");
  assert.equal(cluster.checkLinearizable().valid, true);
});

Deno.test("RaftClient records info when no answer comes before its deadline", () => {
  const cluster = new RaftCluster({
    seed: 1,
    servers: 3,
    clients: 1,
    client: { attemptTimeoutMs: 30, operationTimeoutMs: 300 },
  });
  cluster.runUntilLeader();
  for (const id of cluster.servers) cluster.simulation.crash(id);
  cluster.submit("c1", { f: "write", key: "x", value: 1 });
  const done = cluster.runUntilCompleted("c1");
  assert.equal(done.status, "info");
  assert.ok(Math.abs(done.completedMs - done.invokedMs - 300) < 1e-9);
  assert.ok(done.attempts >= 9, "it kept trying the servers in turn");
  assert.equal(cluster.history.at(-1)?.type, "info");
});

Deno.test("RaftClient runs its workload one operation at a time and writes unique values", () => {
  const cluster = new RaftCluster({
    seed: 7,
    servers: 3,
    clients: 2,
    client: { workload: { operations: 15, keys: ["a", "b"], thinkMs: 10 } },
  });
  cluster.simulation.runUntilTrue(() => cluster.clients.every((id) => cluster.client(id).done), {
    withinMs: 20_000,
  });
  const ops = pairOperations(cluster.history);
  assert.equal(ops.length, 30);
  const written = ops.filter((op) => op.f === "write").map((op) => op.value);
  assert.equal(new Set(written).size, written.length);
  assert.ok(ops.every((op) => op.key === "a" || op.key === "b"));
  assert.equal(cluster.checkLinearizable().valid, true);
});

Deno.test("RaftClient refuses a second operation while one is in progress", () => {
  const cluster = new RaftCluster({ seed: 1, servers: 3, clients: 1 });
  cluster.submit("c1", { f: "read", key: "x" });
  assert.throws(
    () => cluster.submit("c1", { f: "read", key: "x" }),
    new RangeError("Cannot submit read on c1: operation 1 is in progress"),
  );
});

Deno.test("RaftClient refuses a malformed operation, naming the field", () => {
  const cluster = new RaftCluster({ seed: 3, servers: 3, clients: 1 });
  cluster.runUntilLeader();
  assert.throws(
    () => cluster.submit("c1", { f: "cas", key: "x", value: [2, 3] } as never),
    { name: "ConfigError", message: /^op\.expected: is required/m },
  );
  assert.throws(
    () => cluster.submit("c1", { f: "delete", key: "x" } as never),
    { name: "ConfigError", message: /^op\.f: must be one of "read", "write", "cas"/ },
  );
});
