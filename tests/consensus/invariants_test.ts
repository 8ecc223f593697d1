import assert from "node:assert/strict";
import { MemoryStorage } from "../../lib/mod.ts";
import {
  describeEntry,
  type RaftEntry,
  RaftInvariants,
  raftStateProblems,
} from "../../lib/consensus/mod.ts";
import { elect, server, write } from "./helpers.ts";

const THREE = ["n1", "n2", "n3"];

/** A follower on a fake context that stored `entries` from leader n9 and knows `commit`. */
function follower(id: string, invariants: RaftInvariants, entries: RaftEntry[], commit = 0) {
  return followerWithContext(id, invariants, entries, commit).node;
}

function followerWithContext(
  id: string,
  invariants: RaftInvariants,
  entries: RaftEntry[],
  commit: number,
) {
  const { node, ctx } = server(id, THREE, { observer: invariants.observe });
  node.onMessage("n9", {
    type: "AppendEntries",
    term: Math.max(1, ...entries.map((e) => e.term)),
    leader: "n9",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries,
    leaderCommit: commit,
    round: 0,
  });
  return { node, ctx };
}

Deno.test("RaftInvariants reports two leaders in one term as an election safety violation", () => {
  const invariants = new RaftInvariants();
  for (const id of ["n1", "n2"]) {
    const { node, ctx } = server(id, THREE, { observer: invariants.observe });
    elect(node, ctx);
  }
  const violation = invariants.firstViolation("election safety");
  assert.equal(violation?.node, "n2");
  assert.match(violation?.message ?? "", /n2 became leader of term 1, which n1 already leads/);
  assert.deepEqual([...invariants.leadersByTerm], [[1, "n1"]]);
});

Deno.test("RaftInvariants reports one (index, term) holding different entries as a log matching violation", () => {
  const invariants = new RaftInvariants();
  follower("n1", invariants, [write(1, 1), write(1, 2)]);
  follower("n2", invariants, [write(1, 1), write(1, 2)]);
  assert.equal(invariants.violations.length, 0);
  follower("n3", invariants, [write(1, 1), write(1, 7)]);
  const violation = invariants.firstViolation("log matching");
  assert.match(violation?.message ?? "", /n3 holds "t1 c1#7 write x=7" .* index 2/);
});

Deno.test("RaftInvariants reports a leader elected without a committed entry as a leader completeness violation", () => {
  const invariants = new RaftInvariants();
  follower("n1", invariants, [write(1, 1)], 1);
  const { node, ctx } = server("n3", THREE, { observer: invariants.observe });
  node.onMessage("n9", {
    type: "AppendEntries",
    term: 1,
    leader: "n9",
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    round: 0,
  });
  elect(node, ctx);
  const violation = invariants.firstViolation("leader completeness");
  assert.match(
    violation?.message ?? "",
    /n3 became leader of term 2 with no entry at index 1, where "t1 c1#1 write x=1" was committed in term 1/,
  );
});

Deno.test("RaftInvariants accepts a later leader that holds every committed entry", () => {
  const invariants = new RaftInvariants();
  follower("n1", invariants, [write(1, 1)], 1);
  const { node, ctx } = followerWithContext("n2", invariants, [write(1, 1)], 0);
  elect(node, ctx);
  assert.equal(node.role, "leader");
  assert.deepEqual(invariants.violations, []);
});

Deno.test("RaftInvariants reports different entries committed at one index as a state machine safety violation", () => {
  const invariants = new RaftInvariants();
  follower("n1", invariants, [write(1, 1)], 1);
  follower("n2", invariants, [write(2, 5)], 1);
  const violation = invariants.firstViolation("state machine safety");
  assert.match(
    violation?.message ?? "",
    /n2 committed "t2 c1#5 write x=5" at index 1, where n1 committed "t1 c1#1 write x=1"/,
  );
});

Deno.test("RaftInvariants.attach registers the five properties, silent until one breaks", () => {
  const checks = new Map<string, () => string | undefined>();
  const host = {
    now: 12.5,
    addInvariant: (name: string, check: () => string | undefined) => checks.set(name, check),
  };
  const invariants = new RaftInvariants();
  invariants.attach(host);
  assert.deepEqual([...checks.keys()], [
    "election safety",
    "log matching",
    "leader completeness",
    "state machine safety",
    "monotonic commit",
  ]);
  assert.ok([...checks.values()].every((check) => check() === undefined));
  follower("n1", invariants, [write(1, 1)], 1);
  follower("n2", invariants, [write(2, 5)], 1);
  assert.match(checks.get("state machine safety")!() ?? "", /committed/);
  assert.equal(invariants.violations[0]?.timeMs, 12.5);
});

/** An AppendEntries from n9 in term 1 with `prev` entries before, `entries` and `commit`. */
function append(prev: number, entries: RaftEntry[], commit: number) {
  return {
    type: "AppendEntries" as const,
    term: 1,
    leader: "n9",
    prevLogIndex: prev,
    prevLogTerm: prev === 0 ? 0 : 1,
    entries,
    leaderCommit: commit,
    round: 0,
  };
}

Deno.test("RaftInvariants reports a commit index that goes down as a monotonic commit violation", () => {
  const invariants = new RaftInvariants();
  const { node } = server("n1", THREE, {
    observer: invariants.observe,
    unsafe: { lowerCommitIndex: true },
  });
  node.onMessage("n9", append(0, [write(1, 1), write(1, 2)], 2));
  assert.equal(node.commitIndex, 2);
  assert.deepEqual(invariants.violations, []);
  // A late copy of an older AppendEntries: the broken follower takes its commit index.
  node.onMessage("n9", append(0, [write(1, 1)], 1));
  assert.equal(node.commitIndex, 1);
  const violation = invariants.firstViolation("monotonic commit");
  assert.match(violation?.message ?? "", /n1 moved its commit index down from 2 to 1/);
});

Deno.test("a correct follower ignores a late AppendEntries' lower commit index", () => {
  const invariants = new RaftInvariants();
  const { node } = server("n1", THREE, { observer: invariants.observe });
  node.onMessage("n9", append(0, [write(1, 1), write(1, 2)], 2));
  node.onMessage("n9", append(0, [write(1, 1)], 1));
  assert.equal(node.commitIndex, 2);
  assert.equal(node.lastApplied, 2);
  assert.deepEqual(invariants.violations, []);
});

Deno.test("monotonic commit holds per incarnation: a restarted server starts again from 0", () => {
  const invariants = new RaftInvariants();
  const storage = new MemoryStorage();
  const first = server("n1", THREE, { observer: invariants.observe }, { storage }).node;
  first.onMessage("n9", append(0, [write(1, 1), write(1, 2)], 2));
  const second = server("n1", THREE, { observer: invariants.observe }, {
    storage,
    incarnation: 2,
  }).node;
  assert.equal(second.commitIndex, 0, "the commit index is volatile");
  second.onMessage("n9", append(2, [], 1));
  assert.equal(second.commitIndex, 1);
  assert.deepEqual(invariants.violations, []);
});

Deno.test("a follower commits only up to the last entry the AppendEntries carried (Figure 2)", () => {
  // n1 holds a stale tail (index 3, term 1) beyond what this AppendEntries checks; the
  // leader's commit index (3) refers to the leader's own entry 3, of another term.
  for (const commitToLogEnd of [false, true]) {
    const invariants = new RaftInvariants();
    const { node } = server("n1", THREE, {
      observer: invariants.observe,
      unsafe: { commitToLogEnd },
    });
    node.onMessage("n9", append(0, [write(1, 1), write(1, 2), write(1, 3)], 0));
    node.onMessage("n9", { ...append(1, [write(1, 2)], 3), term: 2 });
    assert.equal(node.commitIndex, commitToLogEnd ? 3 : 2, `commitToLogEnd: ${commitToLogEnd}`);
  }
});

Deno.test("raftStateProblems compares whole logs: it finds a mismatch the tables never saw", () => {
  const quiet = new RaftInvariants();
  const a = follower("n1", quiet, [write(1, 1), write(1, 2)], 2);
  const b = follower("n2", new RaftInvariants(), [write(1, 1), write(1, 9)], 2);
  const c = follower("n3", new RaftInvariants(), [write(1, 1)], 1);
  assert.deepEqual(raftStateProblems([a, c]), []);
  const problems = raftStateProblems([a, b]);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /^log matching: n1 and n2 agree on the term at index 2/);
  assert.match(problems[1]!, /^state machine safety: n1 and n2 both committed index 2/);
});

Deno.test("describeEntry names the term, the session and the operation", () => {
  assert.equal(describeEntry(write(3, 4)), "t3 c1#4 write x=4");
  assert.equal(describeEntry({ term: 2, command: { kind: "noop" } }), "t2 no-op");
  assert.equal(
    describeEntry({
      term: 1,
      command: {
        kind: "command",
        clientId: "c2",
        seq: 1,
        op: { f: "cas", key: "k", expected: null, value: "a" },
      },
    }),
    't1 c2#1 cas k null→"a"',
  );
  const lock = { op: "acquire", lock: "a", owner: "c1" };
  assert.equal(
    describeEntry({ term: 4, command: { kind: "command", clientId: "c1", seq: 2, op: lock } }),
    't4 c1#2 {"op":"acquire","lock":"a","owner":"c1"}',
    "a command of another state machine reads as its JSON text",
  );
});
