/**
 * Runs logical clocks on simulated nodes, to check them against the truth. A script says
 * which node sends to which and when, and which does local events; the simulator adds
 * random delays (so messages overtake each other), loss and duplication. Each node runs
 * any number of clocks side by side and stamps every event with each of them; the run
 * returns the happened-before relation of its trace with the stamps lined up, event by
 * event.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  parseConfig,
  probability,
  seedField,
} from "../config/mod.ts";
import { type ClockConfig, ClockConfigSchema, NodeClock } from "../sim/clock.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { Message, Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import type { CausalClock } from "./causal_clock.ts";
import { type CausalEventKind, type HappenedBefore, happenedBefore } from "./happened_before.ts";

/** Zod schema of a {@link CausalAction}. */
export const CausalActionSchema = z.strictObject({
  /** The acting node's index: 0 for n1, 1 for n2, ... */
  node: z.number().int({ error: "must be a whole number" }).min(0, { error: "must be at least 0" }),
  /** When, in ms of the node's own clock after it starts. */
  atMs: nonNegativeMs(),
  /** Send a message, or do a local event (a note in the trace). */
  kind: z.enum(["send", "local"]),
  /** The destination's index, for a send (not the node itself). Default 0. */
  to: z.number().int({ error: "must be a whole number" }).min(0, { error: "must be at least 0" })
    .default(0),
});

/** One scripted action: node `node` sends to node `to`, or does a local event, at `atMs`. */
export type CausalAction = z.output<typeof CausalActionSchema>;

/** Zod schema of a {@link CausalScript}. */
export const CausalScriptSchema = z.strictObject({
  /** Nodes, named n1, n2, ... */
  nodes: integerAtLeast(1).max(1000, { error: "must be at most 1000" }),
  /** What the nodes do, in any order. */
  actions: z.array(CausalActionSchema),
  /** Seed of the network's delays, losses and duplicates. Default 1. */
  seed: seedField().default(1),
  /** One-way delay of every message. Default uniform 1–20 ms: messages often overtake. */
  latency: DistributionSchema.default({ kind: "uniform", minMs: 1, maxMs: 20 }),
  /** Probability that the network loses a message. Default 0. */
  lossProbability: probability().default(0),
  /** Probability that the network delivers a message twice. Default 0. */
  duplicateProbability: probability().default(0),
  /** Clock offset and drift per node, by index (nodes not listed have perfect clocks). */
  clocks: z.array(ClockConfigSchema).default([]),
}).superRefine((script, ctx) => {
  script.actions.forEach((action, i) => {
    if (action.node >= script.nodes) {
      ctx.addIssue({
        code: "custom",
        message: `must be less than nodes (${script.nodes}), got ${action.node}`,
        path: ["actions", i, "node"],
        input: action.node,
      });
    }
    if (action.kind === "send" && (action.to >= script.nodes || action.to === action.node)) {
      ctx.addIssue({
        code: "custom",
        message: `must be another node's index, less than ${script.nodes}, got ${action.to}`,
        path: ["actions", i, "to"],
        input: action.to,
      });
    }
  });
  if (script.clocks.length > script.nodes) {
    ctx.addIssue({
      code: "custom",
      message:
        `must list at most one clock per node (${script.nodes}), got ${script.clocks.length}`,
      path: ["clocks"],
      input: script.clocks,
    });
  }
});

/** A validated script: nodes, their actions, and the network they run on. */
export type CausalScript = z.output<typeof CausalScriptSchema>;

/** What a user may write for a {@link CausalScript}. */
export type CausalScriptInput = z.input<typeof CausalScriptSchema>;

/** The message scripted nodes send: each clock's timestamp, by clock name. */
export interface StampedMessage extends Message {
  /** Always "message". */
  readonly type: "message";
  /** The sender's timestamp for each clock it runs. */
  readonly stamps: Readonly<Record<string, unknown>>;
}

/** Builds one node's clock; the context gives it the node's id and physical clock. */
export type ClockFactory<S> = (ctx: NodeContext<StampedMessage, number>) => CausalClock<S>;

/** The timestamp type of a clock factory. */
export type StampOf<F> = F extends ClockFactory<infer S> ? S : never;

/** One event as a {@link ClockedNode} saw it: its kind, its stamps, its physical time. */
export interface StampedEntry {
  /** Send, receive or local. */
  readonly kind: CausalEventKind;
  /** The event's timestamp for each clock, by name. */
  readonly stamps: Readonly<Record<string, unknown>>;
  /** The node's physical clock at the event, in ms. */
  readonly physicalMs: number;
}

/**
 * A node that follows its part of a script and stamps every event with each of its
 * clocks: a local event (`ctx.log("local")`), a send (the stamps travel on the message),
 * a receipt (each clock's receive rule, with the stamp the message carried). It keeps
 * its events, in order, in {@link ClockedNode.entries}. Timestamps are copied on the way
 * in and out, so a clock that changes an object it returned cannot rewrite history.
 */
export class ClockedNode implements Node<StampedMessage, number> {
  /** This node's events, in the order they happened. */
  readonly entries: StampedEntry[] = [];
  readonly #ctx: NodeContext<StampedMessage, number>;
  readonly #clocks: readonly (readonly [string, CausalClock<unknown>])[];
  readonly #actions: readonly CausalAction[];
  readonly #nodeIds: readonly NodeId[];

  /**
   * A node acting through `ctx`, running `clocks` (by name), doing `actions` (those of
   * this node), and naming destinations by their index in `nodeIds`.
   */
  constructor(
    ctx: NodeContext<StampedMessage, number>,
    options: {
      readonly clocks: Readonly<Record<string, ClockFactory<unknown>>>;
      readonly actions: readonly CausalAction[];
      readonly nodeIds: readonly NodeId[];
    },
  ) {
    this.#ctx = ctx;
    this.#clocks = Object.entries(options.clocks).map(([name, make]) => [name, make(ctx)]);
    this.#actions = options.actions;
    this.#nodeIds = options.nodeIds;
  }

  /** Sets a timer for each scripted action. */
  start(): void {
    this.#actions.forEach((action, i) => this.#ctx.setTimer(action.atMs, i));
  }

  /** Stamps the receipt with every clock. */
  onMessage(_from: NodeId, message: StampedMessage): void {
    const stamps: Record<string, unknown> = {};
    for (const [name, clock] of this.#clocks) {
      stamps[name] = copy(clock.receive(copy(message.stamps[name])));
    }
    this.#record("receive", stamps);
  }

  /** Does the scripted action: a local event or a send. */
  onTimer(index: number): void {
    const action = this.#actions[index] as CausalAction;
    const stamps: Record<string, unknown> = {};
    if (action.kind === "local") {
      for (const [name, clock] of this.#clocks) stamps[name] = copy(clock.tick());
      this.#record("local", stamps);
      this.#ctx.log("local");
      return;
    }
    for (const [name, clock] of this.#clocks) stamps[name] = copy(clock.send());
    this.#record("send", stamps);
    this.#ctx.send(this.#nodeIds[action.to] as NodeId, { type: "message", stamps: copy(stamps) });
  }

  #record(kind: CausalEventKind, stamps: Record<string, unknown>): void {
    this.entries.push({ kind, stamps, physicalMs: this.#ctx.now() });
  }
}

/** A finished scripted run: the truth and every clock's timestamps, event by event. */
export interface ClockedRun<F extends Readonly<Record<string, ClockFactory<unknown>>>> {
  /** The validated script. */
  readonly script: CausalScript;
  /** The finished simulation (its trace is the run's ground truth). */
  readonly simulation: Simulation<StampedMessage>;
  /** The nodes' names, by index: n1, n2, ... */
  readonly nodeIds: readonly NodeId[];
  /** Happened-before over the run's events. */
  readonly truth: HappenedBefore;
  /** For each clock, by name: `stamps[name][i]` is the timestamp of `truth.events[i]`. */
  readonly stamps: { readonly [K in keyof F]: readonly StampOf<F[K]>[] };
  /** Each event's physical time on its node's clock, in ms (aligned with the events). */
  readonly physicalMs: readonly number[];
  /** What node `id`'s clock read at true time `tMs` (the script's offsets and drifts). */
  clockReading(id: NodeId, tMs: number): number;
}

/**
 * Runs a script on nodes that each run `clocks` (factories by name), until nothing is
 * left to do, and lines up every event of the trace with its timestamps.
 *
 * @example
 * ```ts
 * import { LamportClock } from "./lamport_clock.ts";
 * import { VectorClock } from "./vector_clock.ts";
 *
 * const run = runCausalScript(
 *   { nodes: 2, actions: [{ node: 0, atMs: 0, kind: "send", to: 1 }] },
 *   { lamport: () => new LamportClock(), vector: (ctx) => new VectorClock(ctx.id) },
 * );
 * run.stamps.lamport; // [1, 2]: the send, then its receipt
 * ```
 */
export function runCausalScript<F extends Readonly<Record<string, ClockFactory<unknown>>>>(
  script: CausalScriptInput,
  clocks: F,
): ClockedRun<F> {
  const parsed = parseConfig(CausalScriptSchema, script, "script");
  if (clocks === null || typeof clocks !== "object") {
    throw new TypeError("Cannot run a causal script: clocks must be an object of clock factories");
  }
  for (const [name, make] of Object.entries(clocks)) {
    if (typeof make !== "function") {
      throw new TypeError(
        `Cannot run a causal script: clock ${
          JSON.stringify(name)
        } must be a factory (ctx) => clock`,
      );
    }
  }
  const nodeIds = Array.from({ length: parsed.nodes }, (_, i) => `n${i + 1}`);
  const clockConfigs: Record<NodeId, ClockConfig> = {};
  parsed.clocks.forEach((config, i) => clockConfigs[nodeIds[i] as NodeId] = config);
  const simulation = new Simulation<StampedMessage>({
    seed: parsed.seed,
    network: {
      latency: parsed.latency,
      lossProbability: parsed.lossProbability,
      duplicateProbability: parsed.duplicateProbability,
    },
    clocks: clockConfigs,
  });
  nodeIds.forEach((id, index) => {
    const actions = parsed.actions.filter((action) => action.node === index);
    simulation.addNode(id, (ctx) => new ClockedNode(ctx, { clocks, actions, nodeIds }));
  });
  simulation.runUntilQuiet({ description: "every scripted action and its messages" });

  const truth = happenedBefore(simulation.trace);
  const names = Object.keys(clocks);
  const stamps: Record<string, unknown[]> = Object.fromEntries(names.map((name) => [name, []]));
  const physicalMs: number[] = [];
  const cursor = new Map<NodeId, number>();
  for (const event of truth.events) {
    const node = simulation.node<ClockedNode>(event.node) as ClockedNode;
    const at = cursor.get(event.node) ?? 0;
    cursor.set(event.node, at + 1);
    const entry = node.entries[at];
    if (entry === undefined || entry.kind !== event.kind) {
      throw new Error(
        `Cannot line up the stamps of ${event.node}: event ${at} is a ${event.kind} in the trace ` +
          `but ${entry === undefined ? "missing" : `a ${entry.kind}`} at the node`,
      );
    }
    for (const name of names) stamps[name]!.push(entry.stamps[name]);
    physicalMs.push(entry.physicalMs);
  }
  const readers = new Map(
    nodeIds.map((id) => [id, new NodeClock(clockConfigs[id] ?? { offsetMs: 0, driftPpm: 0 })]),
  );
  return {
    script: parsed,
    simulation,
    nodeIds,
    truth,
    stamps: stamps as unknown as ClockedRun<F>["stamps"],
    physicalMs,
    clockReading: (id, tMs) => {
      const reader = readers.get(id);
      if (reader === undefined) {
        throw new RangeError(`Cannot read the clock of ${id}: nodes are ${nodeIds.join(", ")}`);
      }
      return reader.read(tMs);
    },
  };
}

/** Options of {@link randomCausalScript}. */
export interface RandomCausalScriptOptions {
  /** Nodes. Default 3. */
  readonly nodes?: number;
  /** Actions, over all nodes. Default 30. */
  readonly actions?: number;
  /** Actions happen at uniformly random times in [0, durationMs). Default 100. */
  readonly durationMs?: number;
  /** Probability that an action is a send rather than a local event. Default 0.7. */
  readonly sendProbability?: number;
  /** The rest of the script: network and clocks. */
  readonly network?: Omit<CausalScriptInput, "nodes" | "actions">;
}

/**
 * A random script drawn from `seed`: `actions` actions at random times, each by a random
 * node, a send to a random other node with probability `sendProbability`, else a local
 * event. Same seed and options, same script.
 *
 * @example
 * ```ts
 * import { LamportClock } from "./lamport_clock.ts";
 *
 * const script = randomCausalScript(7, { nodes: 4, actions: 40 });
 * runCausalScript(script, { lamport: () => new LamportClock() });
 * ```
 */
export function randomCausalScript(
  seed: number,
  options: RandomCausalScriptOptions = {},
): CausalScript {
  const nodes = options.nodes ?? 3;
  const count = options.actions ?? 30;
  const durationMs = options.durationMs ?? 100;
  const sendProbability = options.sendProbability ?? 0.7;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot draw a script: actions must be a whole number at least 0, got ${count}`,
    );
  }
  if (!(durationMs > 0) || !Number.isFinite(durationMs)) {
    throw new RangeError(
      `Cannot draw a script: durationMs must be greater than 0, got ${durationMs}`,
    );
  }
  if (!(sendProbability >= 0 && sendProbability <= 1)) {
    throw new RangeError(
      `Cannot draw a script: sendProbability must be between 0 and 1, got ${sendProbability}`,
    );
  }
  if (!Number.isInteger(nodes) || nodes < 1 || (nodes < 2 && sendProbability > 0 && count > 0)) {
    throw new RangeError(
      `Cannot draw a script: nodes must be a whole number at least 2 for sends, got ${nodes}`,
    );
  }
  const random = new Random(seed, "causal-script");
  const actions: CausalAction[] = [];
  for (let i = 0; i < count; i++) {
    const node = random.int(0, nodes);
    const atMs = Math.round(random.uniform(0, durationMs) * 1000) / 1000;
    if (random.chance(sendProbability)) {
      const to = (node + 1 + random.int(0, nodes - 1)) % nodes;
      actions.push({ node, atMs, kind: "send", to });
    } else {
      actions.push({ node, atMs, kind: "local", to: 0 });
    }
  }
  return parseConfig(
    CausalScriptSchema,
    { seed, ...options.network, nodes, actions },
    "script",
  );
}

function copy<T>(value: T): T {
  return value === null || typeof value !== "object" ? value : structuredClone(value);
}
