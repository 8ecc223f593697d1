/**
 * Small nodes and scenarios shared by the simulator's tests.
 *
 * @module
 */
import {
  type Message,
  type NodeContext,
  Simulation,
  type SimulationConfigInput,
} from "../../lib/sim/mod.ts";

/** The messages of the {@link gossip} scenario. */
export type GossipMessage =
  | { readonly type: "rumor"; readonly hops: number; readonly value: number }
  | { readonly type: "ack"; readonly value: number };

/** What a gossip node holds; `seen` is volatile, `persisted` counts what reached storage. */
export interface GossipNode {
  seen: number[];
  onMessage(from: string, message: GossipMessage): void;
}

/**
 * A node that starts rumours on a randomized timer, forwards each rumour to a random peer
 * a few hops, acks it, and writes the count of rumours it saw to durable storage.
 */
export function gossipNode(ctx: NodeContext<GossipMessage, string>): GossipNode & {
  start(): void;
  onTimer(payload: string): void;
} {
  const node = {
    seen: [] as number[],
    start() {
      ctx.setTimer(ctx.random.uniform(1, 20), "rumor");
    },
    onTimer() {
      const value = Math.floor(ctx.random.next() * 1e6);
      ctx.send(ctx.random.pick(ctx.peers), { type: "rumor", hops: 3, value });
      if (ctx.now() < 400) ctx.setTimer(ctx.random.uniform(5, 30), "rumor");
    },
    onMessage(from: string, message: GossipMessage) {
      if (message.type !== "rumor") return;
      node.seen.push(message.value);
      ctx.storage.set("seen", (ctx.storage.get<number>("seen") ?? 0) + 1);
      ctx.send(from, { type: "ack", value: message.value });
      if (message.hops > 0) {
        ctx.send(ctx.random.pick(ctx.peers), { ...message, hops: message.hops - 1 });
      }
      ctx.log("got rumor", { value: message.value });
    },
  };
  return node;
}

/** The ids of the {@link busyRun} scenario. */
export const BUSY_IDS = ["n1", "n2", "n3", "n4", "n5"] as const;

/**
 * A non-trivial run: five gossiping nodes, random latencies, loss, duplication, a
 * partition, a crash and restart, a pause, a clock jump. Returns the simulation after
 * running it to 600 ms.
 */
export function busyRun(
  seed: number,
  overrides: SimulationConfigInput = {},
): Simulation<GossipMessage> {
  const sim = new Simulation<GossipMessage>({
    seed,
    network: {
      latency: { kind: "lognormal", medianMs: 5, sigma: 0.8 },
      lossProbability: 0.05,
      duplicateProbability: 0.05,
    },
    clocks: { n2: { offsetMs: 30, driftPpm: 200 } },
    faults: [
      { atMs: 100, kind: "partition", groups: [["n1", "n2"], ["n3", "n4", "n5"]] },
      { atMs: 150, kind: "crash", node: "n4" },
      { atMs: 180, kind: "pause", node: "n5" },
      { atMs: 200, kind: "heal" },
      { atMs: 230, kind: "resume", node: "n5" },
      { atMs: 250, kind: "restart", node: "n4" },
      { atMs: 260, kind: "clock-jump", node: "n1", deltaMs: -15 },
    ],
    ...overrides,
  });
  sim.addNodes(BUSY_IDS, gossipNode);
  sim.runUntil(600);
  return sim;
}

/** A node that ignores everything: for tests that drive the network from outside. */
export function silentNode(): { onMessage(): void } {
  return { onMessage() {} };
}

/** A message with a sequence number, for order tests. */
export interface Numbered extends Message {
  readonly type: "n";
  readonly n: number;
}

/**
 * Adds `ids` as silent nodes and returns their live contexts (the latest incarnation's),
 * so a test can make a node send or set timers at chosen times with `sim.at`.
 */
export function addSilentNodes<M extends Message>(
  sim: Simulation<M>,
  ids: readonly string[],
): Map<string, NodeContext<M>> {
  const contexts = new Map<string, NodeContext<M>>();
  sim.addNodes(ids, (ctx) => {
    contexts.set(ctx.id, ctx as NodeContext<M>);
    return silentNode();
  });
  return contexts;
}
