/**
 * Multi-leader replication: each leader accepts writes from its own clients, answers at
 * once, and replicates to the other leaders in the background (retrying until they
 * acknowledge). Each stored version carries a version vector, so a leader can tell a
 * write that follows another (it saw it) from a concurrent one (neither saw the other): a
 * conflict. Conflicts are resolved by last writer wins (the larger timestamp stays, the
 * other is dropped: an acknowledged write lost) or kept as siblings for the application
 * to merge.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  nonNegativeNumber,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { generateNemesis } from "../sim/faults.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, type Trial } from "../testing/mod.ts";
import { compareVectors, mergeVectors } from "../clocks/vector_clock.ts";
import {
  compareStamps,
  formatSiblings,
  mergedVector,
  mergeSiblings,
  type Versioned,
} from "./versions.ts";

/** How concurrent writes are resolved. */
export type ConflictResolution = "lww" | "siblings";

/** Messages between leaders and their clients. */
export type MultiLeaderMessage =
  | { readonly type: "Write"; readonly key: string; readonly value: number }
  | { readonly type: "WriteOk"; readonly key: string; readonly value: number }
  | {
    readonly type: "Replicate";
    readonly seq: number;
    readonly key: string;
    readonly siblings: readonly Versioned[];
  }
  | { readonly type: "ReplicateAck"; readonly seq: number };

/** Options of a {@link MultiLeader}. */
export interface MultiLeaderOptions {
  /** Every leader, this one included. */
  readonly leaders: readonly NodeId[];
  /** How conflicts are resolved. */
  readonly resolution: ConflictResolution;
  /** Resend unacknowledged updates after this long, in ms. Default 30. */
  readonly resendMs?: number;
}

/** A conflict a leader detected: two concurrent versions of a key. */
export interface DetectedConflict {
  /** The key. */
  readonly key: string;
  /** The version kept (LWW), or undefined when both are kept as siblings. */
  readonly kept: Versioned | undefined;
  /** The version dropped (LWW), or undefined. */
  readonly dropped: Versioned | undefined;
}

/**
 * A leader. A write from a client gets a version vector one past everything the leader
 * holds for the key (its own entry incremented) and its clock's timestamp; an update
 * from another leader is compared by version vector: newer replaces, older is ignored,
 * concurrent is a conflict.
 */
export class MultiLeader implements Node<MultiLeaderMessage, "resend"> {
  readonly #ctx: NodeContext<MultiLeaderMessage, "resend">;
  readonly #options: MultiLeaderOptions;
  readonly #data = new Map<string, Versioned[]>();
  /** Updates not yet acknowledged, per peer: seq → update. */
  readonly #outbox = new Map<NodeId, Map<number, { key: string; siblings: Versioned[] }>>();
  readonly #conflicts: DetectedConflict[] = [];
  #seq = 0;

  /** A leader acting through `ctx`. */
  constructor(ctx: NodeContext<MultiLeaderMessage, "resend">, options: MultiLeaderOptions) {
    this.#ctx = ctx;
    this.#options = options;
    for (const peer of options.leaders) if (peer !== ctx.id) this.#outbox.set(peer, new Map());
  }

  /** Starts the resend timer. */
  start(): void {
    this.#ctx.setTimer(this.#options.resendMs ?? 30, "resend");
  }

  /** The versions held for `key`. */
  siblings(key: string): readonly Versioned[] {
    return this.#data.get(key) ?? [];
  }

  /** Every key held. */
  keys(): string[] {
    return [...this.#data.keys()].sort();
  }

  /** Conflicts detected so far. */
  get conflicts(): readonly DetectedConflict[] {
    return this.#conflicts;
  }

  /** Updates waiting for a peer's acknowledgement. */
  get unacknowledged(): number {
    let count = 0;
    for (const box of this.#outbox.values()) count += box.size;
    return count;
  }

  /** Takes client writes and peers' updates. */
  onMessage(from: NodeId, message: MultiLeaderMessage): void {
    switch (message.type) {
      case "Write": {
        const current = this.siblings(message.key);
        const base = mergedVector(current);
        const version: Versioned = {
          value: message.value,
          ts: this.#ctx.now(),
          writer: this.#ctx.id,
          vv: { ...base, [this.#ctx.id]: (base[this.#ctx.id] ?? 0) + 1 },
        };
        this.#data.set(message.key, [version]);
        this.#ctx.send(from, { type: "WriteOk", key: message.key, value: message.value });
        this.#replicate(message.key, [version]);
        return;
      }
      case "Replicate":
        this.#receive(message.key, message.siblings);
        this.#ctx.send(from, { type: "ReplicateAck", seq: message.seq });
        return;
      case "ReplicateAck":
        this.#outbox.get(from)?.delete(message.seq);
        return;
      case "WriteOk":
        return;
    }
  }

  /** Resends what peers have not acknowledged. */
  onTimer(): void {
    for (const [peer, box] of this.#outbox) {
      for (const [seq, update] of box) {
        this.#ctx.send(peer, { type: "Replicate", seq, ...update });
      }
    }
    this.#ctx.setTimer(this.#options.resendMs ?? 30, "resend");
  }

  #replicate(key: string, siblings: Versioned[]): void {
    for (const [peer, box] of this.#outbox) {
      const seq = ++this.#seq;
      box.set(seq, { key, siblings });
      this.#ctx.send(peer, { type: "Replicate", seq, key, siblings });
    }
  }

  #receive(key: string, incoming: readonly Versioned[]): void {
    const current = this.siblings(key);
    const mine = mergedVector(current), theirs = mergedVector(incoming);
    const order = compareVectors(theirs, mine);
    if (order === "before" || order === "equal") return;
    if (order === "after" || current.length === 0) {
      this.#data.set(key, [...incoming]);
      return;
    }
    // Concurrent: neither side saw the other's write.
    if (this.#options.resolution === "siblings") {
      this.#data.set(key, mergeSiblings(current, incoming, "vector"));
      this.#conflicts.push({ key, kept: undefined, dropped: undefined });
      return;
    }
    const candidates = [...current, ...incoming];
    const winner = candidates.reduce((a, b) => compareStamps(a, b) === "before" ? b : a);
    const vv = mergeVectors(mine, theirs);
    const kept = { ...winner, vv };
    for (const loser of candidates) {
      if (loser !== winner) this.#conflicts.push({ key, kept: winner, dropped: loser });
    }
    this.#data.set(key, [kept]);
  }
}

/** A client of one leader: sends writes, counts acknowledgements. */
export class MultiLeaderClient implements Node<MultiLeaderMessage> {
  readonly #ctx: NodeContext<MultiLeaderMessage>;
  readonly #leader: NodeId;
  readonly #acked: { key: string; value: number }[] = [];

  /** A client of `leader`. */
  constructor(ctx: NodeContext<MultiLeaderMessage>, leader: NodeId) {
    this.#ctx = ctx;
    this.#leader = leader;
  }

  /** Writes acknowledged by the leader, in order. */
  get acked(): readonly { key: string; value: number }[] {
    return this.#acked;
  }

  /** Sends a write to the leader. */
  write(key: string, value: number): void {
    this.#ctx.send(this.#leader, { type: "Write", key, value });
  }

  /** Records an acknowledgement. */
  onMessage(_from: NodeId, message: MultiLeaderMessage): void {
    if (message.type === "WriteOk") this.#acked.push({ key: message.key, value: message.value });
  }
}

/** Zod schema of a multi-leader trial's parameters. */
export const MultiLeaderParamsSchema = z.strictObject({
  leaders: integerAtLeast(2).default(2).describe("Leaders, each with its own client"),
  resolution: z.enum(["lww", "siblings"]).default("lww").describe("How conflicts are resolved"),
  keys: integerAtLeast(1).default(3).describe("Keys written"),
  writesPerSecond: positiveMs().default(100).describe("Writes per second at each leader"),
  durationMs: positiveMs().default(500).describe("How long clients write, in ms"),
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 5, maxMs: 15 })
    .describe("One-way delay between leaders"),
  lossProbability: probability().default(0.02).describe("Probability a message is lost"),
  partitionsPerSecond: nonNegativeNumber().default(4)
    .describe("Mean rate of partitions between leaders (0: none)"),
  settleMs: nonNegativeMs().default(500).describe("Time after the last write and heal to converge"),
});

/** Parameters of a multi-leader trial. */
export type MultiLeaderParams = z.output<typeof MultiLeaderParamsSchema>;

/** What a user may write for {@link MultiLeaderParams}. */
export type MultiLeaderParamsInput = z.input<typeof MultiLeaderParamsSchema>;

/** What a multi-leader trial found. */
export interface MultiLeaderRun {
  /** Writes acknowledged. */
  readonly acked: number;
  /** Conflicts detected (each counted by every leader that saw it). */
  readonly conflicts: number;
  /** Acknowledged writes dropped by last writer wins, as distinct (key, value) pairs. */
  readonly lostWrites: number;
  /** Whether every leader holds the same versions of every key after the heal. */
  readonly converged: boolean;
  /** The first difference, when not converged. */
  readonly divergence: string | undefined;
  /** Keys left with more than one sibling. */
  readonly keysWithSiblings: number;
}

/**
 * Runs clients writing at every leader while partitions come and go between them, then
 * heals, lets replication finish and compares the leaders.
 *
 * @example
 * ```ts
 * runMultiLeader({ resolution: "lww" }, 1).lostWrites;      // > 0: conflicts dropped acked writes
 * runMultiLeader({ resolution: "siblings" }, 1).lostWrites; // 0: kept as siblings
 * ```
 */
export function runMultiLeader(params: MultiLeaderParamsInput, seed: number): MultiLeaderRun {
  const p = parseConfig(MultiLeaderParamsSchema, params, "params");
  const system = buildMultiLeader(p, seed, false, undefined);
  system.simulation.runUntil(p.durationMs + p.settleMs);
  return system.summary();
}

/** A built multi-leader run, as {@link MULTI_LEADER_TRIAL} and {@link runMultiLeader} drive it. */
export interface MultiLeaderSystem {
  /** The simulation. */
  readonly simulation: Simulation<MultiLeaderMessage>;
  /** The parameters. */
  readonly params: MultiLeaderParams;
  /** What the run did: conflicts, dropped writes, convergence. */
  readonly summary: () => MultiLeaderRun;
}

function buildMultiLeader(
  p: MultiLeaderParams,
  seed: number,
  record: boolean,
  replay: string | undefined,
): MultiLeaderSystem {
  const leaders = Array.from({ length: p.leaders }, (_, i) => `L${i + 1}`);
  const clients = leaders.map((_, i) => `c${i + 1}`);
  const faults = p.partitionsPerSecond > 0
    ? generateNemesis({
      nodes: leaders,
      endMs: p.durationMs,
      meanGapMs: 1000 / p.partitionsPerSecond,
      meanDurationMs: 100,
      kinds: ["isolate"],
    }, new Random(seed).child("nemesis"))
    : [];
  const simulation = new Simulation<MultiLeaderMessage>({
    seed,
    record,
    ...(replay === undefined ? {} : { replay }),
    faults,
    network: {
      latency: { kind: "constant", ms: 0.5 },
      lossProbability: 0,
      links: [{
        from: leaders,
        to: leaders,
        latency: p.latency,
        lossProbability: p.lossProbability,
      }],
    },
  });
  simulation.addNodes(
    leaders,
    (ctx) => new MultiLeader(ctx, { leaders, resolution: p.resolution }),
  );
  clients.forEach((id, i) =>
    simulation.addNode(id, (ctx) => new MultiLeaderClient(ctx, leaders[i]!))
  );
  const workload = new Random(seed).child("workload");
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  let value = 1;
  for (const id of clients) {
    for (let t = workload.exponential(1000 / p.writesPerSecond); t < p.durationMs;) {
      const key = workload.pick(keys), v = value++;
      simulation.at(t, () => simulation.node<MultiLeaderClient>(id)!.write(key, v));
      t += workload.exponential(1000 / p.writesPerSecond);
    }
  }
  const summary = (): MultiLeaderRun => {
    const nodes = leaders.map((id) => simulation.node<MultiLeader>(id)!);
    const acked = clients.reduce(
      (n, id) => n + simulation.node<MultiLeaderClient>(id)!.acked.length,
      0,
    );
    const dropped = new Set<string>();
    let conflicts = 0;
    for (const node of nodes) {
      conflicts += node.conflicts.length;
      for (const c of node.conflicts) {
        if (c.dropped !== undefined) dropped.add(`${c.key}=${c.dropped.value}`);
      }
    }
    let divergence: string | undefined;
    for (const key of keys) {
      const texts = nodes.map((node) => formatSiblings(node.siblings(key)));
      if (new Set(texts).size > 1 && divergence === undefined) {
        divergence = `${key}: ` + leaders.map((id, i) => `${id} ${texts[i]}`).join("; ");
      }
    }
    return {
      acked,
      conflicts,
      lostWrites: dropped.size,
      converged: divergence === undefined,
      divergence,
      keysWithSiblings: keys.filter((key) => nodes[0]!.siblings(key).length > 1).length,
    };
  };
  return { simulation, params: p, summary };
}

/** One row of a multi-leader trial. */
export type MultiLeaderRow = {
  /** How conflicts were resolved. */
  readonly resolution: string;
  /** Writes acknowledged. */
  readonly acked: number;
  /** Conflicts detected. */
  readonly conflicts: number;
  /** Acknowledged writes dropped by last writer wins. */
  readonly lostWrites: number;
  /** Whether the leaders converged. */
  readonly converged: boolean;
  /** Keys left with siblings. */
  readonly keysWithSiblings: number;
};

/**
 * Multi-leader replication as a trial of the shared harness (lib/testing): leaders
 * partitioned now and then while their clients write, then healed and given `settleMs`.
 * Checked at the end: the leaders converge (both rules promise it), and with siblings no
 * acknowledged write was dropped (last writer wins promises no such thing).
 *
 * @example
 * ```ts
 * import { faultSweep } from "../testing/mod.ts";
 *
 * faultSweep(MULTI_LEADER_TRIAL, { seeds: 1000, params: { resolution: "siblings" } }).failures; // []
 * ```
 */
export const MULTI_LEADER_TRIAL: Trial<
  typeof MultiLeaderParamsSchema,
  MultiLeaderSystem,
  MultiLeaderRow
> = defineTrial({
  name: "multi-leader",
  params: MultiLeaderParamsSchema,
  build: ({ params, seed, record, replay }) => buildMultiLeader(params, seed, record, replay),
  untilMs: (p) => p.durationMs + p.settleMs,
  finalChecks: [
    invariant("convergence", (s: MultiLeaderSystem) => {
      const run = s.summary();
      return run.converged ? undefined : `the leaders differ after the heal: ${run.divergence}`;
    }),
    invariant("no acknowledged write dropped", (s: MultiLeaderSystem) => {
      if (s.params.resolution !== "siblings") return undefined;
      const lost = s.summary().lostWrites;
      return lost === 0 ? undefined : `${lost} acknowledged write(s) dropped`;
    }),
  ],
  history: false,
  row: ({ system }) => {
    const { divergence: _, ...run } = system.summary();
    return { resolution: system.params.resolution, ...run };
  },
});
