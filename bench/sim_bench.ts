/**
 * Throughput of the simulator's message-passing core: nodes that forward every message
 * they receive to a random node, so the run is nothing but sends, deliveries and the
 * event queue. `tools/bench.ts` turns each benchmark's time per iteration into
 * deliveries per second.
 *
 * @module
 */
import { EventQueue } from "../lib/sim/event_queue.ts";
import { type Message, Random, Simulation } from "../lib/sim/mod.ts";
import type { BenchReport } from "./report.ts";

/** One benchmark scenario of the message-passing core. */
export interface HopScenario {
  /** Benchmark name, also the `name` field of the JSON line. */
  readonly name: string;
  /** How many nodes pass messages around. */
  readonly nodes: number;
  /** Whether the trace records every event. */
  readonly trace: boolean;
  /** Messages each node starts with (how many are in flight at once). */
  readonly messagesPerNode: number;
  /** Deliveries per iteration. */
  readonly deliveries: number;
}

/** The scenarios the targets are stated for: 5 and 1,000 nodes, trace off and on. */
export const HOP_SCENARIOS: readonly HopScenario[] = [
  { name: "hop-5-off", nodes: 5, trace: false, messagesPerNode: 4, deliveries: 200_000 },
  { name: "hop-5-on", nodes: 5, trace: true, messagesPerNode: 4, deliveries: 200_000 },
  { name: "hop-1000-off", nodes: 1000, trace: false, messagesPerNode: 1, deliveries: 200_000 },
  { name: "hop-1000-on", nodes: 1000, trace: true, messagesPerNode: 1, deliveries: 200_000 },
];

const HOP: Message = { type: "hop" };

/** Runs one scenario until it has made `deliveries` deliveries; returns the count made. */
export function runHop(scenario: HopScenario, seed = 1): number {
  const sim = new Simulation({
    seed,
    record: scenario.trace,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 10 } },
  });
  const ids = Array.from({ length: scenario.nodes }, (_, i) => `n${i}`);
  sim.addNodes(ids, (ctx) => {
    const forward = () => ctx.send(ctx.nodeIds[ctx.random.int(0, ctx.nodeIds.length)]!, HOP);
    return {
      start: () => {
        for (let i = 0; i < scenario.messagesPerNode; i++) forward();
      },
      onMessage: forward,
    };
  });
  const target = scenario.deliveries;
  sim.runUntilTrue(() => sim.stats.deliveries >= target, { description: "enough deliveries" });
  return sim.stats.deliveries;
}

/** A bare loop's event: when, tie-breaker, and which node receives. */
interface BareEvent {
  time: number;
  seq: number;
  node: number;
}

/**
 * The floor to compare the simulator with: the same hop workload as a bare binary-heap
 * loop (one heap, a count per node, the same seeded latency and destination draws), with
 * no nodes, network, clocks or trace. Returns the deliveries made.
 */
export function runBareHop(scenario: HopScenario, seed = 1): number {
  const random = new Random(seed).child("bare");
  const queue = new EventQueue<BareEvent>();
  const received = new Int32Array(scenario.nodes);
  let seq = 0;
  const send = (now: number) =>
    queue.push({
      time: now + random.uniform(1, 10),
      seq: seq++,
      node: random.int(0, scenario.nodes),
    });
  for (let node = 0; node < scenario.nodes; node++) {
    for (let i = 0; i < scenario.messagesPerNode; i++) send(0);
  }
  let deliveries = 0;
  while (deliveries < scenario.deliveries) {
    const event = queue.pop() as BareEvent;
    received[event.node]!++;
    deliveries++;
    send(event.time);
  }
  return deliveries;
}

/** The bare-loop baseline of each node count the scenarios use (trace off). */
export const BARE_SCENARIOS: readonly HopScenario[] = HOP_SCENARIOS
  .filter((scenario) => !scenario.trace)
  .map((scenario) => ({ ...scenario, name: `bare-${scenario.nodes}` }));

/**
 * The simulator's target against the bare loop, trace off: at least this fraction of the
 * bare loop's speed (at most 1 / this times its time per iteration), at 5 and 1,000 nodes.
 */
export const TARGET_VS_BARE = 0.5;

/** The bench group of a node count; its name states the target the summary shows. */
function groupOf(nodes: number): string {
  return `hop-${nodes} (target: hop-${nodes}-off at most ${
    1 / TARGET_VS_BARE
  }x slower than bare-${nodes})`;
}

/**
 * One JSON line per scenario: deliveries per second from the mean time per iteration;
 * the simulator's lines name the bare loop of the same node count as their baseline
 * (`vs_baseline` is then the simulator's speed as a fraction of the bare loop's), and
 * the trace-off lines carry the target that fraction should reach.
 */
export const REPORTS: readonly BenchReport[] = [...HOP_SCENARIOS, ...BARE_SCENARIOS].map((
  scenario,
) => ({
  name: scenario.name,
  ...(scenario.name.startsWith("hop-") ? { baseline: `bare-${scenario.nodes}` } : {}),
  ...(scenario.name.startsWith("hop-") && !scenario.trace
    ? { targetVsBaseline: TARGET_VS_BARE }
    : {}),
  line: (meanNs) => ({
    name: scenario.name,
    nodes: scenario.nodes,
    trace: scenario.trace ? "on" : "off",
    deliveries_per_s: Math.round(scenario.deliveries / (meanNs / 1e9)),
  }),
}));

for (const scenario of HOP_SCENARIOS) {
  Deno.bench({
    name: scenario.name,
    group: groupOf(scenario.nodes),
    baseline: !scenario.trace,
    fn: () => {
      runHop(scenario);
    },
  });
}

for (const scenario of BARE_SCENARIOS) {
  Deno.bench({
    name: scenario.name,
    group: groupOf(scenario.nodes),
    fn: () => {
      runBareHop(scenario);
    },
  });
}
