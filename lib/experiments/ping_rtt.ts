/**
 * The first experiment of the course (chapter 00): a few nodes ping each other over the
 * simulated network and time the answers. The round trip is two one-way delays, so its
 * spread shows the network's latency distribution; with loss, some pings never come
 * back and time out.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, probability } from "../config/mod.ts";
import {
  DistributionSchema,
  type Node,
  type NodeContext,
  type NodeId,
  Simulation,
  type TimerId,
} from "../sim/mod.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment, type Experiment } from "./experiment.ts";

/** Most pings one `ping-rtt` run may send, over all nodes. */
const MAX_PINGS = 1_000_000;

/** Zod schema of the parameters of {@link pingRtt}. */
export const PingRttParamsSchema = z.strictObject({
  nodes: integerAtLeast(2).max(1000, { error: "must be at most 1000" }).default(3)
    .describe("Nodes; each pings the others in turn"),
  pings: integerAtLeast(1).max(100_000, { error: "must be at most 100000" }).default(20)
    .describe("Pings each node sends"),
  intervalMs: positiveMs().default(100)
    .describe("Time between two pings of the same node, in ms"),
  latency: DistributionSchema
    .default({ kind: "lognormal", medianMs: 10, sigma: 0.5, shiftMs: 0 })
    .describe("One-way delay of every message (a distribution, as JSON)"),
  lossProbability: probability().default(0)
    .describe("Probability that the network loses a message"),
  timeoutMs: positiveMs().default(250)
    .describe("How long a node waits for a pong before it counts the ping as lost, in ms"),
}).superRefine(({ nodes, pings }, context) => {
  if (nodes * pings > MAX_PINGS) {
    context.addIssue({
      code: "custom",
      path: ["pings"],
      input: pings,
      message: `gives nodes × pings = ${nodes * pings} pings, more than the ${MAX_PINGS} ` +
        "one run may send (each is a row)",
    });
  }
});

/** The validated parameters of {@link pingRtt}. */
export type PingRttParams = z.output<typeof PingRttParamsSchema>;

/** One ping: who sent it to whom, when, and how long the pong took (null if it timed out). */
export type PingRttRow = {
  /** The node that sent the ping. */
  readonly from: NodeId;
  /** The node it was sent to. */
  readonly to: NodeId;
  /** When it was sent, by the sender's clock, in ms. */
  readonly sentAtMs: number;
  /** Round-trip time by the sender's clock, in ms; null when it timed out. */
  readonly rttMs: number | null;
  /** Whether no pong came back within `timeoutMs`. */
  readonly timedOut: boolean;
};

/** What the ping nodes say to each other. */
export type PingMessage =
  | { readonly type: "ping"; readonly seq: number }
  | { readonly type: "pong"; readonly seq: number };

/** What a ping node's timers carry: time for the next ping, or a ping's deadline. */
export type PingTimer =
  | { readonly kind: "tick" }
  | { readonly kind: "timeout"; readonly seq: number };

/** Settings of one {@link PingNode}. */
export interface PingNodeOptions {
  /** Pings to send. */
  readonly pings: number;
  /** Time between two pings, in ms of the node's clock. */
  readonly intervalMs: number;
  /** How long to wait for each pong, in ms of the node's clock. */
  readonly timeoutMs: number;
}

/**
 * A node that answers every ping with a pong and sends pings of its own: `pings` of
 * them, every `intervalMs` from a random start, to its peers in turn. Each ping has a
 * timer; the pong cancels it, or it fires and the ping counts as timed out (a late pong
 * is then ignored). Results stay in the node: {@link PingNode.results}.
 */
export class PingNode implements Node<PingMessage, PingTimer> {
  /** One row per ping whose outcome is known, in the order they became known. */
  readonly results: PingRttRow[] = [];
  readonly #ctx: NodeContext<PingMessage, PingTimer>;
  readonly #options: PingNodeOptions;
  readonly #outstanding = new Map<number, { to: NodeId; sentAtMs: number; timer: TimerId }>();
  #sent = 0;

  /** A node acting through `ctx`. */
  constructor(ctx: NodeContext<PingMessage, PingTimer>, options: PingNodeOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Schedules the first ping at a random point of the first interval, so nodes interleave. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.intervalMs), { kind: "tick" });
  }

  /** Answers pings; a pong settles its ping. */
  onMessage(from: NodeId, message: PingMessage): void {
    if (message.type === "ping") {
      this.#ctx.send(from, { type: "pong", seq: message.seq });
      return;
    }
    const pending = this.#outstanding.get(message.seq);
    if (pending === undefined || pending.to !== from) return; // late, duplicate or stray
    this.#outstanding.delete(message.seq);
    this.#ctx.cancelTimer(pending.timer);
    this.results.push({
      from: this.#ctx.id,
      to: from,
      sentAtMs: pending.sentAtMs,
      rttMs: this.#ctx.now() - pending.sentAtMs,
      timedOut: false,
    });
  }

  /** Sends the next ping, or gives up on one whose deadline passed. */
  onTimer(payload: PingTimer): void {
    if (payload.kind === "timeout") {
      const pending = this.#outstanding.get(payload.seq);
      if (pending === undefined) return;
      this.#outstanding.delete(payload.seq);
      this.results.push({
        from: this.#ctx.id,
        to: pending.to,
        sentAtMs: pending.sentAtMs,
        rttMs: null,
        timedOut: true,
      });
      return;
    }
    const peers = this.#ctx.peers;
    const seq = this.#sent++;
    const to = peers[seq % peers.length] as NodeId;
    const timer = this.#ctx.setTimer(this.#options.timeoutMs, { kind: "timeout", seq });
    this.#outstanding.set(seq, { to, sentAtMs: this.#ctx.now(), timer });
    this.#ctx.send(to, { type: "ping", seq });
    if (this.#sent < this.#options.pings) {
      this.#ctx.setTimer(this.#options.intervalMs, { kind: "tick" });
    }
  }
}

const DEFAULTS = PingRttParamsSchema.parse({});

/**
 * Runs one ping-rtt trial: `nodes` nodes named n1, n2, ... ping each other over a
 * network with the given latency and loss, until every ping is answered or timed out.
 * Returns one row per ping, in the order they were sent.
 */
export function runPingRtt(params: PingRttParams, seed: number): PingRttRow[] {
  const sim = new Simulation<PingMessage>({
    seed,
    network: { latency: params.latency, lossProbability: params.lossProbability },
    record: false,
    replay: replayCommand("ping-rtt", seed, { params, defaults: DEFAULTS }),
  });
  const ids = Array.from({ length: params.nodes }, (_, index) => `n${index + 1}`);
  const options = {
    pings: params.pings,
    intervalMs: params.intervalMs,
    timeoutMs: params.timeoutMs,
  };
  sim.addNodes(ids, (ctx: NodeContext<PingMessage, PingTimer>) => new PingNode(ctx, options));
  // Every ping is sent within pings × interval and settled one timeout later.
  const lastSettledMs = params.pings * params.intervalMs + params.timeoutMs;
  sim.runUntilQuiet({ untilMs: lastSettledMs + 1, description: "every ping settled" });
  const order = new Map(ids.map((id, index) => [id, index]));
  const rows = ids.flatMap((id) => sim.node<PingNode>(id)?.results ?? []);
  return rows.sort((a, b) =>
    a.sentAtMs - b.sentAtMs || (order.get(a.from) ?? 0) - (order.get(b.from) ?? 0)
  );
}

/**
 * `ping-rtt`: round-trip times of pings between a few nodes (chapter 00).
 *
 * @example
 * ```ts
 * const rows = pingRtt.run({ nodes: 3, lossProbability: 0.1 }, 7);
 * rows.filter((row) => row.timedOut).length; // about a fifth of the pings
 * ```
 */
export const pingRtt: Experiment<typeof PingRttParamsSchema, PingRttRow> = defineExperiment({
  name: "ping-rtt",
  title: "Round-trip times of pings between a few nodes",
  description: "Each node sends `pings` pings, one every `intervalMs`, to the other nodes " +
    "in turn, and each node answers every ping with a pong. A row per ping gives its " +
    "round-trip time by the sender's clock, or null when no pong came back within " +
    "`timeoutMs` (the ping or the pong was lost, or was too slow).",
  chapter: "00_welcome",
  params: PingRttParamsSchema,
  trial: runPingRtt,
});
