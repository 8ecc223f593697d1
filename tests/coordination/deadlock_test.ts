/**
 * Distributed deadlock: the lock table's local graphs, global detection and victims, the
 * phantom deadlock of a stale global graph, and edge chasing checked against a direct
 * cycle search on random graphs (a probe that follows only the first edge is caught).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  chooseVictim,
  collectGlobalGraph,
  cycleEverExisted,
  detectGlobally,
  DistributedLockTable,
  edgeChase,
  findCycle,
  onCycle,
  PHANTOM_HISTORY,
  randomWaitFor,
  type WaitEdge,
  waitForGraph,
} from "../../lib/coordination/mod.ts";
import { Random } from "../../lib/mod.ts";

Deno.test("a deadlock across two sites: no site sees a cycle, the union does, the youngest is the victim", () => {
  const locks = new DistributedLockTable();
  assert.equal(locks.request("T1", "s1", "A"), true);
  assert.equal(locks.request("T2", "s2", "B"), true);
  assert.equal(locks.request("T1", "s2", "B"), false);
  assert.equal(locks.request("T2", "s1", "A"), false);
  const s1 = locks.localEdges("s1"), s2 = locks.localEdges("s2");
  assert.equal(findCycle(s1), undefined);
  assert.equal(findCycle(s2), undefined);
  const found = detectGlobally([s1, s2], { T1: 0, T2: 10 });
  assert.deepEqual(found.cycle, ["T1", "T2"]);
  assert.equal(found.victim, "T2");
  // Aborting the victim breaks the cycle: T1 gets B.
  locks.abort("T2");
  assert.equal(findCycle([...locks.localEdges("s1"), ...locks.localEdges("s2")]), undefined);
  assert.equal(locks.request("T1", "s2", "B"), true);
});

Deno.test("chooseVictim takes the latest start, ties by name; an empty cycle is an error", () => {
  assert.equal(chooseVictim(["T1", "T2", "T3"], { T1: 5, T2: 9, T3: 1 }), "T2");
  assert.equal(chooseVictim(["T3", "T2"]), "T2");
  assert.throws(() => chooseVictim([]), /Cannot choose a victim/);
});

Deno.test("a stale global graph shows a phantom deadlock that never existed", () => {
  assert.equal(cycleEverExisted(PHANTOM_HISTORY), false);
  // Collected together, after every event: no cycle.
  assert.equal(findCycle(collectGlobalGraph(PHANTOM_HISTORY, { s1: 6, s2: 6 })), undefined);
  // s1 collected before T1 let A go, s2 after T1 asked for B: a cycle.
  const stale = collectGlobalGraph(PHANTOM_HISTORY, { s1: 3, s2: 6 });
  assert.deepEqual(findCycle(stale), ["T1", "T2"]);
});

Deno.test("edge chasing detects exactly the transactions on a cycle (against a direct search)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 2, max: 7 }),
      fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      (seed, transactions, edgeProbability) => {
        const edges = randomWaitFor(new Random(seed), { transactions, sites: 3, edgeProbability });
        for (let i = 1; i <= transactions; i++) {
          assert.equal(edgeChase(edges, `T${i}`).deadlock, onCycle(edges, `T${i}`));
        }
        assert.equal(findCycle(edges) !== undefined, edges.some((e) => onCycle(edges, e.waiter)));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("edge chasing: probes follow waits, count cross-site messages, stop when back home", () => {
  const edges: WaitEdge[] = [
    { waiter: "T1", holder: "T2", site: "s1" },
    { waiter: "T2", holder: "T3", site: "s2" },
    { waiter: "T3", holder: "T1", site: "s3" },
  ];
  const result = edgeChase(edges, "T1");
  assert.equal(result.deadlock, true);
  assert.deepEqual(result.probes.map((p) => `${p.from}->${p.to}`), ["T1->T2", "T2->T3", "T3->T1"]);
  assert.equal(result.messages, 2);
  assert.equal(edgeChase(edges.slice(0, 2), "T1").deadlock, false);
});

Deno.test("broken variant: forwarding probes along one edge only misses deadlocks, caught within 100 seeds", () => {
  let caught: number | undefined;
  for (let seed = 1; seed <= 100 && caught === undefined; seed++) {
    const edges = randomWaitFor(new Random(seed), {
      transactions: 5,
      sites: 3,
      edgeProbability: 0.3,
    });
    for (let i = 1; i <= 5; i++) {
      const txn = `T${i}`;
      if (edgeChase(edges, txn, { forwardFirstOnly: true }).deadlock !== onCycle(edges, txn)) {
        caught = seed;
      }
    }
  }
  assert.ok(caught !== undefined, "the one-edge variant disagreed with the direct search");
});

Deno.test("waitForGraph draws every wait, the cycle in red", () => {
  const edges: WaitEdge[] = [
    { waiter: "T1", holder: "T2", site: "s1", resource: "A" },
    { waiter: "T2", holder: "T1", site: "s2", resource: "B" },
    { waiter: "T3", holder: "T1", site: "s2" },
  ];
  const svg = waitForGraph(edges, { cycle: ["T1", "T2"], title: "Deadlock" }).html;
  assert.match(svg, /A@s1/);
  assert.match(svg, /T3 waits for T1 at s2/);
  assert.equal((svg.match(/#d62728/g) ?? []).length >= 2, true);
});
