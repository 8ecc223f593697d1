/**
 * The `crdt-convergence` experiment (chapter 11): replicas of one CRDT on the simulator,
 * each updating its copy at random and gossiping to every other replica, while a
 * partition splits them in two. Updates stop when the partition heals; the row says
 * whether every replica then reaches the same state and how long after the heal that
 * took, and how many bytes the gossip sent.
 *
 * Two ways to gossip: "full" sends the whole state to every peer each round (simple,
 * robust to any loss, but each message is as big as the state); "delta" sends each peer
 * only the join of the deltas it has not acknowledged (delta-state CRDTs, Almeida et al.
 * 2018), resent each round until acknowledged, so loss and partitions delay but never
 * lose an update.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { defineExperiment, type Experiment } from "../experiments/experiment.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { hashString } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { replayCommand } from "../testing/replay.ts";
import { CRDT_NAMES, CRDTS } from "./catalog.ts";
import { type AnyCrdt, canonicalJson, jsonBytes, sameState } from "./crdt.ts";

/** What replicas send each other. */
export type GossipMessage =
  | { readonly type: "state"; readonly state: unknown }
  | { readonly type: "delta"; readonly delta: unknown; readonly upTo: number }
  | { readonly type: "ack"; readonly upTo: number };

/** A replica's timers. */
export type GossipTimer = "update" | "gossip";

/** How replicas gossip: whole states or unacknowledged deltas. */
export type GossipMode = "full" | "delta";

/** Bytes and messages sent, shared by the replicas of one run. */
export interface GossipMeter {
  /** Bytes sent (canonical JSON of each message). */
  bytes: number;
  /** Messages sent. */
  messages: number;
  /** Updates made. */
  updates: number;
  /** Joins after which the state was not above the old one (only counted when checked). */
  inflationViolations: number;
}

/** Options of a {@link CrdtReplica}. */
export interface CrdtReplicaOptions {
  /** The CRDT every replica runs. */
  readonly crdt: AnyCrdt;
  /** Whole states or deltas. */
  readonly gossip: GossipMode;
  /** Time between gossip rounds, in ms. */
  readonly gossipIntervalMs: number;
  /** Mean time between this replica's updates, in ms (exponential gaps). */
  readonly updateMeanGapMs: number;
  /** No update starts at or after this time, in ms. */
  readonly updatesUntilMs: number;
  /** Where sends are counted. */
  readonly meter: GossipMeter;
  /**
   * Check after every join that the new state is above the old one (merging the old
   * state back changes nothing): the lattice's inflation, the reason gossip converges.
   * Costs a comparison of whole states per message.
   */
  readonly checkInflation?: boolean;
}

/** A replica of a CRDT that updates at random and gossips to every peer. */
export class CrdtReplica implements Node<GossipMessage, GossipTimer> {
  readonly #ctx: NodeContext<GossipMessage, GossipTimer>;
  readonly #options: CrdtReplicaOptions;
  #state: unknown;
  #digest: number | undefined;
  /** Deltas made here and not yet acknowledged by every peer, numbered from 1. */
  #log: { readonly seq: number; readonly delta: unknown }[] = [];
  #seq = 0;
  readonly #acked = new Map<NodeId, number>();
  /** Per peer, the join of the deltas it has not acknowledged (kept up to date, not rebuilt). */
  readonly #pending = new Map<NodeId, unknown>();

  /** A replica with the initial state. */
  constructor(ctx: NodeContext<GossipMessage, GossipTimer>, options: CrdtReplicaOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#state = options.crdt.initial();
  }

  /** The replica's state. */
  get state(): unknown {
    return this.#state;
  }

  /** A hash of the canonical state: equal states give equal digests. */
  get digest(): number {
    this.#digest ??= hashString(canonicalJson(this.#state));
    return this.#digest;
  }

  /** Schedules the first update and the first gossip round (at a random phase). */
  start(): void {
    this.#scheduleUpdate();
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.gossipIntervalMs), "gossip");
  }

  /** Joins what a peer sent; acknowledges deltas. */
  onMessage(from: NodeId, message: GossipMessage): void {
    if (message.type === "ack") {
      const acked = Math.max(this.#acked.get(from) ?? 0, message.upTo);
      this.#acked.set(from, acked);
      const all = Math.min(...this.#ctx.peers.map((p) => this.#acked.get(p) ?? 0));
      this.#log = this.#log.filter((entry) => entry.seq > all);
      // Rebuild this peer's pending join from what it still lacks (rare: once per ack).
      const { crdt } = this.#options;
      const lacking = this.#log.filter((entry) => entry.seq > acked);
      if (lacking.length === 0) this.#pending.delete(from);
      else {
        this.#pending.set(
          from,
          lacking.reduce((joined, entry) => crdt.merge(joined, entry.delta), crdt.initial()),
        );
      }
      return;
    }
    this.#join(message.type === "state" ? message.state : message.delta);
    if (message.type === "delta") this.#send(from, { type: "ack", upTo: message.upTo });
  }

  /** Makes an update or runs a gossip round. */
  onTimer(timer: GossipTimer): void {
    if (timer === "update") {
      const { crdt } = this.#options;
      const op = crdt.randomOp(this.#ctx.random, this.#state, this.#ctx.now());
      const delta = crdt.delta(this.#state, this.#ctx.id, op);
      this.#join(delta);
      this.#log.push({ seq: ++this.#seq, delta });
      for (const peer of this.#ctx.peers) {
        const pending = this.#pending.get(peer);
        this.#pending.set(peer, pending === undefined ? delta : crdt.merge(pending, delta));
      }
      this.#options.meter.updates++;
      this.#scheduleUpdate();
      return;
    }
    for (const peer of this.#ctx.peers) {
      if (this.#options.gossip === "full") {
        this.#send(peer, { type: "state", state: this.#state });
        continue;
      }
      const delta = this.#pending.get(peer);
      if (delta !== undefined) this.#send(peer, { type: "delta", delta, upTo: this.#seq });
    }
    this.#ctx.setTimer(this.#options.gossipIntervalMs, "gossip");
  }

  #join(other: unknown): void {
    const { crdt, checkInflation, meter } = this.#options;
    const next = crdt.merge(this.#state, other);
    if (checkInflation && !sameState(crdt.merge(next, this.#state), next)) {
      meter.inflationViolations++;
    }
    if (next !== this.#state) this.#digest = undefined;
    this.#state = next;
  }

  #send(to: NodeId, message: GossipMessage): void {
    this.#options.meter.bytes += jsonBytes(message);
    this.#options.meter.messages++;
    this.#ctx.send(to, message);
  }

  #scheduleUpdate(): void {
    const gap = this.#ctx.random.exponential(this.#options.updateMeanGapMs);
    if (this.#ctx.now() + gap < this.#options.updatesUntilMs) this.#ctx.setTimer(gap, "update");
  }
}

/** Zod schema of the parameters of {@link crdtConvergence}. */
export const CrdtConvergenceParamsSchema = z.strictObject({
  crdt: z.enum(CRDT_NAMES).default("or-set").describe("Which CRDT the replicas run"),
  gossip: z.enum(["full", "delta"]).default("delta")
    .describe("Gossip whole states (full) or unacknowledged deltas (delta)"),
  replicas: integerAtLeast(2).max(20, { error: "must be at most 20" }).default(4)
    .describe("Replicas; the partition splits them into two non-empty groups"),
  updateMeanGapMs: positiveMs().default(20)
    .describe("Mean time between one replica's updates, in ms"),
  gossipIntervalMs: positiveMs().default(50).describe("Time between gossip rounds, in ms"),
  partitionAtMs: nonNegativeMs().default(200).describe("When the partition starts, in ms"),
  healAtMs: positiveMs().default(1000)
    .describe("When the partition heals, in ms; updates stop then too"),
  maxWaitMs: positiveMs().default(5000)
    .describe("How long after the heal to wait for convergence before giving up, in ms"),
  lossProbability: probability().default(0.05).describe("Probability that a message is lost"),
  checkInflation: z.boolean().default(false)
    .describe("Check after every join that the state only moved up (slower); counted in the row"),
  latency: DistributionSchema.default({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way delay of every message (a distribution, as JSON)"),
}).refine((p) => p.partitionAtMs < p.healAtMs, {
  error: "partitionAtMs must be before healAtMs",
  path: ["healAtMs"],
});

/** The validated parameters of {@link crdtConvergence}. */
export type CrdtConvergenceParams = z.output<typeof CrdtConvergenceParamsSchema>;

/** The outcome of one `crdt-convergence` run. */
export type CrdtConvergenceRow = {
  /** The CRDT. */
  readonly crdt: string;
  /** How replicas gossiped. */
  readonly gossip: GossipMode;
  /** Replicas. */
  readonly replicas: number;
  /** Replicas on the smaller side of the partition. */
  readonly minority: number;
  /** Updates made, all replicas together. */
  readonly updates: number;
  /** Whether every replica held the same state within maxWaitMs of the heal. */
  readonly converged: boolean;
  /** From the heal to the first moment every replica held the same state, in ms (null if never). */
  readonly timeToConvergeMs: number | null;
  /** Bytes gossiped from the start until convergence (or giving up). */
  readonly bytesGossiped: number;
  /** Messages sent in that time, acknowledgements included. */
  readonly messages: number;
  /** Size of the final state of the first replica, in bytes. */
  readonly stateBytes: number;
  /** Joins that did not move a state up (always 0 unless checkInflation is set). */
  readonly inflationViolations: number;
  /** The value every replica reads at the end (of the first replica when they differ), as JSON. */
  readonly value: string;
};

const DEFAULTS = CrdtConvergenceParamsSchema.parse({});

/** A finished `crdt-convergence` run. */
export interface CrdtConvergenceRun {
  /** The finished simulation. */
  readonly simulation: Simulation<GossipMessage>;
  /** The two sides of the partition. */
  readonly groups: readonly (readonly NodeId[])[];
  /** The row. */
  readonly row: CrdtConvergenceRow;
}

/**
 * Runs one `crdt-convergence` trial: replicas r1..rN, a partition into two random
 * non-empty groups from `partitionAtMs` to `healAtMs`, then runs until every replica
 * holds the same state or `maxWaitMs` pass.
 *
 * @example
 * ```ts
 * simulateCrdtConvergence(crdtConvergence.parseParams({ crdt: "rga" }), 1).row.converged; // true
 * ```
 */
export function simulateCrdtConvergence(
  params: CrdtConvergenceParams,
  seed: number,
  options: { readonly record?: boolean; readonly crdt?: AnyCrdt } = {},
): CrdtConvergenceRun {
  const crdt = options.crdt ?? CRDTS[params.crdt];
  const ids = Array.from({ length: params.replicas }, (_, i) => `r${i + 1}`);
  const simulation = new Simulation<GossipMessage>({
    seed,
    record: options.record ?? false,
    network: { latency: params.latency, lossProbability: params.lossProbability },
    replay: replayCommand("crdt-convergence", seed, { params, defaults: DEFAULTS }),
  });
  const meter: GossipMeter = { bytes: 0, messages: 0, updates: 0, inflationViolations: 0 };
  simulation.addNodes(ids, (ctx) =>
    new CrdtReplica(ctx, {
      crdt,
      gossip: params.gossip,
      gossipIntervalMs: params.gossipIntervalMs,
      updateMeanGapMs: params.updateMeanGapMs,
      updatesUntilMs: params.healAtMs,
      meter,
      checkInflation: params.checkInflation,
    }));
  // Two random non-empty sides: shuffle, then cut at a random point.
  const random = simulation.random.child("partition");
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  const cut = random.int(1, ids.length);
  const groups = [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
  simulation.schedule([
    { atMs: params.partitionAtMs, kind: "partition", groups },
    { atMs: params.healAtMs, kind: "heal" },
  ]);
  const replicas = () => ids.map((id) => simulation.node<CrdtReplica>(id) as CrdtReplica);
  const same = () => {
    const [first, ...rest] = replicas();
    return rest.every((r) => r.digest === first?.digest);
  };
  simulation.runUntil(params.healAtMs);
  const limitMs = params.healAtMs + params.maxWaitMs;
  // An event at the limit, so the wait below ends there even if nothing else happens.
  simulation.at(limitMs, () => {});
  simulation.runUntilTrue(() => same() || simulation.now >= limitMs, { untilMs: limitMs + 1 });
  // Digests agree; confirm on the states themselves (a hash collision would show here).
  const states = replicas().map((r) => canonicalJson(r.state));
  const converged = same() && states.every((s) => s === states[0]);
  const first = replicas()[0] as CrdtReplica;
  return {
    simulation,
    groups,
    row: {
      crdt: crdt.name,
      gossip: params.gossip,
      replicas: params.replicas,
      minority: Math.min(cut, ids.length - cut),
      updates: meter.updates,
      converged,
      timeToConvergeMs: converged ? simulation.now - params.healAtMs : null,
      bytesGossiped: meter.bytes,
      messages: meter.messages,
      stateBytes: jsonBytes(first.state),
      inflationViolations: meter.inflationViolations,
      value: JSON.stringify(crdt.value(first.state)),
    },
  };
}

/**
 * `crdt-convergence`: replicas of a CRDT partitioned, updating and gossiping; after the
 * heal, whether and how fast they converge and how many bytes full-state or delta
 * gossip cost. One row per seed.
 *
 * @example
 * ```ts
 * const [row] = crdtConvergence.run({ crdt: "or-set", gossip: "full" }, 1);
 * row?.converged; // true
 * ```
 */
export const crdtConvergence: Experiment<typeof CrdtConvergenceParamsSchema, CrdtConvergenceRow> =
  defineExperiment({
    name: "crdt-convergence",
    title: "Convergence of CRDT replicas after a partition heals, full-state vs delta gossip",
    description: "Replicas r1..rN of one CRDT each update their copy at random " +
      "(exponential gaps, mean updateMeanGapMs) and gossip to every peer every " +
      "gossipIntervalMs, over a lossy network. A partition splits them into two random " +
      "groups from partitionAtMs to healAtMs; updates stop at the heal. converged says " +
      "whether every replica held the same state within maxWaitMs of the heal, " +
      "timeToConvergeMs how long that took; bytesGossiped counts every message's " +
      "canonical JSON until then, for whole-state or delta gossip.",
    chapter: "11_crdts",
    params: CrdtConvergenceParamsSchema,
    trial: (params, seed) => [simulateCrdtConvergence(params, seed).row],
  });
