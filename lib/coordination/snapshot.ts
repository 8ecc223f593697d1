/**
 * Global snapshots of a running money-transfer system. Banks send each other money all
 * the time; the total never changes, but at any instant some of it is in flight. A
 * snapshot must count every coin exactly once: in some bank's recorded balance or in a
 * recorded channel, never both, never neither.
 *
 * Chandy and Lamport (1985), over FIFO channels. The marker rule:
 * - the initiator records its state, then sends a marker on every outgoing channel
 *   before sending anything else;
 * - a node receiving a marker on channel c: if it has not recorded its state, it records
 *   it, records c as empty, and sends markers on every outgoing channel; if it has, it
 *   records c's state as every message that arrived on c after it recorded its state and
 *   before this marker;
 * - the snapshot is complete when every node has a marker from every incoming channel.
 * FIFO is what makes it work: a marker separates the messages a sender sent before it
 * recorded (counted in the channel or the receiver) from those sent after (counted in
 * neither, since its recorded balance still holds them).
 *
 * The naive snapshot: each node records its balance at a moment of its own choosing, near
 * an agreed time, with no markers and no channel state. Money in flight is missed, and a
 * transfer sent after its sender recorded but received before its receiver did is counted
 * twice.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, positiveNumber } from "../config/mod.ts";
import { defineExperiment } from "../experiments/experiment.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";

/** The snapshot algorithms. */
export const SNAPSHOT_ALGORITHMS = ["chandy-lamport", "naive"] as const;

/** A snapshot algorithm's name. */
export type SnapshotAlgorithm = typeof SNAPSHOT_ALGORITHMS[number];

/** The bank's messages: money, and the snapshot's markers. */
export type BankMessage =
  | { readonly type: "Transfer"; readonly amount: number }
  | { readonly type: "Marker" };

/** The bank's timers. */
export type BankTimer = { readonly type: "transfer" } | { readonly type: "snapshot" };

/** Options of {@link BankNode}. */
export interface BankOptions {
  /** The balance it starts with. */
  readonly initialBalance: number;
  /** The snapshot algorithm. */
  readonly algorithm: SnapshotAlgorithm;
  /** Whether this node starts the Chandy-Lamport snapshot. */
  readonly initiator: boolean;
  /** When to snapshot (the initiator; for the naive one, every node, give or take `spreadMs`), on its clock, in ms. */
  readonly snapshotAtMs: number;
  /** The naive snapshot: how far apart the nodes' recording moments may be, in ms. */
  readonly spreadMs: number;
  /** Mean time between transfers this node sends, in ms. */
  readonly meanTransferGapMs: number;
  /** Stop sending transfers after this, in ms of its clock. */
  readonly transfersUntilMs: number;
  /** A broken variant: record markers but keep no channel state. Default false. */
  readonly ignoreChannelState?: boolean;
  /** What to do when a marker arrives. Default {@link chandyLamportMarkerRule}. */
  readonly markerRule?: MarkerRule;
}

/** What a node knows when a marker arrives on one of its incoming channels. */
export interface MarkerArrival {
  /** Whether it has already recorded its own state. */
  readonly recorded: boolean;
  /** Money that arrived on this channel since it recorded its state (0 if it has not). */
  readonly arrivedSinceRecording: number;
}

/** What a node does about a marker. */
export interface MarkerDecision {
  /** Record its own state now (and send markers on every outgoing channel). */
  readonly recordState: boolean;
  /** The state to record for the channel the marker came on: money in flight on it. */
  readonly channelState: number;
}

/** The marker rule: a node's decision when a marker arrives on a channel. */
export type MarkerRule = (arrival: MarkerArrival) => MarkerDecision;

/**
 * Chandy and Lamport's marker rule: a node that has not recorded records now and the
 * channel is empty; one that has records the channel as what arrived on it since.
 *
 * @example
 * ```ts
 * chandyLamportMarkerRule({ recorded: false, arrivedSinceRecording: 0 }); // record, channel 0
 * chandyLamportMarkerRule({ recorded: true, arrivedSinceRecording: 7 }); // channel holds 7
 * ```
 */
export function chandyLamportMarkerRule(arrival: MarkerArrival): MarkerDecision {
  return arrival.recorded
    ? { recordState: false, channelState: arrival.arrivedSinceRecording }
    : { recordState: true, channelState: 0 };
}

/** What one node recorded for a snapshot. */
export interface NodeSnapshot {
  /** Its balance when it recorded its state. */
  readonly balance: number;
  /** Money recorded in flight on each incoming channel (sender to sum). */
  readonly channels: Readonly<Record<NodeId, number>>;
}

/**
 * A bank: sends random amounts of its balance to random peers, and takes part in a
 * snapshot.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const simulation = new Simulation({ seed: 1 });
 * simulation.addNodes(["b1", "b2", "b3"], (ctx) => new BankNode(ctx, { initialBalance: 100,
 *   algorithm: "chandy-lamport", initiator: ctx.id === "b1", snapshotAtMs: 100, spreadMs: 20,
 *   meanTransferGapMs: 10, transfersUntilMs: 400 }));
 * simulation.runUntil(1_000);
 * ```
 */
export class BankNode implements Node<BankMessage, BankTimer> {
  /** Money sent so far. */
  sent = 0;
  /** Money received so far. */
  received = 0;
  readonly #ctx: NodeContext<BankMessage, BankTimer>;
  readonly #options: BankOptions;
  #balance: number;
  #recorded: number | undefined;
  /** Incoming channels still being recorded, with what arrived on them so far. */
  readonly #recording = new Map<NodeId, number>();
  readonly #channels: Record<NodeId, number> = {};
  #markersIn = 0;

  /** A bank with its initial balance. */
  constructor(ctx: NodeContext<BankMessage, BankTimer>, options: BankOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#balance = options.initialBalance;
  }

  /** Its balance now. */
  get balance(): number {
    return this.#balance;
  }

  /** What it recorded, once its part of the snapshot is complete (undefined before). */
  get snapshot(): NodeSnapshot | undefined {
    if (this.#recorded === undefined) return undefined;
    if (this.#options.algorithm === "chandy-lamport" && this.#markersIn < this.#ctx.peers.length) {
      return undefined;
    }
    return { balance: this.#recorded, channels: { ...this.#channels } };
  }

  /** Schedules its first transfer and its snapshot moment. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanTransferGapMs), {
      type: "transfer",
    });
    const { algorithm, initiator, snapshotAtMs, spreadMs } = this.#options;
    if (algorithm === "naive") {
      // Each node picks its own moment: the clocks agree, the moments do not.
      const atMs = snapshotAtMs + this.#ctx.random.uniform(0, spreadMs);
      this.#ctx.setTimer(atMs, { type: "snapshot" });
    } else if (initiator) {
      this.#ctx.setTimer(snapshotAtMs, { type: "snapshot" });
    }
  }

  /** Money in, or a marker. */
  onMessage(from: NodeId, message: BankMessage): void {
    if (message.type === "Transfer") {
      this.#balance += message.amount;
      this.received += message.amount;
      // Money that arrived after this node recorded and before the marker on its channel
      // was in flight at the cut: it belongs to the channel's state.
      const open = this.#recording.get(from);
      if (open !== undefined) this.#recording.set(from, open + message.amount);
      return;
    }
    if (this.#options.algorithm !== "chandy-lamport") return;
    this.#markersIn++;
    const rule = this.#options.markerRule ?? chandyLamportMarkerRule;
    const decision = rule({
      recorded: this.#recorded !== undefined,
      arrivedSinceRecording: this.#recording.get(from) ?? 0,
    });
    if (decision.recordState && this.#recorded === undefined) this.#record();
    // This channel is closed: nothing after its marker belongs to the snapshot.
    this.#recording.delete(from);
    this.#channels[from] = this.#options.ignoreChannelState ? 0 : decision.channelState;
  }

  /** Sends a transfer, or records its state. */
  onTimer(timer: BankTimer): void {
    if (timer.type === "snapshot") {
      if (this.#recorded === undefined) this.#record();
      return;
    }
    if (this.#ctx.now() >= this.#options.transfersUntilMs) return;
    if (this.#balance > 0) {
      const to = this.#ctx.random.pick(this.#ctx.peers);
      const amount = Math.min(this.#balance, 1 + this.#ctx.random.int(0, 20));
      this.#balance -= amount;
      this.sent += amount;
      this.#ctx.send(to, { type: "Transfer", amount });
    }
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanTransferGapMs), {
      type: "transfer",
    });
  }

  /** Records the local state; for Chandy-Lamport, sends markers and opens channels. */
  #record(): void {
    this.#recorded = this.#balance;
    this.#ctx.log(`recorded balance ${this.#balance}`, { balance: this.#balance });
    if (this.#options.algorithm !== "chandy-lamport") return;
    // Every incoming channel is recorded from now until its marker arrives.
    for (const peer of this.#ctx.peers) this.#recording.set(peer, 0);
    // Markers go out before any further transfer: nothing else runs in between.
    for (const peer of this.#ctx.peers) this.#ctx.send(peer, { type: "Marker" });
  }
}

/** Zod schema of the snapshot trial's (and `snapshot` experiment's) parameters. */
export const SnapshotParamsSchema = z.strictObject({
  algorithm: z.enum(SNAPSHOT_ALGORITHMS).default("chandy-lamport")
    .describe("chandy-lamport or naive (the experiment runs both)"),
  banks: integerAtLeast(2).default(4).describe("Bank nodes"),
  initialBalance: integerAtLeast(1).default(100).describe("Each bank's starting balance"),
  meanTransferGapMs: positiveMs().default(4).describe("Mean gap between a bank's transfers, in ms"),
  snapshotAtMs: nonNegativeMs().default(50).describe("When the snapshot starts, in ms"),
  spreadMs: nonNegativeMs().default(10)
    .describe("Naive snapshot: the spread of the nodes' recording moments, in ms"),
  meanLatencyMs: positiveNumber().default(5).describe("Mean one-way latency (exponential), in ms"),
  fifo: z.boolean().default(true).describe("FIFO channels (Chandy-Lamport needs them)"),
  ignoreChannelState: z.boolean().default(false)
    .describe("Broken variant: Chandy-Lamport without channel state"),
  runMs: positiveMs().default(200).describe("How long the run lasts, in ms"),
});

/** The snapshot parameters, with defaults applied. */
export type SnapshotParams = z.output<typeof SnapshotParamsSchema>;

/** What a snapshot trial builds. */
export interface SnapshotSystem {
  /** The simulation. */
  readonly simulation: Simulation<BankMessage>;
  /** The banks' ids. */
  readonly banks: readonly NodeId[];
  /** The true total (banks times the initial balance). */
  readonly total: number;
  /** The bank nodes. */
  readonly nodes: () => BankNode[];
}

/**
 * Builds the banks; the snapshot starts at b1 (Chandy-Lamport) or everywhere (naive).
 * `markerRule` replaces the marker rule (for exercises).
 */
export function buildSnapshot(
  params: SnapshotParams,
  seed: number,
  options: {
    readonly record?: boolean;
    readonly replay?: string;
    readonly markerRule?: MarkerRule;
  } = {},
): SnapshotSystem {
  const banks = Array.from({ length: params.banks }, (_, i) => `b${i + 1}`);
  const simulation = new Simulation<BankMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: {
      latency: { kind: "exponential", meanMs: params.meanLatencyMs },
      fifo: params.fifo,
    },
  });
  simulation.addNodes<BankTimer>(banks, (ctx) =>
    new BankNode(ctx, {
      initialBalance: params.initialBalance,
      algorithm: params.algorithm,
      initiator: ctx.id === banks[0],
      snapshotAtMs: params.snapshotAtMs,
      spreadMs: params.spreadMs,
      meanTransferGapMs: params.meanTransferGapMs,
      transfersUntilMs: params.runMs - 4 * params.meanLatencyMs,
      ignoreChannelState: params.ignoreChannelState,
      ...(options.markerRule === undefined ? {} : { markerRule: options.markerRule }),
    }));
  return {
    simulation,
    banks,
    total: params.banks * params.initialBalance,
    nodes: () => banks.map((id) => simulation.node<BankNode>(id)!),
  };
}

/** A finished snapshot, added up. */
export interface SnapshotTotals {
  /** Whether every node's part is complete. */
  readonly complete: boolean;
  /** The recorded balances' sum. */
  readonly balances: number;
  /** The recorded channels' sum: money the snapshot found in flight. */
  readonly inFlight: number;
  /** Both together: what the snapshot says the total is. */
  readonly recorded: number;
}

/** Adds up what the banks recorded. */
export function snapshotTotals(nodes: readonly BankNode[]): SnapshotTotals {
  const parts = nodes.map((node) => node.snapshot);
  const done = parts.filter((part) => part !== undefined);
  const balances = done.reduce((sum, part) => sum + part.balance, 0);
  const inFlight = done.reduce(
    (sum, part) => sum + Object.values(part.channels).reduce((a, b) => a + b, 0),
    0,
  );
  return {
    complete: done.length === nodes.length,
    balances,
    inFlight,
    recorded: balances + inFlight,
  };
}

/** The snapshot trial: money is conserved, and so is it in the snapshot. */
export const snapshotTrial = defineTrial({
  name: "snapshot",
  params: SnapshotParamsSchema,
  build: ({ params, seed, record, replay }) => buildSnapshot(params, seed, { record, replay }),
  invariants: [
    invariant("money is conserved", (system: SnapshotSystem) => {
      const nodes = system.nodes().filter((node) => node !== undefined);
      if (nodes.length < system.banks.length) return undefined;
      const balances = nodes.reduce((sum, node) => sum + node.balance, 0);
      const inFlight = nodes.reduce((sum, node) => sum + node.sent - node.received, 0);
      return balances + inFlight === system.total
        ? undefined
        : `banks hold ${balances} and ${inFlight} is in flight, not ${system.total} in all`;
    }, { everyMs: 5 }),
  ],
  finalChecks: [
    invariant(
      "the snapshot completes",
      (system: SnapshotSystem) =>
        snapshotTotals(system.nodes()).complete ? undefined : "some node never finished its part",
    ),
    invariant("the snapshot conserves the total", (system: SnapshotSystem) => {
      const totals = snapshotTotals(system.nodes());
      return totals.recorded === system.total
        ? undefined
        : `the snapshot holds ${totals.balances} in banks ` +
          `and ${totals.inFlight} in flight, ${totals.recorded} in all, not ${system.total}`;
    }),
  ],
  history: false,
  untilMs: (params) => params.runMs,
  row: ({ system, params, failure }) => {
    const totals = snapshotTotals(system.nodes());
    return {
      algorithm: params.algorithm,
      conserved: totals.complete && totals.recorded === system.total,
      recordedTotal: totals.recorded,
      trueTotal: system.total,
      error: totals.recorded - system.total,
      inFlightRecorded: totals.inFlight,
      failure: failure?.invariant ?? null,
    };
  },
});

/**
 * The `snapshot` experiment: for each seed, one row per algorithm (both run on the same
 * seed, Chandy-Lamport first), saying whether its snapshot conserved the total.
 */
export const snapshotExperiment = defineExperiment({
  name: "snapshot",
  title: "Chandy-Lamport against a naive snapshot of a money-transfer system",
  description: "Banks transfer money over FIFO links; a snapshot records balances (and, for " +
    "Chandy-Lamport, channel states by markers). One row per seed and algorithm: whether " +
    "the recorded total equals the true total.",
  chapter: "19_coordination",
  params: SnapshotParamsSchema.omit({ algorithm: true }),
  trial: (params, seed) =>
    SNAPSHOT_ALGORITHMS.map((algorithm) => {
      const system = buildSnapshot({ ...params, algorithm }, seed);
      system.simulation.runUntil(params.runMs);
      const totals = snapshotTotals(system.nodes());
      return {
        algorithm,
        conserved: totals.complete && totals.recorded === system.total,
        recordedTotal: totals.recorded,
        trueTotal: system.total,
        error: totals.recorded - system.total,
        inFlightRecorded: totals.inFlight,
      };
    }),
});
