/**
 * The rules of "Paxos Made Simple" (Lamport, 2001), one test per rule, named after it.
 * Each drives a process by hand through a fake context.
 */
import assert from "node:assert/strict";
import { MemoryStorage } from "../../lib/mod.ts";
import {
  type AcceptorState,
  acceptRule,
  ballotOf,
  ballotRound,
  EMPTY_ACCEPTOR,
  type MultiPaxosMessage,
  MultiPaxosNode,
  type MultiPaxosTimer,
  type PaxosMessage,
  PaxosNode,
  type PaxosTimer,
  promiseRule,
  valueToPropose,
} from "../../lib/consensus/mod.ts";
import { FakeContext } from "../../lib/testing/mod.ts";

const THREE = ["n1", "n2", "n3"];

function acceptor(id = "n2", storage?: MemoryStorage) {
  const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>(id, THREE, {
    ...(storage === undefined ? {} : { storage, incarnation: 2 }),
  });
  const node = new PaxosNode<string>(ctx, { acceptors: THREE, learners: [] });
  return { ctx, node };
}

Deno.test("P1: an acceptor accepts the first proposal it receives", () => {
  const { ctx, node } = acceptor();
  node.onMessage("n1", { type: "Accept", ballot: ballotOf(1, 0), value: "x" });
  assert.deepEqual(node.acceptorState.accepted, { ballot: ballotOf(1, 0), value: "x" });
  assert.deepEqual(ctx.take().map((s) => s.message.type), ["Accepted"]);
});

Deno.test("P1a: an acceptor accepts ballot n unless it answered a prepare numbered above n", () => {
  const { ctx, node } = acceptor();
  node.onMessage("n3", { type: "Prepare", ballot: ballotOf(2, 2) });
  ctx.take();
  node.onMessage("n1", { type: "Accept", ballot: ballotOf(1, 0), value: "x" });
  assert.equal(node.acceptorState.accepted, null);
  const [nack] = ctx.take();
  assert.deepEqual(nack?.message, {
    type: "Nack",
    ballot: ballotOf(1, 0),
    promised: ballotOf(2, 2),
  });
  node.onMessage("n3", { type: "Accept", ballot: ballotOf(2, 2), value: "y" });
  assert.deepEqual(node.acceptorState.accepted, { ballot: ballotOf(2, 2), value: "y" });
  // As pure rules:
  const promised: AcceptorState<string> = { promised: 7, accepted: null };
  assert.equal(acceptRule(promised, 6, "x"), undefined);
  assert.deepEqual(acceptRule(promised, 7, "x"), {
    promised: 7,
    accepted: { ballot: 7, value: "x" },
  });
});

Deno.test("Phase 1b: a promise returns the highest-numbered proposal the acceptor accepted", () => {
  const { ctx, node } = acceptor();
  node.onMessage("n1", { type: "Accept", ballot: ballotOf(1, 0), value: "x" });
  ctx.take();
  node.onMessage("n3", { type: "Prepare", ballot: ballotOf(3, 2) });
  const [reply] = ctx.take();
  assert.deepEqual(reply?.message, {
    type: "Promise",
    ballot: ballotOf(3, 2),
    accepted: { ballot: ballotOf(1, 0), value: "x" },
  });
  const lower = promiseRule({ promised: 9, accepted: null }, 8);
  assert.equal(lower.promise, false);
});

Deno.test("Phase 1b: an acceptor does not promise below a higher promise", () => {
  const { ctx, node } = acceptor();
  node.onMessage("n3", { type: "Prepare", ballot: ballotOf(5, 2) });
  ctx.take();
  node.onMessage("n1", { type: "Prepare", ballot: ballotOf(4, 0) });
  assert.deepEqual(ctx.take()[0]?.message, {
    type: "Nack",
    ballot: ballotOf(4, 0),
    promised: ballotOf(5, 2),
  });
});

Deno.test("§2.3 stable storage: an acceptor's promise survives a restart", () => {
  const first = acceptor();
  first.node.onMessage("n3", { type: "Prepare", ballot: ballotOf(5, 2) });
  const again = acceptor("n2", first.ctx.storage);
  assert.equal(again.node.acceptorState.promised, ballotOf(5, 2));
  again.node.onMessage("n1", { type: "Accept", ballot: ballotOf(4, 0), value: "x" });
  assert.equal(again.node.acceptorState.accepted, null, "the old promise still binds it");
});

Deno.test("§2.3 stable storage: the forgetPromise variant loses the promise across a restart", () => {
  const storage = new MemoryStorage();
  const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>("n2", THREE, { storage });
  const node = new PaxosNode<string>(ctx, {
    acceptors: THREE,
    learners: [],
    unsafe: { forgetPromise: true },
  });
  node.onMessage("n3", { type: "Prepare", ballot: ballotOf(5, 2) });
  assert.equal(node.acceptorState.promised, ballotOf(5, 2), "it promised, in memory");
  const again = acceptor("n2", storage);
  assert.equal(again.node.acceptorState.promised, 0);
});

Deno.test("§2.3 a restarted proposer never reuses a ballot", () => {
  const storage = new MemoryStorage();
  const start = (incarnation: number) => {
    const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>("n1", THREE, {
      storage,
      incarnation,
    });
    const node = new PaxosNode<string>(ctx, { acceptors: THREE, proposal: "x" });
    node.onTimer({ type: "propose" });
    return node.ballot;
  };
  const first = start(1);
  const second = start(2);
  assert.ok(second > first, `${second} > ${first}`);
  assert.equal(ballotRound(second), ballotRound(first) + 1);
});

Deno.test("P2c: the proposer adopts the value of the highest-numbered proposal in the promises", () => {
  const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>("n1", THREE);
  const node = new PaxosNode<string>(ctx, { acceptors: THREE, proposal: "mine" });
  node.onTimer({ type: "propose" });
  const ballot = node.ballot;
  ctx.take();
  node.onMessage("n2", {
    type: "Promise",
    ballot,
    accepted: { ballot: ballotOf(1, 2), value: "old" },
  });
  const accepts = ctx.take().filter((s) => s.message.type === "Accept");
  assert.ok(accepts.length > 0);
  for (const { message } of accepts) assert.equal((message as { value: string }).value, "old");
  assert.equal(
    valueToPropose([null, { ballot: 3, value: "a" }, { ballot: 9, value: "b" }], "c"),
    "b",
  );
  assert.equal(valueToPropose([null, null], "c"), "c", "free to propose its own value");
});

Deno.test("P2c: the ignorePhase1Values variant proposes its own value regardless", () => {
  const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>("n1", THREE);
  const node = new PaxosNode<string>(ctx, {
    acceptors: THREE,
    proposal: "mine",
    unsafe: { ignorePhase1Values: true },
  });
  node.onTimer({ type: "propose" });
  const ballot = node.ballot;
  ctx.take();
  node.onMessage("n2", {
    type: "Promise",
    ballot,
    accepted: { ballot: ballotOf(1, 2), value: "old" },
  });
  const accept = ctx.take().find((s) => s.message.type === "Accept");
  assert.equal((accept?.message as { value: string }).value, "mine");
});

Deno.test("Learning: a learner learns a value once a majority accepted it in one ballot", () => {
  const ctx = new FakeContext<PaxosMessage<string>, PaxosTimer>("n3", THREE);
  const node = new PaxosNode<string>(ctx, { acceptors: THREE });
  node.onMessage("n1", { type: "Accepted", ballot: ballotOf(1, 0), value: "x" });
  node.onMessage("n2", { type: "Accepted", ballot: ballotOf(2, 1), value: "y" });
  assert.equal(node.hasLearned, false, "two ballots are not one majority");
  node.onMessage("n2", { type: "Accepted", ballot: ballotOf(1, 0), value: "x" });
  assert.equal(node.learned, "x");
  assert.equal(EMPTY_ACCEPTOR.promised, 0);
});

Deno.test("Multi-Paxos §3: one phase 1 covers every slot from the first unknown one, and the leader re-proposes what it learns", () => {
  const ctx = new FakeContext<MultiPaxosMessage<unknown, unknown>, MultiPaxosTimer>(
    "n1",
    THREE,
  );
  const node = new MultiPaxosNode(ctx, { servers: THREE });
  node.start();
  node.onTimer({ type: "election" });
  const prepares = ctx.take().filter((s) => s.message.type === "Prepare");
  assert.equal(prepares.length, 2, "one prepare to each other server");
  const ballot = node.ballot;
  const value = { kind: "command", clientId: "c1", seq: 1, op: { f: "read", key: "x" } } as const;
  node.onMessage("n2", { type: "Promise", ballot, accepted: [[1, ballotOf(1, 2), value]] });
  assert.equal(node.role, "leader");
  const accepts = ctx.take().filter((s) => s.message.type === "Accept");
  const slots = accepts.map((
    s,
  ) => [
    (s.message as { slot: number }).slot,
    (s.message as { value: { kind: string } }).value.kind,
  ]);
  // Slot 0 was empty in every promise: a no-op fills it; slot 1 carries the reported value.
  assert.deepEqual(slots.sort(), [[0, "noop"], [0, "noop"], [1, "command"], [1, "command"]]);
  // New commands need no further phase 1.
  node.onMessage("c1", {
    type: "ClientRequest",
    clientId: "c2",
    seq: 1,
    op: { f: "read", key: "y" },
  });
  const sent = ctx.take();
  assert.ok(sent.every((s) => s.message.type === "Accept"), "phase 2 only");
  assert.deepEqual(new Set(sent.map((s) => (s.message as { slot: number }).slot)), new Set([2]));
});

Deno.test("Multi-Paxos §2.3 stable storage: a restarted server keeps its promise; the forgetPromise variant does not", () => {
  for (const unsafe of ["none", "forgetPromise"] as const) {
    const storage = new MemoryStorage();
    const start = (incarnation: number) => {
      const ctx = new FakeContext<MultiPaxosMessage<unknown, unknown>, MultiPaxosTimer>(
        "n2",
        THREE,
        { storage, incarnation },
      );
      return { ctx, node: new MultiPaxosNode(ctx, { servers: THREE, unsafe }) };
    };
    const first = start(1);
    first.node.onMessage("n3", { type: "Prepare", ballot: ballotOf(4, 2), fromSlot: 0 });
    const again = start(2);
    // An old leader's accept, below the promise made before the crash.
    again.node.onMessage("n1", {
      type: "Accept",
      ballot: ballotOf(3, 0),
      slot: 0,
      value: { kind: "noop" },
      chosenThrough: -1,
    });
    const [reply] = again.ctx.take();
    assert.equal(reply?.message.type, unsafe === "none" ? "Nack" : "Accepted", unsafe);
  }
});
