import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ConfigError,
  describeFault,
  type Fault,
  faultNodes,
  FaultScheduleSchema,
  formatFaults,
  Random,
  Simulation,
} from "../../lib/mod.ts";
import {
  generateNemesis,
  type NemesisOptionsInput,
  sortFaults,
  validateFaultSchedule,
} from "../../lib/sim/faults.ts";
import { BUSY_IDS, busyRun, type GossipMessage, gossipNode } from "./helpers.ts";

const IDS = ["n1", "n2", "n3"];
const faults = (input: unknown[]): Fault[] => FaultScheduleSchema.parse(input);

// ---- validation ---------------------------------------------------------------------------

Deno.test("validateFaultSchedule accepts a consistent story", () => {
  const schedule = faults([
    { atMs: 300, kind: "restart", node: "n1" },
    { atMs: 100, kind: "crash", node: "n1" },
    { atMs: 100, kind: "pause", node: "n2" },
    { atMs: 200, kind: "crash", node: "n2" },
    { atMs: 250, kind: "restart", node: "n2" },
    { atMs: 400, kind: "clock-jump", node: "n3", deltaMs: 5 },
    { atMs: 500, kind: "partition", groups: [["n1"], ["n2", "n3"]] },
    { atMs: 600, kind: "heal" },
  ]);
  assert.deepEqual(validateFaultSchedule(schedule, IDS), []);
});

Deno.test("validateFaultSchedule names each bad fault by its index", () => {
  const problems = validateFaultSchedule(
    faults([
      { atMs: 10, kind: "restart", node: "n1" },
      { atMs: 20, kind: "crash", node: "n9" },
      { atMs: 30, kind: "resume", node: "n2" },
      { atMs: 40, kind: "partition", groups: [["n1"], ["x", "y"]] },
      { atMs: 50, kind: "crash", node: "n3" },
      { atMs: 60, kind: "pause", node: "n3" },
    ]),
    IDS,
  );
  assert.deepEqual(problems, [
    "faults[0]: cannot restart n1 at 10 ms: it is up",
    'faults[1]: no node "n9" (nodes: n1, n2, n3)',
    "faults[2]: cannot resume n2 at 30 ms: it is up",
    'faults[3]: no node "x", "y" (nodes: n1, n2, n3)',
    "faults[5]: cannot pause n3 at 60 ms: it is crashed",
  ]);
});

Deno.test("validateFaultSchedule orders by time, then by position, and starts from the given states", () => {
  // Listed restart-first, but the crash is earlier in time: fine.
  assert.deepEqual(
    validateFaultSchedule(
      faults([{ atMs: 20, kind: "restart", node: "n1" }, { atMs: 10, kind: "crash", node: "n1" }]),
      IDS,
    ),
    [],
  );
  // Same time: list order decides, so restart-before-crash is wrong.
  assert.deepEqual(
    validateFaultSchedule(
      faults([{ atMs: 10, kind: "restart", node: "n1" }, { atMs: 10, kind: "crash", node: "n1" }]),
      IDS,
    ),
    ["faults[0]: cannot restart n1 at 10 ms: it is up"],
  );
  const restart = faults([{ atMs: 5, kind: "restart", node: "n1" }]);
  assert.deepEqual(validateFaultSchedule(restart, IDS, { crashed: new Set(["n1"]) }), []);
  const resume = faults([{ atMs: 5, kind: "resume", node: "n2" }]);
  assert.deepEqual(validateFaultSchedule(resume, IDS, { paused: new Set(["n2"]) }), []);
  // Faults already scheduled run first; only the new ones are reported.
  const scheduled = faults([{ atMs: 5, kind: "crash", node: "n3" }, {
    atMs: 6,
    kind: "restart",
    node: "n2",
  }]);
  assert.deepEqual(
    validateFaultSchedule(faults([{ atMs: 9, kind: "restart", node: "n3" }]), IDS, { scheduled }),
    [],
  );
  assert.deepEqual(
    validateFaultSchedule(faults([{ atMs: 4, kind: "restart", node: "n3" }]), IDS, { scheduled }),
    ["faults[0]: cannot restart n3 at 4 ms: it is up"],
  );
});

Deno.test("Simulation fails to run a config schedule with a bad fault, naming faults[i]", () => {
  const sim = new Simulation({
    faults: [
      { atMs: 10, kind: "crash", node: "n1" },
      { atMs: 20, kind: "restart", node: "n2" },
      { atMs: 30, kind: "pause", node: "ghost" },
    ],
  });
  sim.addNodes(IDS, () => ({ onMessage: () => {} }));
  assert.throws(() => sim.runUntil(100), {
    name: "TypeError",
    message: "Cannot run the fault schedule:\n" +
      "faults[1]: cannot restart n2 at 20 ms: it is up\n" +
      'faults[2]: no node "ghost" (nodes: n1, n2, n3)',
  });
});

Deno.test("Simulation.schedule accepts faults that depend on earlier scheduled or applied ones", () => {
  const sim = new Simulation();
  sim.addNodes(IDS, () => ({ onMessage: () => {} }));
  sim.schedule([{ atMs: 100, kind: "crash", node: "n1" }]);
  sim.runUntil(50);
  // n1 is still up now, but will be crashed by then.
  sim.schedule([{ atMs: 200, kind: "restart", node: "n1" }]);
  sim.pause("n2");
  sim.schedule([{ atMs: 60, kind: "resume", node: "n2" }]);
  sim.runUntil(300);
  assert.deepEqual(
    sim.trace.records.filter((r) => r.kind !== "start").map((r) => `${r.t} ${r.kind}`),
    ["50 pause", "60 resume", "100 crash", "200 restart"],
  );
  sim.schedule([{ atMs: 400, kind: "restart", node: "n3" }]);
  assert.throws(() => sim.runUntil(500), /faults\[0\]: cannot restart n3 at 400 ms: it is up/);
});

Deno.test("Simulation.schedule validates faults as config and refuses the past", () => {
  const sim = new Simulation();
  sim.addNodes(IDS, () => ({ onMessage: () => {} }));
  assert.throws(() => sim.schedule([{ atMs: -1, kind: "heal" }]), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, "faults.0.atMs: must be at least 0 ms, got -1");
    return true;
  });
  sim.runUntil(10);
  assert.throws(() => sim.schedule([{ atMs: 5, kind: "crash", node: "n1" }]), {
    name: "RangeError",
    message: "Cannot schedule crash n1 at 5 ms: it is already 10 ms",
  });
});

// ---- description ------------------------------------------------------------------------

Deno.test("describeFault, formatFaults, sortFaults and faultNodes render faults as data", () => {
  const schedule = faults([
    { atMs: 2000, kind: "heal" },
    { atMs: 500, kind: "partition", groups: [["n1", "n2"], ["n3"]] },
    { atMs: 700, kind: "partition-one-way", from: ["n1"], to: ["n2", "n3"] },
    { atMs: 800.25, kind: "clock-jump", node: "n2", deltaMs: -40 },
    { atMs: 900, kind: "clock-jump", node: "n2", deltaMs: 40 },
    { atMs: 500, kind: "crash", node: "n3" },
  ]);
  assert.equal(
    formatFaults(schedule),
    [
      "     500.0 ms  partition {n1 n2} | {n3}",
      "     500.0 ms  crash n3",
      "     700.0 ms  partition one-way {n1} ↛ {n2 n3}",
      "     800.3 ms  clock-jump n2 -40 ms",
      "     900.0 ms  clock-jump n2 +40 ms",
      "    2000.0 ms  heal",
    ].join("\n"),
  );
  assert.equal(formatFaults([]), "(no faults)");
  assert.deepEqual(sortFaults(schedule).map((f) => f.atMs), [500, 500, 700, 800.25, 900, 2000]);
  assert.equal(describeFault(schedule[5] as Fault), "crash n3");
  assert.deepEqual(schedule.map(faultNodes), [[], ["n1", "n2", "n3"], ["n1", "n2", "n3"], ["n2"], [
    "n2",
  ], ["n3"]]);
});

// ---- nemesis ------------------------------------------------------------------------------

const NEMESIS: NemesisOptionsInput = {
  nodes: [...BUSY_IDS],
  startMs: 50,
  endMs: 3000,
  meanGapMs: 100,
  meanDurationMs: 150,
  kinds: ["partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump"],
};

Deno.test("generateNemesis gives the same schedule for the same seed and another for another", () => {
  const options = { ...NEMESIS, endMs: 20_000 };
  const a = generateNemesis(options, new Random(11).child("nemesis"));
  const b = generateNemesis(options, new Random(11).child("nemesis"));
  const c = generateNemesis(options, new Random(12).child("nemesis"));
  assert.ok(a.length >= 50, `only ${a.length} faults`);
  assert.deepEqual(a, b);
  assert.equal(formatFaults(a), formatFaults(b));
  assert.notDeepEqual(a, c);
  assert.equal(formatFaults(a).split("\n").length, a.length);
  const kinds = new Set(a.map((fault) => fault.kind));
  for (
    const kind of [
      "partition",
      "partition-one-way",
      "heal",
      "crash",
      "restart",
      "pause",
      "resume",
      "clock-jump",
    ]
  ) {
    assert.ok(kinds.has(kind as Fault["kind"]), `no ${kind}`);
  }
});

Deno.test("generateNemesis schedules are valid stories and every fault ends by endMs", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 2, max: 7 }),
      fc.integer({ min: 100, max: 20_000 }),
      (seed, nodeCount, endMs) => {
        const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
        const schedule = generateNemesis({ ...NEMESIS, nodes, endMs }, new Random(seed));
        assert.deepEqual(validateFaultSchedule(schedule, nodes), []);
        let open = 0;
        for (const fault of sortFaults(schedule)) {
          assert.ok(fault.atMs >= 50 && fault.atMs <= endMs, `${fault.kind} at ${fault.atMs}`);
          if (["partition", "partition-one-way", "crash", "pause"].includes(fault.kind)) open++;
          if (["heal", "restart", "resume"].includes(fault.kind)) open--;
          assert.ok(open === 0 || open === 1, "faults overlap");
        }
        assert.equal(open, 0, "a fault was still active at endMs");
        for (const fault of schedule) {
          if (fault.kind === "partition") {
            assert.ok(fault.groups.every((group) => group.length >= 1));
            assert.deepEqual(fault.groups.flat().sort(), nodes);
          }
          if (fault.kind === "clock-jump") assert.ok(Math.abs(fault.deltaMs) <= 1000);
        }
      },
    ),
    { seed: 5, numRuns: 200 },
  );
});

Deno.test("generateNemesis respects maxFaults and the chosen kinds", () => {
  const schedule = generateNemesis(
    { ...NEMESIS, kinds: ["crash"], maxFaults: 3, endMs: 1e6 },
    new Random(1),
  );
  assert.deepEqual(schedule.map((fault) => fault.kind), [
    "crash",
    "restart",
    "crash",
    "restart",
    "crash",
    "restart",
  ]);
  assert.deepEqual(generateNemesis({ ...NEMESIS, maxFaults: 0 }, new Random(1)), []);
  assert.throws(() => generateNemesis({ nodes: ["n1"], endMs: 10 }, new Random(1)), {
    name: "ConfigError",
    message: 'nemesis.nodes: must name at least two nodes, got ["n1"]',
  });
});

/** Runs the busy gossip cluster under a given fault schedule; returns its trace hash. */
function runWithFaults(seed: number, schedule: Fault[]): string {
  const sim = new Simulation<GossipMessage>({
    seed,
    network: { latency: { kind: "exponential", meanMs: 4 }, lossProbability: 0.02 },
    faults: schedule,
  });
  sim.addNodes(BUSY_IDS, gossipNode);
  sim.runUntil(3000);
  return sim.trace.hash();
}

Deno.test("generateNemesis schedules replay from their JSON to the same trace hash", () => {
  const schedule = generateNemesis(NEMESIS, new Random(21).child("nemesis"));
  const json = JSON.stringify(schedule);
  const replayed = FaultScheduleSchema.parse(JSON.parse(json));
  assert.deepEqual(replayed, schedule);
  const original = runWithFaults(21, schedule);
  assert.equal(runWithFaults(21, replayed), original);
  // The faults matter: without them the same seed runs differently.
  assert.notEqual(runWithFaults(21, []), original);
});

Deno.test("Simulation applies config faults at their times, in the trace", () => {
  const sim = busyRun(3);
  const kinds = sim.trace.records.filter((r) =>
    !["send", "deliver", "drop", "timer", "note", "start"].includes(r.kind)
  )
    .map((r) => `${r.t} ${r.kind}`);
  assert.deepEqual(kinds, [
    "100 partition",
    "150 crash",
    "180 pause",
    "200 heal",
    "230 resume",
    "250 restart",
    "260 clock-jump",
  ]);
  assert.equal(sim.status("n4"), "up");
  assert.equal(sim.status("n5"), "up");
});

Deno.test("generateNemesis refuses a window that would draw more faults than a schedule holds", () => {
  assert.throws(
    () => generateNemesis({ nodes: ["n1", "n2", "n3"], endMs: 1e12 }, new Random(1)),
    {
      name: "ConfigError",
      message: /^nemesis\.endMs: would draw about 500000000 faults, more than the 100000/,
    },
  );
  // With maxFaults the window may be long: the count bounds the schedule.
  const faults = generateNemesis(
    { nodes: ["n1", "n2", "n3"], endMs: 1e12, maxFaults: 10 },
    new Random(1),
  );
  assert.ok(faults.length > 0 && faults.length <= 20);
  assert.throws(
    () => generateNemesis({ nodes: ["n1", "n2"], endMs: 1e12, maxFaults: 1e9 }, new Random(1)),
    { message: /^nemesis\.maxFaults: must be at most 100000/ },
  );
});
