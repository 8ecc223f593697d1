/**
 * Architectures as topologies: who sends messages to whom. Three small systems on the
 * simulator, each a set of {@link ChattyNode}s that send requests to the nodes they know and
 * answer what they receive, and {@link messageMatrix}, which counts the messages between
 * each pair in a trace:
 *
 * - client-server: clients know only the server;
 * - peer-to-peer: each peer knows a few other peers, chosen at random (as gossip does);
 * - microservices: clients know only the gateway; the gateway knows the front services;
 *   each service knows the ones it depends on.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import type { Trace } from "../sim/trace.ts";

/** A request or its answer. */
export type ChatMessage = { readonly type: "Request" } | { readonly type: "Answer" };

/** A node that sends a request to one node it knows, at random, every `periodMs`. */
export class ChattyNode implements Node<ChatMessage, "tick"> {
  readonly #ctx: NodeContext<ChatMessage, "tick">;
  readonly #knows: readonly NodeId[];
  readonly #periodMs: number;

  /** A node acting through `ctx`, sending to the nodes it `knows`. */
  constructor(ctx: NodeContext<ChatMessage, "tick">, knows: readonly NodeId[], periodMs: number) {
    this.#ctx = ctx;
    this.#knows = knows;
    this.#periodMs = periodMs;
  }

  /** Starts sending, at a random phase. */
  start(): void {
    if (this.#knows.length > 0) {
      this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#periodMs), "tick");
    }
  }

  /** Sends a request, sets the next. */
  onTimer(): void {
    this.#ctx.send(this.#ctx.random.pick(this.#knows), { type: "Request" });
    this.#ctx.setTimer(this.#periodMs, "tick");
  }

  /** Answers requests. */
  onMessage(from: NodeId, message: ChatMessage): void {
    if (message.type === "Request") this.#ctx.send(from, { type: "Answer" });
  }
}

/** The architectures {@link buildTopology} knows. */
export type Architecture = "client-server" | "peer-to-peer" | "microservices";

/** Every architecture, in the order a chapter shows them. */
export const ARCHITECTURES: readonly Architecture[] = [
  "client-server",
  "peer-to-peer",
  "microservices",
];

/** Who knows whom in each architecture, as node → the nodes it sends requests to. */
export function topologyOf(architecture: Architecture, seed: number): Record<NodeId, NodeId[]> {
  switch (architecture) {
    case "client-server":
      return { c1: ["server"], c2: ["server"], c3: ["server"], c4: ["server"], server: [] };
    case "peer-to-peer": {
      const peers = ["p1", "p2", "p3", "p4", "p5", "p6"];
      const random = new Random(seed).child("peers");
      return Object.fromEntries(peers.map((peer) => {
        const others = peers.filter((p) => p !== peer);
        const known: NodeId[] = [];
        while (known.length < 2) {
          const pick = random.pick(others);
          if (!known.includes(pick)) known.push(pick);
        }
        return [peer, known];
      }));
    }
    case "microservices":
      return {
        c1: ["gateway"],
        c2: ["gateway"],
        gateway: ["orders", "catalog"],
        orders: ["payments", "catalog"],
        catalog: ["search"],
        payments: [],
        search: [],
      };
  }
}

/** Runs an architecture for `runMs` and returns its trace. */
export function buildTopology(
  architecture: Architecture,
  seed: number,
  options: { readonly runMs?: number; readonly periodMs?: number } = {},
): Trace<ChatMessage> {
  const knows = topologyOf(architecture, seed);
  const simulation = new Simulation<ChatMessage>({
    seed,
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 5 } },
  });
  for (const [id, targets] of Object.entries(knows)) {
    simulation.addNode<"tick">(id, (ctx) => new ChattyNode(ctx, targets, options.periodMs ?? 10));
  }
  simulation.runUntil(options.runMs ?? 500);
  return simulation.trace;
}

/** Messages delivered from one node to another, in a trace. */
export interface MessageCount {
  /** The sender. */
  readonly from: NodeId;
  /** The receiver. */
  readonly to: NodeId;
  /** Messages delivered. */
  readonly messages: number;
}

/** How many messages went from each node to each other, one row per pair that talked. */
export function messageMatrix(trace: Trace): MessageCount[] {
  const counts = new Map<string, MessageCount>();
  for (const record of trace.ofKind("deliver")) {
    const key = `${record.from}→${record.to}`;
    const held = counts.get(key);
    counts.set(key, { from: record.from, to: record.to, messages: (held?.messages ?? 0) + 1 });
  }
  return [...counts.values()];
}
