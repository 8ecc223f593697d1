import assert from "node:assert/strict";
import { z } from "zod";
import {
  ClockConfigSchema,
  ConfigError,
  DistributionSchema,
  FaultScheduleSchema,
  FaultSchema,
  formatValue,
  LinkOverrideSchema,
  NetworkConfigSchema,
  parseConfig,
  probability,
  Simulation,
  SimulationConfigSchema,
} from "../../lib/mod.ts";
import { closestName } from "../../lib/config/validate.ts";
import { NemesisOptionsSchema } from "../../lib/sim/faults.ts";

/** The ConfigError message parsing `input` with `schema` throws (fails if it parses). */
function messageOf(schema: z.ZodType, input: unknown, root?: string): string {
  try {
    parseConfig(schema, input, root);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${error}`);
    return error.message;
  }
  assert.fail(`parsed without error: ${JSON.stringify(input)}`);
}

/** Checks each [input, expected message] row. */
function expectMessages(
  schema: z.ZodType,
  root: string | undefined,
  rows: [unknown, string][],
): void {
  for (const [input, expected] of rows) {
    assert.equal(messageOf(schema, input, root), expected, JSON.stringify(input));
  }
}

const KINDS =
  '"constant", "uniform", "exponential", "normal", "lognormal", "pareto", "empirical", "mixture"';
const FAULT_KINDS =
  '"partition", "partition-one-way", "heal", "crash", "restart", "pause", "resume", "clock-jump"';

Deno.test("Simulation constructor throws a ConfigError naming the path and the rule", () => {
  assert.throws(() => new Simulation({ network: { lossProbability: 1.5 } }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.ok(error instanceof TypeError);
    assert.equal(error.name, "ConfigError");
    assert.equal(error.message, "network.lossProbability: must be between 0 and 1, got 1.5");
    assert.deepEqual(error.issues, [{
      path: "network.lossProbability",
      message: "must be between 0 and 1, got 1.5",
    }]);
    return true;
  });
});

Deno.test("SimulationConfigSchema rejects bad values with their path and rule", () => {
  expectMessages(SimulationConfigSchema, undefined, [
    [5, "(config): must be an object, got 5"],
    [null, "(config): must be an object, got null"],
    [{ seed: 1.5 }, "seed: must be a whole number, got 1.5"],
    [{ seed: -1 }, "seed: must be between 0 and 4294967295, got -1"],
    [{ seed: 2 ** 32 }, "seed: must be between 0 and 4294967295, got 4294967296"],
    [{ seed: "x" }, 'seed: must be a number, got "x"'],
    [{ maxEvents: 0 }, "maxEvents: must be at least 1, got 0"],
    [{ maxEvents: 2.5 }, "maxEvents: must be a whole number, got 2.5"],
    [{ maxTimeMs: 0 }, "maxTimeMs: must be greater than 0 ms, got 0"],
    [{ record: "yes" }, 'record: must be a boolean, got "yes"'],
    [{ freezeMessages: 1 }, "freezeMessages: must be a boolean, got 1"],
    [{ clocks: [] }, "clocks: must be an object, got []"],
    [{ replay: 3 }, "replay: must be a string, got 3"],
    [{ network: { lossProbability: NaN } }, "network.lossProbability: must be a number, got NaN"],
    [
      { network: { duplicateProbability: Infinity } },
      "network.duplicateProbability: must be a number, got Infinity",
    ],
  ]);
});

Deno.test("SimulationConfigSchema reports every issue, one line each", () => {
  assert.equal(
    messageOf(SimulationConfigSchema, { seed: -1, sed: 3, network: { fifo: 1 } }),
    [
      "seed: must be between 0 and 4294967295, got -1",
      "network.fifo: must be a boolean, got 1",
      'sed: is not a known field; did you mean "seed"?',
    ].join("\n"),
  );
});

Deno.test("SimulationConfigSchema applies every default to an empty config", () => {
  const config = parseConfig(SimulationConfigSchema, {});
  assert.deepEqual(config, {
    seed: 1,
    network: {
      latency: { kind: "uniform", minMs: 1, maxMs: 10 },
      lossProbability: 0,
      duplicateProbability: 0,
      fifo: false,
      links: [],
    },
    clocks: {},
    faults: [],
    record: true,
    freezeMessages: true,
    maxEvents: 10_000_000,
    maxTimeMs: 3_600_000,
  });
  assert.equal(new Simulation().config.network.fifo, false);
});

Deno.test("Unknown keys suggest the nearest field, at any depth, or list the known ones", () => {
  expectMessages(SimulationConfigSchema, undefined, [
    [{ netwrk: {} }, 'netwrk: is not a known field; did you mean "network"?'],
    [
      { network: { loss: 0.1 } },
      'network.loss: is not a known field; did you mean "lossProbability"?',
    ],
    [
      { network: { links: [{ from: "a", to: "b", los: 0.1 }] } },
      'network.links.0.los: is not a known field; did you mean "lossProbability"?',
    ],
    [
      { clocks: { n1: { drift: 5 } } },
      'clocks.n1.drift: is not a known field; did you mean "driftPpm"?',
    ],
    [{ maxEvent: 5 }, 'maxEvent: is not a known field; did you mean "maxEvents"?'],
    [
      { zzz: 1, yyy: 2 },
      "zzz: is not a known field (nor is yyy); known fields: seed, network, clocks, faults, record, freezeMessages, maxEvents, maxTimeMs, replay",
    ],
  ]);
});

Deno.test("Unknown keys inside a union (a distribution, a fault) suggest a field of the matching kind", () => {
  expectMessages(SimulationConfigSchema, undefined, [
    [
      { faults: [{ atMs: 1, kind: "crash", nod: "n1" }] },
      'faults.0.node: is required (string)\nfaults.0.nod: is not a known field; did you mean "node"?',
    ],
    [
      { network: { latency: { kind: "uniform", minMs: 1, max: 5 } } },
      'network.latency.maxMs: is required (number)\nnetwork.latency.max: is not a known field; did you mean "maxMs"?',
    ],
    [
      { network: { latency: { kind: "constant", ms: 1, meanMs: 3 } } },
      "network.latency.meanMs: is not a known field; known fields: kind, ms",
    ],
  ]);
});

Deno.test("NetworkConfigSchema rejects bad values with their path and rule", () => {
  expectMessages(NetworkConfigSchema, "network", [
    [{ lossProbability: -0.1 }, "network.lossProbability: must be between 0 and 1, got -0.1"],
    [{ duplicateProbability: 2 }, "network.duplicateProbability: must be between 0 and 1, got 2"],
    [{ fifo: "true" }, 'network.fifo: must be a boolean, got "true"'],
    [{ links: {} }, "network.links: must be an array, got {}"],
    [{ latency: "fast" }, 'network.latency: must be an object, got "fast"'],
  ]);
});

Deno.test("DistributionSchema rejects bad values of every kind with their path and rule", () => {
  expectMessages(DistributionSchema, "latency", [
    [{ ms: 4 }, `latency.kind: is required (one of ${KINDS})`],
    [{ kind: "gaussian" }, `latency.kind: must be one of ${KINDS}, got "gaussian"`],
    [{ kind: "constant" }, "latency.ms: is required (number)"],
    [{ kind: "constant", ms: -1 }, "latency.ms: must be at least 0 ms, got -1"],
    [{ kind: "uniform", minMs: 5, maxMs: 1 }, "latency.maxMs: must be at least minMs (5), got 1"],
    [{ kind: "uniform", minMs: -1, maxMs: 1 }, "latency.minMs: must be at least 0 ms, got -1"],
    [{ kind: "exponential", meanMs: 0 }, "latency.meanMs: must be greater than 0 ms, got 0"],
    [
      { kind: "exponential", meanMs: 1, shiftMs: -2 },
      "latency.shiftMs: must be at least 0 ms, got -2",
    ],
    [
      { kind: "normal", meanMs: 5, stdDevMs: -1 },
      "latency.stdDevMs: must be at least 0 ms, got -1",
    ],
    [
      { kind: "lognormal", medianMs: 0, sigma: 1 },
      "latency.medianMs: must be greater than 0 ms, got 0",
    ],
    [{ kind: "lognormal", medianMs: 1, sigma: -1 }, "latency.sigma: must be at least 0, got -1"],
    [{ kind: "pareto", scaleMs: 1, shape: 0 }, "latency.shape: must be greater than 0, got 0"],
    [
      { kind: "empirical", samplesMs: [] },
      "latency.samplesMs: must hold at least one sample, got []",
    ],
    [
      { kind: "empirical", samplesMs: [1, -2] },
      "latency.samplesMs.1: must be at least 0 ms, got -2",
    ],
    [
      { kind: "exponential", mean: 4 },
      'latency.meanMs: is required (number)\nlatency.mean: is not a known field; did you mean "meanMs"?',
    ],
  ]);
  // Equal bounds are a valid (degenerate) uniform.
  assert.deepEqual(parseConfig(DistributionSchema, { kind: "uniform", minMs: 3, maxMs: 3 }), {
    kind: "uniform",
    minMs: 3,
    maxMs: 3,
  });
});

Deno.test("LinkOverrideSchema rejects bad selectors and values with their path and rule", () => {
  expectMessages(LinkOverrideSchema, "link", [
    [{ to: "n2" }, "link.from: is required (a node id or a list of node ids)"],
    [{ from: "", to: "n2" }, 'link.from: must be a non-empty name without spaces, got ""'],
    [{ from: "n 1", to: "n2" }, 'link.from: must be a non-empty name without spaces, got "n 1"'],
    [{ from: 3, to: "n2" }, "link.from: must be a node id or a list of node ids, got 3"],
    [{ from: "n1", to: [] }, "link.to: must name at least one node, got []"],
    [{ from: "n1", to: ["n2", ""] }, 'link.to.1: must be a non-empty name without spaces, got ""'],
    [
      { from: "n1", to: "n2", bidirectional: "yes" },
      'link.bidirectional: must be a boolean, got "yes"',
    ],
    [
      { from: "n1", to: "n2", lossProbability: 2 },
      "link.lossProbability: must be between 0 and 1, got 2",
    ],
    [
      { from: "n1", to: "n2", latency: { kind: "constant", ms: -1 } },
      "link.latency.ms: must be at least 0 ms, got -1",
    ],
  ]);
  assert.deepEqual(parseConfig(LinkOverrideSchema, { from: "a", to: ["b"] }), {
    from: "a",
    to: ["b"],
    bidirectional: false,
  });
});

Deno.test("ClockConfigSchema rejects a drift beyond any physical clock and non-numbers", () => {
  expectMessages(ClockConfigSchema, "clocks.n1", [
    [
      { driftPpm: -1e6 },
      "clocks.n1.driftPpm: must be between -10000 and 10000 ppm, got -1000000",
    ],
    [
      { driftPpm: 20_000 },
      "clocks.n1.driftPpm: must be between -10000 and 10000 ppm, got 20000",
    ],
    [{ offsetMs: "5" }, 'clocks.n1.offsetMs: must be a number, got "5"'],
    [{ drift: 5 }, 'clocks.n1.drift: is not a known field; did you mean "driftPpm"?'],
  ]);
  assert.deepEqual(parseConfig(ClockConfigSchema, {}), { offsetMs: 0, driftPpm: 0 });
  assert.deepEqual(parseConfig(ClockConfigSchema, { offsetMs: -3, driftPpm: -10_000 }), {
    offsetMs: -3,
    driftPpm: -10_000,
  });
});

Deno.test("FaultSchema rejects bad faults of every kind with their path and rule", () => {
  expectMessages(FaultScheduleSchema, "faults", [
    [[{ atMs: 1 }], `faults.0.kind: is required (one of ${FAULT_KINDS})`],
    [[{ atMs: 1, kind: "explode" }], `faults.0.kind: must be one of ${FAULT_KINDS}, got "explode"`],
    [[{ kind: "heal" }], "faults.0.atMs: is required (number)"],
    [[{ atMs: -5, kind: "heal" }], "faults.0.atMs: must be at least 0 ms, got -5"],
    [[{ atMs: 1, kind: "crash" }], "faults.0.node: is required (string)"],
    [
      [{ atMs: 1, kind: "restart", node: "" }],
      'faults.0.node: must be a non-empty name without spaces, got ""',
    ],
    [
      [{ atMs: 1, kind: "partition", groups: [["n1"]] }],
      'faults.0.groups: must list at least two groups, got [["n1"]]',
    ],
    [
      [{ atMs: 1, kind: "partition", groups: [["n1"], []] }],
      "faults.0.groups.1: must name at least one node, got []",
    ],
    [
      [{ atMs: 1, kind: "partition-one-way", from: [], to: ["a"] }],
      "faults.0.from: must name at least one node, got []",
    ],
    [[{ atMs: 1, kind: "clock-jump", node: "a" }], "faults.0.deltaMs: is required (number)"],
    [
      [{ atMs: 1, kind: "heal" }, { atMs: 2, kind: "pause", node: "a", extra: 1 }],
      "faults.1.extra: is not a known field; known fields: atMs, kind, node",
    ],
  ]);
  expectMessages(FaultSchema, "fault", [[
    { atMs: 1, kind: "resume" },
    "fault.node: is required (string)",
  ]]);
});

Deno.test("NemesisOptionsSchema rejects bad options with their path and rule", () => {
  const base = { nodes: ["a", "b"], endMs: 100 };
  expectMessages(NemesisOptionsSchema, "nemesis", [
    [{ nodes: ["a"], endMs: 100 }, 'nemesis.nodes: must name at least two nodes, got ["a"]'],
    [{ nodes: ["a", "b"] }, "nemesis.endMs: is required (number)"],
    [{ ...base, endMs: 0 }, "nemesis.endMs: must be greater than 0 ms, got 0"],
    [{ ...base, startMs: -1 }, "nemesis.startMs: must be at least 0 ms, got -1"],
    [{ ...base, meanGapMs: 0 }, "nemesis.meanGapMs: must be greater than 0 ms, got 0"],
    [{ ...base, kinds: [] }, "nemesis.kinds: must list at least one kind, got []"],
    [
      { ...base, kinds: ["meteor"] },
      'nemesis.kinds.0: must be one of "partition", "isolate", "partition-one-way", "crash", "pause", "clock-jump", got "meteor"',
    ],
    [{ ...base, maxFaults: 1.5 }, "nemesis.maxFaults: must be a whole number, got 1.5"],
    [{ ...base, maxFaults: -1 }, "nemesis.maxFaults: must be at least 0, got -1"],
    [{ ...base, maxClockJumpMs: 0 }, "nemesis.maxClockJumpMs: must be greater than 0 ms, got 0"],
    [{ ...base, meanGap: 4 }, 'nemesis.meanGap: is not a known field; did you mean "meanGapMs"?'],
  ]);
});

Deno.test("parseConfig returns the parsed value with defaults and prefixes paths with the root", () => {
  const Schema = z.strictObject({ lossProbability: probability().default(0), name: z.string() });
  assert.deepEqual(parseConfig(Schema, { name: "x" }, "network"), {
    lossProbability: 0,
    name: "x",
  });
  assert.equal(
    messageOf(Schema, { lossProbability: 2, name: "x" }, "network"),
    "network.lossProbability: must be between 0 and 1, got 2",
  );
  assert.equal(
    messageOf(Schema, { lossProbability: 2, name: "x" }),
    "lossProbability: must be between 0 and 1, got 2",
  );
  assert.equal(messageOf(Schema, {}, "network"), "network.name: is required (string)");
  assert.equal(messageOf(Schema, 7, "network"), "network: must be an object, got 7");
});

Deno.test("closestName suggests plausible typos only", () => {
  const fields = ["lossProbability", "duplicateProbability", "latency", "fifo", "links"];
  assert.equal(closestName("loss", fields), "lossProbability");
  assert.equal(closestName("latncy", fields), "latency");
  assert.equal(closestName("FIFO", fields), "fifo");
  assert.equal(closestName("link", fields), "links");
  assert.equal(closestName("bandwidth", fields), undefined);
  assert.equal(closestName("x", []), undefined);
});

Deno.test("formatValue shows short JSON, and kinds for what JSON cannot show", () => {
  assert.equal(formatValue(1.5), "1.5");
  assert.equal(formatValue("a"), '"a"');
  assert.equal(formatValue(undefined), "undefined");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(-Infinity), "-Infinity");
  assert.equal(formatValue(() => 1), "a function");
  assert.equal(formatValue({ a: [1, 2] }), '{"a":[1,2]}');
  const long = formatValue("x".repeat(100));
  assert.equal(long.length, 60);
  assert.ok(long.endsWith("..."));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(formatValue(cyclic), "[object Object]");
});
