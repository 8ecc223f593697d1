import assert from "node:assert/strict";
import { ConfigError, MemoryStorage } from "../../lib/mod.ts";
import {
  ClientSessions,
  KvStore,
  logIsAtLeastAsUpToDate,
  parseRaftOptions,
  RaftCluster,
  RaftNode,
  readRaftState,
  writeRaftState,
} from "../../lib/consensus/mod.ts";
import { elect, FakeContext, ofType, server, write } from "./helpers.ts";

const THREE = ["n1", "n2", "n3"];

// ---- the key-value state machine -----------------------------------------------------

Deno.test("KvStore applies read, write and cas, and a cas that finds another value changes nothing", () => {
  const store = new KvStore();
  assert.deepEqual(store.apply({ f: "read", key: "x" }), { ok: true, value: null });
  store.apply({ f: "write", key: "x", value: 1 });
  assert.deepEqual(store.apply({ f: "cas", key: "x", expected: 2, value: 3 }), {
    ok: false,
    value: 1,
  });
  assert.deepEqual(store.apply({ f: "cas", key: "x", expected: 1, value: 3 }), {
    ok: true,
    value: 3,
  });
  assert.deepEqual(store.snapshot(), { x: 3 });
  assert.equal(store.isReadOnly({ f: "read", key: "x" }), true);
  assert.equal(store.isReadOnly({ f: "cas", key: "x", expected: 3, value: 3 }), false);
});

Deno.test("ClientSessions apply a retried command once and answer it with the first result", () => {
  const store = new KvStore();
  const sessions = new ClientSessions(store);
  const first = sessions.apply({ f: "cas", key: "x", expected: null, value: 1 }, {
    clientId: "c1",
    seq: 1,
  });
  const retry = sessions.apply({ f: "cas", key: "x", expected: null, value: 1 }, {
    clientId: "c1",
    seq: 1,
  });
  assert.equal(first.outcome, "applied");
  assert.equal(retry.outcome, "duplicate");
  assert.deepEqual(retry.result, first.result, "ok, although x is no longer null");
  sessions.apply({ f: "write", key: "x", value: 2 }, { clientId: "c1", seq: 2 });
  assert.deepEqual(
    sessions.apply({ f: "write", key: "x", value: 9 }, { clientId: "c1", seq: 1 }),
    { outcome: "stale", result: undefined },
  );
  assert.equal(store.read("x"), 2);
  assert.deepEqual(sessions.session("c1"), { seq: 2, result: { ok: true, value: 2 } });
  assert.equal(sessions.session("c9"), undefined);
});

// ---- options and state ----------------------------------------------------------------

Deno.test("parseRaftOptions names a bad option and the rule it breaks", () => {
  assert.throws(
    () =>
      parseRaftOptions({ servers: ["n1"], electionTimeoutMinMs: 200, electionTimeoutMaxMs: 100 }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.issues[0]?.path === "raft.electionTimeoutMaxMs" &&
      /at least electionTimeoutMinMs/.test(error.message),
  );
  assert.throws(() => parseRaftOptions({ servers: [] }), ConfigError);
});

Deno.test("RaftNode refuses to start on a server that is not a member", () => {
  const ctx = new FakeContext("n9", THREE);
  assert.throws(
    () => new RaftNode(ctx, { servers: THREE }),
    new RangeError("Cannot start Raft server n9: it is not in servers (n1, n2, n3)"),
  );
});

Deno.test("RaftNode hands observers frozen entries and copies of its log", () => {
  const { node } = server("n1", THREE);
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 1,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [write(1, 1)],
    leaderCommit: 1,
    round: 0,
  });
  const copy = node.entries();
  copy.pop();
  assert.equal(node.lastLogIndex, 1);
  assert.throws(() => {
    (node.entry(1) as { term: number }).term = 9;
  }, TypeError);
  const snapshot = node.stateMachine.snapshot();
  snapshot.x = 42;
  assert.equal(node.stateMachine.read("x"), 1);
});

Deno.test("writeRaftState and readRaftState round-trip a server's durable state", () => {
  const ctx = new FakeContext("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 4, votedFor: "n2", log: [write(1, 1), write(4, 2)] });
  writeRaftState(ctx.storage, { currentTerm: 5, log: [write(5, 3)] });
  const state = readRaftState(ctx.storage);
  assert.deepEqual([state.currentTerm, state.votedFor, state.log], [5, null, [write(5, 3)]]);
  assert.equal(logIsAtLeastAsUpToDate(5, 1, 4, 9), true);
});

// ---- clients, sessions and reads ---------------------------------------------------------

Deno.test("RaftNode redirects a client to the leader it follows", () => {
  const { node, ctx } = server("n1", THREE);
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 1,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    round: 0,
  });
  ctx.take();
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "write", key: "x", value: 1 },
  });
  const [reply] = ofType(ctx.take(), "ClientReply");
  assert.deepEqual(reply?.message, {
    type: "ClientReply",
    clientId: "c1",
    seq: 1,
    status: "not-leader",
    result: null,
    leaderHint: "n2",
  });
});

Deno.test("RaftNode answers a retried command from its session without appending it again", () => {
  const { node, ctx } = server("n1", ["n1"]);
  ctx.fire(node, "election");
  assert.equal(node.role, "leader", "a single server elects itself");
  const request = {
    type: "ClientRequest" as const,
    clientId: "c1",
    seq: 1,
    op: { f: "cas" as const, key: "x", expected: null, value: 5 },
  };
  node.onMessage("c1", request);
  const length = node.lastLogIndex;
  node.onMessage("c1", request);
  assert.equal(node.lastLogIndex, length, "the retry is not appended");
  const replies = ofType(ctx.take(), "ClientReply").map((
    s,
  ) => [s.message.status, s.message.result]);
  assert.deepEqual(replies, [["ok", { ok: true, value: 5 }], ["ok", { ok: true, value: 5 }]]);
});

Deno.test("ReadIndex: a leader answers a read only after a majority acknowledges a heartbeat round", () => {
  const { node, ctx } = server("n1", THREE);
  elect(node, ctx);
  const ack = (peer: string, round: number, matchIndex: number) =>
    node.onMessage(peer, {
      type: "AppendEntriesReply",
      term: 1,
      success: true,
      matchIndex,
      conflictIndex: 0,
      conflictTerm: 0,
      round,
    });
  ack("n2", 0, 1);
  assert.equal(node.commitIndex, 1, "the no-op commits: the leader may serve reads");
  ctx.take();
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "read", key: "x" },
  });
  const heartbeat = ofType(ctx.take(), "AppendEntries");
  assert.equal(heartbeat.length, 2, "a heartbeat round to confirm leadership");
  const round = heartbeat[0]!.message.round;
  ack("n2", round - 1, 1);
  assert.equal(ofType(ctx.take(), "ClientReply").length, 0, "an older round proves nothing");
  ack("n3", round, 1);
  const [reply] = ofType(ctx.take(), "ClientReply");
  assert.deepEqual([reply?.message.status, reply?.message.result], ["ok", {
    ok: true,
    value: null,
  }]);
});

Deno.test("ReadIndex: a new leader waits for an entry of its term to commit before serving reads", () => {
  const { node, ctx } = server("n1", THREE);
  elect(node, ctx);
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "read", key: "x" },
  });
  for (const round of [0, 1, 2]) {
    node.onMessage("n2", {
      type: "AppendEntriesReply",
      term: 1,
      success: false,
      matchIndex: 0,
      conflictIndex: 1,
      conflictTerm: 0,
      round,
    });
  }
  assert.equal(ofType(ctx.take(), "ClientReply").length, 0, "nothing committed in term 1 yet");
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: 1,
    success: true,
    matchIndex: 1,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 2,
  });
  const rounds = ofType(ctx.sent, "AppendEntries").map((s) => s.message.round);
  node.onMessage("n3", {
    type: "AppendEntriesReply",
    term: 1,
    success: true,
    matchIndex: 1,
    conflictIndex: 0,
    conflictTerm: 0,
    round: Math.max(...rounds),
  });
  assert.equal(ofType(ctx.take(), "ClientReply").length, 1);
});

Deno.test("localReads (unsafe): a leader answers a read at once from its own state", () => {
  const { node, ctx } = server("n1", THREE, { unsafe: { localReads: true } });
  elect(node, ctx);
  ctx.take();
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "read", key: "x" },
  });
  const sent = ctx.take();
  assert.equal(ofType(sent, "ClientReply").length, 1);
  assert.equal(ofType(sent, "AppendEntries").length, 0, "no round to confirm leadership");
});

Deno.test("reads through the log are log entries applied in order", () => {
  const { node, ctx } = server("n1", ["n1"], { reads: "log" });
  ctx.fire(node, "election");
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "write", key: "x", value: 3 },
  });
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 2,
    op: { f: "read", key: "x" },
  });
  assert.equal(node.entry(node.lastLogIndex)?.command.kind, "command");
  const replies = ofType(ctx.take(), "ClientReply").map((s) => s.message.result?.value);
  assert.deepEqual(replies, [3, 3]);
});

// ---- pre-vote and disk writes ----------------------------------------------------------

Deno.test("pre-vote: a server that hears from a leader refuses pre-votes and keeps its term", () => {
  const { node, ctx } = server("n1", THREE, { preVote: true });
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 3,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    round: 0,
  });
  ctx.time = 10;
  node.onMessage("n3", {
    type: "PreVote",
    term: 4,
    candidate: "n3",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const [reply] = ofType(ctx.take(), "PreVoteReply");
  assert.deepEqual(reply?.message, { type: "PreVoteReply", term: 3, granted: false });
  assert.equal(node.currentTerm, 3);
  ctx.time = 1000;
  node.onMessage("n3", {
    type: "PreVote",
    term: 4,
    candidate: "n3",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const [later] = ofType(ctx.take(), "PreVoteReply");
  assert.equal(later?.message.granted, true, "the leader has been silent for a whole timeout");
  assert.equal(node.currentTerm, 3, "a pre-vote changes no term");
});

Deno.test("pre-vote: a pre-candidate starts a real election only with a majority of pre-votes", () => {
  const { node, ctx } = server("n1", THREE, { preVote: true });
  ctx.fire(node, "election");
  assert.equal(node.role, "pre-candidate");
  assert.equal(node.currentTerm, 0, "no term spent yet");
  assert.deepEqual(
    ofType(ctx.take(), "PreVote").map((s) => s.message.term),
    [1, 1],
  );
  node.onMessage("n2", { type: "PreVoteReply", term: 1, granted: true });
  assert.equal(node.role, "candidate");
  assert.equal(node.currentTerm, 1);
  assert.equal(ofType(ctx.take(), "RequestVote").length, 2);
});

Deno.test("diskWriteMs: a vote leaves only once the write it depends on has finished", () => {
  const { node, ctx } = server("n1", THREE, { diskWriteMs: 8 });
  node.onMessage("n2", {
    type: "RequestVote",
    term: 1,
    candidate: "n2",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  assert.equal(ofType(ctx.take(), "RequestVoteReply").length, 0);
  const disk = ctx.timer("disk-write");
  assert.equal(disk?.delayMs, 8);
  ctx.fire(node, "disk-write");
  assert.equal(ofType(ctx.take(), "RequestVoteReply")[0]?.message.granted, true);
});

// ---- in a simulation ---------------------------------------------------------------------

Deno.test("RaftCluster elects one leader, commits writes on every server, and stays linearizable", () => {
  const cluster = new RaftCluster({ seed: 5, servers: 5, clients: 2 });
  const leader = cluster.runUntilLeader();
  cluster.submit("c1", { f: "write", key: "x", value: 1 });
  cluster.submit("c2", { f: "cas", key: "x", expected: 1, value: 2 });
  cluster.runUntilCompleted("c1");
  cluster.runUntilCompleted("c2");
  cluster.simulation.runFor(200);
  const servers = cluster.liveServers();
  assert.equal(servers.filter((s) => s.role === "leader").length, 1);
  assert.ok(
    servers.every((s) =>
      s.stateMachine.read("x") === cluster.server(leader.id)!.stateMachine.read("x")
    ),
  );
  assert.equal(cluster.checkLinearizable().valid, true);
  assert.equal(cluster.invariants.violations.length, 0);
});

Deno.test("RaftCluster: a restarted server catches up from the leader", () => {
  const cluster = new RaftCluster({ seed: 2, servers: 3, clients: 1 });
  const leader = cluster.runUntilLeader();
  const follower = cluster.servers.find((id) => id !== leader.id)!;
  cluster.simulation.crash(follower);
  for (let value = 1; value <= 3; value++) {
    cluster.submit("c1", { f: "write", key: "x", value }, { to: leader.id });
    cluster.runUntilCompleted("c1");
  }
  cluster.simulation.restart(follower);
  cluster.simulation.runFor(500);
  const back = cluster.server(follower)!;
  assert.equal(back.stateMachine.read("x"), 3);
  assert.equal(back.lastLogIndex, leader.lastLogIndex);
});

Deno.test("RaftCluster: the same seed gives the same run", () => {
  const run = () => {
    const cluster = new RaftCluster({ seed: 9, servers: 5, clients: 2, client: { workload: {} } });
    cluster.simulation.runUntil(1500);
    return cluster.simulation.trace.hash();
  };
  assert.equal(run(), run());
});

Deno.test("vote retries run on their own timer, stopped when the candidate wins or steps down", () => {
  const { node, ctx } = server("n1", THREE);
  ctx.fire(node, "election");
  assert.equal(node.role, "candidate");
  assert.ok(ctx.timer("vote-retry") !== undefined, "a candidate asks again later");
  assert.equal(ctx.timer("heartbeat"), undefined);
  ctx.take();
  ctx.fire(node, "vote-retry");
  assert.equal(ofType(ctx.take(), "RequestVote").length, 2, "both peers, unanswered, asked again");
  node.onMessage("n2", { type: "RequestVoteReply", term: 1, granted: true });
  assert.equal(node.role, "leader");
  assert.equal(ctx.timer("vote-retry"), undefined, "a leader retries no votes");
  assert.ok(ctx.timer("heartbeat") !== undefined);
  node.onMessage("n3", {
    type: "AppendEntriesReply",
    term: 2,
    success: false,
    matchIndex: 0,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.role, "follower");
  assert.equal(ctx.timer("heartbeat"), undefined);
  assert.equal(ctx.timer("vote-retry"), undefined);
});

Deno.test("parseRaftOptions refuses a stateMachine that is not a factory", () => {
  assert.throws(
    () => parseRaftOptions({ servers: ["n1"], stateMachine: new KvStore() as never }),
    (error: unknown) =>
      error instanceof ConfigError && error.issues[0]?.path === "raft.stateMachine" &&
      /must be a function \(\) => StateMachine/.test(error.message),
  );
});

Deno.test("each server incarnation builds a fresh state machine and replays its log into it", () => {
  const built: KvStore[] = [];
  const stateMachine = () => {
    const store = new KvStore();
    built.push(store);
    return store;
  };
  const storage = new MemoryStorage();
  const first = server("n1", ["n1"], { stateMachine }, { storage });
  first.ctx.fire(first.node, "election");
  first.node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c1",
    seq: 1,
    op: { f: "write", key: "x", value: 7 },
  });
  assert.equal(first.node.stateMachine.read("x"), 7);
  const second = server("n1", ["n1"], { stateMachine }, { storage, incarnation: 2 });
  assert.equal(built.length, 2);
  assert.equal(second.node.stateMachine, built[1]);
  assert.equal(second.node.stateMachine.read("x"), null, "nothing applied before a commit");
  second.ctx.fire(second.node, "election");
  assert.equal(second.node.stateMachine.read("x"), 7, "the log applied again");
});
