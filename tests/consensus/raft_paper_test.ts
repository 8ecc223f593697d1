/**
 * Raft's rules, one test per rule, named after the section of the paper (Ongaro and
 * Ousterhout, 2014) that states it. Each drives one server by hand through a fake
 * context: the test delivers messages, fires timers and reads what the server sent.
 */
import assert from "node:assert/strict";
import {
  majorityCommitIndex,
  noopEntry,
  readRaftState,
  writeRaftState,
} from "../../lib/consensus/mod.ts";
import { elect, ofType, server, write } from "./helpers.ts";

const THREE = ["n1", "n2", "n3"];
const FIVE = ["n1", "n2", "n3", "n4", "n5"];

// ---- §5.1 terms ---------------------------------------------------------------------

Deno.test("§5.1 a server that sees a higher term in a request adopts it and becomes a follower", () => {
  const { node, ctx } = server("n1", THREE);
  elect(node, ctx);
  assert.equal(node.currentTerm, 1);
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 4,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    round: 0,
  });
  assert.equal(node.role, "follower");
  assert.equal(node.currentTerm, 4);
  assert.equal(node.leaderId, "n2");
  assert.equal(readRaftState(ctx.storage).currentTerm, 4);
});

Deno.test("§5.1 a leader that sees a higher term in a reply steps down", () => {
  const { node, ctx } = server("n1", THREE);
  elect(node, ctx);
  node.onMessage("n3", {
    type: "AppendEntriesReply",
    term: 7,
    success: false,
    matchIndex: 0,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.role, "follower");
  assert.equal(node.currentTerm, 7);
  assert.equal(node.votedFor, null);
  assert.equal(ctx.timer("heartbeat"), undefined, "a follower sends no heartbeats");
  assert.ok(ctx.timer("election") !== undefined, "a follower waits for a leader again");
});

Deno.test("§5.1 a request with a stale term is refused, and the reply carries the current term", () => {
  const { node, ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 5 });
  const fresh = server("n1", THREE, {}, { storage: ctx.storage });
  fresh.node.onMessage("n2", {
    type: "AppendEntries",
    term: 3,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [write(3, 1)],
    leaderCommit: 0,
    round: 0,
  });
  fresh.node.onMessage("n3", {
    type: "RequestVote",
    term: 4,
    candidate: "n3",
    lastLogIndex: 10,
    lastLogTerm: 4,
  });
  const sent = fresh.ctx.take();
  const [append] = ofType(sent, "AppendEntriesReply");
  const [vote] = ofType(sent, "RequestVoteReply");
  assert.deepEqual([append?.message.term, append?.message.success], [5, false]);
  assert.deepEqual(vote?.message, { type: "RequestVoteReply", term: 5, granted: false });
  assert.equal(fresh.node.lastLogIndex, 0, "stale entries are not stored");
  assert.equal(node.currentTerm, 0);
});

// ---- §5.2 leader election ------------------------------------------------------------------

Deno.test("§5.2 a follower that hears no heartbeat becomes a candidate when its election timeout fires", () => {
  const { node, ctx } = server("n1", THREE);
  assert.equal(node.role, "follower");
  ctx.fire(node, "election");
  assert.equal(node.role, "candidate");
  assert.equal(node.currentTerm, 1);
});

Deno.test("§5.2 a candidate increments its term, votes for itself and asks every peer for a vote", () => {
  const { node, ctx } = server("n1", FIVE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [noopEntry(1), noopEntry(2)] });
  const restarted = server("n1", FIVE, {}, { storage: ctx.storage });
  restarted.ctx.fire(restarted.node, "election");
  assert.equal(restarted.node.currentTerm, 3);
  assert.equal(restarted.node.votedFor, "n1");
  const requests = ofType(restarted.ctx.take(), "RequestVote");
  assert.deepEqual(requests.map((s) => s.to), ["n2", "n3", "n4", "n5"]);
  for (const { message, durable } of requests) {
    assert.deepEqual(message, {
      type: "RequestVote",
      term: 3,
      candidate: "n1",
      lastLogIndex: 2,
      lastLogTerm: 2,
    });
    assert.equal(durable.currentTerm, 3, "the new term is on disk before the request leaves");
  }
  assert.equal(node.role, "follower");
});

Deno.test("§5.2 a server grants at most one vote per term, first come first served", () => {
  const { node, ctx } = server("n1", THREE);
  const ask = (candidate: string) =>
    node.onMessage(candidate, {
      type: "RequestVote",
      term: 1,
      candidate,
      lastLogIndex: 0,
      lastLogTerm: 0,
    });
  ask("n2");
  ask("n3");
  ask("n2");
  const replies = ofType(ctx.take(), "RequestVoteReply").map((s) => [s.to, s.message.granted]);
  assert.deepEqual(replies, [["n2", true], ["n3", false], ["n2", true]]);
  assert.equal(node.votedFor, "n2");
});

Deno.test("§5.2 a candidate that wins a majority becomes leader and sends heartbeats at once", () => {
  const { node, ctx } = server("n1", FIVE);
  ctx.fire(node, "election");
  ctx.take();
  node.onMessage("n2", { type: "RequestVoteReply", term: 1, granted: true });
  assert.equal(node.role, "candidate", "two of five is not a majority");
  node.onMessage("n3", { type: "RequestVoteReply", term: 1, granted: false });
  node.onMessage("n4", { type: "RequestVoteReply", term: 1, granted: true });
  assert.equal(node.role, "leader");
  const appends = ofType(ctx.take(), "AppendEntries");
  assert.deepEqual(appends.map((s) => s.to), ["n2", "n3", "n4", "n5"]);
  assert.ok(ctx.timer("heartbeat") !== undefined);
  assert.equal(ctx.timer("election"), undefined, "a leader runs no election timer");
});

Deno.test("§5.2 a candidate that hears an AppendEntries from a leader of its term becomes a follower", () => {
  const { node, ctx } = server("n1", THREE);
  ctx.fire(node, "election");
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
  assert.equal(node.role, "follower");
  assert.equal(node.currentTerm, 1);
  assert.equal(node.leaderId, "n2");
});

Deno.test("§5.2 election timeouts are drawn at random from the configured range", () => {
  const delays = new Set<number>();
  for (let seed = 1; seed <= 20; seed++) {
    const { ctx } = server("n1", THREE, { electionTimeoutMinMs: 150, electionTimeoutMaxMs: 300 }, {
      seed,
    });
    const delay = ctx.timer("election")!.delayMs;
    assert.ok(delay >= 150 && delay <= 300, `${delay} within 150–300 ms`);
    delays.add(delay);
  }
  assert.ok(delays.size >= 15, "servers draw different timeouts");
  const { ctx } = server("n1", THREE, { electionTimeoutMinMs: 150, electionTimeoutMaxMs: 150 });
  assert.equal(ctx.timer("election")!.delayMs, 150, "no randomness when min equals max");
});

Deno.test("§5.2 granting a vote resets the election timer; refusing one does not", () => {
  const { node, ctx } = server("n1", THREE);
  const before = ctx.timer("election")!.id;
  node.onMessage("n2", {
    type: "RequestVote",
    term: 1,
    candidate: "n2",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const afterGrant = ctx.timer("election")!.id;
  assert.notEqual(afterGrant, before);
  node.onMessage("n3", {
    type: "RequestVote",
    term: 1,
    candidate: "n3",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  assert.equal(ctx.timer("election")!.id, afterGrant);
});

Deno.test("§5.2 a candidate asks again the peers that have not answered", () => {
  const { node, ctx } = server("n1", FIVE, { heartbeatIntervalMs: 20 });
  ctx.fire(node, "election");
  ctx.take();
  node.onMessage("n2", { type: "RequestVoteReply", term: 1, granted: false });
  ctx.fire(node, "vote-retry");
  assert.deepEqual(ofType(ctx.take(), "RequestVote").map((s) => s.to), ["n3", "n4", "n5"]);
});

// ---- §5.3 log replication --------------------------------------------------------------------

Deno.test("§5.3 a follower refuses entries whose previous entry does not match (consistency check)", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [write(1, 1), write(1, 2), write(2, 3)] });
  const { node, ctx: c } = server("n1", THREE, {}, { storage: ctx.storage });
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 3,
    leader: "n2",
    prevLogIndex: 3,
    prevLogTerm: 3,
    entries: [write(3, 4)],
    leaderCommit: 0,
    round: 0,
  });
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 3,
    leader: "n2",
    prevLogIndex: 6,
    prevLogTerm: 3,
    entries: [],
    leaderCommit: 0,
    round: 0,
  });
  const [mismatch, tooShort] = ofType(c.take(), "AppendEntriesReply").map((s) => s.message);
  assert.deepEqual(
    [mismatch?.success, mismatch?.conflictTerm, mismatch?.conflictIndex],
    [false, 2, 3],
    "the term found at prevLogIndex, and the first index of that term",
  );
  assert.deepEqual(
    [tooShort?.success, tooShort?.conflictTerm, tooShort?.conflictIndex],
    [false, 0, 4],
    "a log too short: the index just past its end",
  );
  assert.equal(node.lastLogIndex, 3);
});

Deno.test("§5.3 a conflicting entry and all that follow it are deleted, and the leader's entries appended", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [write(1, 1), write(2, 2), write(2, 3)] });
  const { node, ctx: c } = server("n1", THREE, {}, { storage: ctx.storage });
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 3,
    leader: "n2",
    prevLogIndex: 1,
    prevLogTerm: 1,
    entries: [write(3, 7)],
    leaderCommit: 0,
    round: 0,
  });
  assert.deepEqual(node.logTerms(), [1, 3]);
  assert.deepEqual(readRaftState(c.storage).log.map((e) => e.term), [1, 3], "and on disk");
  const [reply] = ofType(c.take(), "AppendEntriesReply");
  assert.deepEqual([reply?.message.success, reply?.message.matchIndex], [true, 2]);
  assert.deepEqual(reply?.durable.log.map((e) => e.term), [1, 3], "stored before the reply");
});

Deno.test("§5.3 a late AppendEntries does not cut off entries a newer one appended", () => {
  const { node } = server("n1", THREE);
  const base = {
    type: "AppendEntries" as const,
    term: 1,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    leaderCommit: 0,
    round: 0,
  };
  node.onMessage("n2", { ...base, entries: [write(1, 1), write(1, 2), write(1, 3)] });
  node.onMessage("n2", { ...base, entries: [write(1, 1)] });
  assert.equal(node.lastLogIndex, 3);
});

Deno.test("§5.3 the leader backs up nextIndex past a whole conflicting term at once", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, {
    currentTerm: 5,
    log: [write(1, 1), write(1, 2), write(4, 3), write(4, 4), write(5, 5)],
  });
  const { node, ctx: c } = server("n1", THREE, { appendNoopOnElection: false }, {
    storage: ctx.storage,
  });
  elect(node, c);
  c.take();
  // n2's log: term 1, then three entries of term 2 nobody committed.
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: node.currentTerm,
    success: false,
    matchIndex: 0,
    conflictIndex: 3,
    conflictTerm: 2,
    round: 0,
  });
  const [retry] = ofType(c.take(), "AppendEntries");
  assert.equal(retry?.to, "n2");
  assert.equal(retry?.message.prevLogIndex, 2, "skips n2's term-2 entries in one step");
  assert.deepEqual(retry?.message.entries.map((e) => e.term), [4, 4, 5]);
});

Deno.test("§5.3 a follower advances its commit index to min(leaderCommit, last new entry)", () => {
  const { node } = server("n1", THREE);
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 1,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [write(1, 1), write(1, 2)],
    leaderCommit: 9,
    round: 0,
  });
  assert.equal(node.commitIndex, 2);
  assert.equal(node.lastApplied, 2);
  assert.equal(node.stateMachine.read("x"), 2);
});

Deno.test("§5.3 a leader commits an entry of its term once a majority stores it, and applies it", () => {
  const { node, ctx } = server("n1", FIVE);
  elect(node, ctx);
  assert.equal(node.lastLogIndex, 1, "the new leader's no-op");
  assert.equal(node.commitIndex, 0);
  const ack = (peer: string) =>
    node.onMessage(peer, {
      type: "AppendEntriesReply",
      term: 1,
      success: true,
      matchIndex: 1,
      conflictIndex: 0,
      conflictTerm: 0,
      round: 0,
    });
  ack("n2");
  assert.equal(node.commitIndex, 0, "two of five");
  ack("n3");
  assert.equal(node.commitIndex, 1, "three of five");
  assert.equal(node.lastApplied, 1);
});

// ---- §5.4 safety --------------------------------------------------------------------------

Deno.test("§5.4.1 a vote is refused to a candidate with a less up-to-date log", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 3, log: [write(1, 1), write(3, 2), write(3, 3)] });
  const { node, ctx: c } = server("n1", THREE, {}, { storage: ctx.storage });
  node.onMessage("n2", {
    type: "RequestVote",
    term: 4,
    candidate: "n2",
    lastLogIndex: 2,
    lastLogTerm: 3,
  });
  const [reply] = ofType(c.take(), "RequestVoteReply");
  assert.deepEqual(reply?.message, { type: "RequestVoteReply", term: 4, granted: false });
  assert.equal(node.votedFor, null);
});

Deno.test("§5.4.1 a later last term is more up to date than a longer log", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, {
    currentTerm: 3,
    log: [write(1, 1), write(2, 2), write(2, 3), write(2, 4)],
  });
  const { node, ctx: c } = server("n1", THREE, {}, { storage: ctx.storage });
  node.onMessage("n2", {
    type: "RequestVote",
    term: 4,
    candidate: "n2",
    lastLogIndex: 2,
    lastLogTerm: 3,
  });
  node.onMessage("n3", {
    type: "RequestVote",
    term: 5,
    candidate: "n3",
    lastLogIndex: 9,
    lastLogTerm: 1,
  });
  const replies = ofType(c.take(), "RequestVoteReply").map((s) => s.message.granted);
  assert.deepEqual(replies, [true, false]);
});

Deno.test("§5.4.2 a leader does not commit an entry of an earlier term by counting replicas", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [write(1, 1), write(2, 2)] });
  const { node, ctx: c } = server("n1", THREE, { appendNoopOnElection: false }, {
    storage: ctx.storage,
  });
  elect(node, c);
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: 3,
    success: true,
    matchIndex: 2,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.commitIndex, 0, "index 2 (term 2) is on a majority but not committed");
});

Deno.test("§5.4.2 an entry of an earlier term commits with the first entry of the current term", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [write(1, 1), write(2, 2)] });
  const { node, ctx: c } = server("n1", THREE, {}, { storage: ctx.storage });
  elect(node, c);
  assert.deepEqual(node.logTerms(), [1, 2, 3], "the no-op of term 3");
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: 3,
    success: true,
    matchIndex: 3,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.commitIndex, 3);
  assert.equal(node.stateMachine.read("x"), 2);
});

Deno.test("§5.4.2 the unsafe variant commits an earlier term's entry by counting (Figure 8)", () => {
  const { ctx } = server("n1", THREE);
  writeRaftState(ctx.storage, { currentTerm: 2, log: [write(1, 1), write(2, 2)] });
  const { node, ctx: c } = server(
    "n1",
    THREE,
    { appendNoopOnElection: false, unsafe: { commitPreviousTermByCount: true } },
    { storage: ctx.storage },
  );
  elect(node, c);
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: 3,
    success: true,
    matchIndex: 2,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.commitIndex, 2);
});

// ---- Figure 2: persistent state ---------------------------------------------------------

Deno.test("Figure 2: the vote is on disk before the reply that grants it is sent", () => {
  const { node, ctx } = server("n1", THREE);
  node.onMessage("n2", {
    type: "RequestVote",
    term: 6,
    candidate: "n2",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const [reply] = ofType(ctx.take(), "RequestVoteReply");
  assert.equal(reply?.message.granted, true);
  assert.deepEqual(
    [reply?.durable.currentTerm, reply?.durable.votedFor],
    [6, "n2"],
  );
});

Deno.test("Figure 2: a restarted server recovers its term, vote and log, and does not vote twice", () => {
  const { node, ctx } = server("n1", THREE);
  node.onMessage("n2", {
    type: "AppendEntries",
    term: 2,
    leader: "n2",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [write(2, 1), write(2, 2)],
    leaderCommit: 1,
    round: 0,
  });
  node.onMessage("n3", {
    type: "RequestVote",
    term: 3,
    candidate: "n3",
    lastLogIndex: 2,
    lastLogTerm: 2,
  });
  // A crash loses everything but the storage; a fresh object starts from it.
  const restarted = server("n1", THREE, {}, { storage: ctx.storage, incarnation: 2 });
  assert.deepEqual(
    [restarted.node.currentTerm, restarted.node.votedFor, restarted.node.logTerms()],
    [3, "n3", [2, 2]],
  );
  assert.deepEqual([restarted.node.commitIndex, restarted.node.lastApplied], [0, 0], "volatile");
  restarted.node.onMessage("n2", {
    type: "RequestVote",
    term: 3,
    candidate: "n2",
    lastLogIndex: 2,
    lastLogTerm: 2,
  });
  const [reply] = ofType(restarted.ctx.take(), "RequestVoteReply");
  assert.equal(reply?.message.granted, false);
});

Deno.test("Figure 2: with forgetVotedFor (unsafe), a restarted server votes twice in a term", () => {
  const unsafe = { unsafe: { forgetVotedFor: true } };
  const { node, ctx } = server("n1", THREE, unsafe);
  node.onMessage("n3", {
    type: "RequestVote",
    term: 3,
    candidate: "n3",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const restarted = server("n1", THREE, unsafe, { storage: ctx.storage, incarnation: 2 });
  restarted.node.onMessage("n2", {
    type: "RequestVote",
    term: 3,
    candidate: "n2",
    lastLogIndex: 0,
    lastLogTerm: 0,
  });
  const [reply] = ofType(restarted.ctx.take(), "RequestVoteReply");
  assert.equal(reply?.message.granted, true);
});

Deno.test("§5.3 majorityCommitIndex: the highest index on a majority, of the current term", () => {
  const terms = [1, 1, 2, 2, 3];
  const input = {
    matchIndexes: [5, 5, 3, 2, 1],
    termAt: (i: number) => terms[i - 1] ?? 0,
    commitIndex: 1,
    majority: 3,
  };
  assert.equal(majorityCommitIndex({ ...input, currentTerm: 2 }), 3);
  assert.equal(majorityCommitIndex({ ...input, currentTerm: 3 }), 1, "§5.4.2: index 3 waits");
  assert.equal(majorityCommitIndex({ ...input, matchIndexes: [5, 5, 5, 1, 1], currentTerm: 3 }), 5);
});

Deno.test("a commit rule plugged into a leader decides its commit index, and a bad answer throws", () => {
  const { node, ctx } = server("n1", THREE, { commitRule: () => 0 });
  elect(node, ctx);
  node.onMessage("n2", {
    type: "AppendEntriesReply",
    term: 1,
    success: true,
    matchIndex: 1,
    conflictIndex: 0,
    conflictTerm: 0,
    round: 0,
  });
  assert.equal(node.commitIndex, 0, "a rule that never commits");
  const bad = server("n1", THREE, { commitRule: () => 7 });
  assert.throws(
    () => elect(bad.node, bad.ctx),
    new RangeError(
      "Cannot advance the commit index of n1: the commit rule returned 7, expected a whole number from 0 to 1",
    ),
  );
});
