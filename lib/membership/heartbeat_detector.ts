/**
 * A heartbeat failure detector. Each monitored node sends a heartbeat every `intervalMs`;
 * a monitor suspects a node when no heartbeat has arrived for `timeoutMs` of its own
 * clock, and trusts it again when the next one arrives. The monitor cannot tell a crashed
 * node from a slow one or a slow network: Chandra and Toueg (1996) call such a detector
 * unreliable, and this one is wrong in both directions, suspecting live nodes (false
 * suspicion) and taking time to suspect dead ones (detection time).
 *
 * A {@link SuspicionLog} watches a monitor from outside with the simulation's ground
 * truth, to count false suspicions and measure detection times.
 *
 * @module
 */
import { z } from "zod";
import { nodeIdField, parseConfig, positiveMs } from "../config/mod.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** A heartbeat: "I am alive". `seq` counts from 0 per sender incarnation. */
export interface HeartbeatMessage {
  /** Always "heartbeat". */
  readonly type: "heartbeat";
  /** 0, 1, 2, ... per sender incarnation. */
  readonly seq: number;
}

/** Zod schema of {@link HeartbeatSenderOptions}. */
export const HeartbeatSenderOptionsSchema = z.strictObject({
  /** The monitors to send heartbeats to. */
  monitors: z.array(nodeIdField()).min(1, { error: "must name at least one monitor" }),
  /** Time between heartbeats, on the sender's clock, in ms. Default 10. */
  intervalMs: positiveMs().default(10),
});

/** Settings of a {@link HeartbeatSender}, with defaults applied. */
export type HeartbeatSenderOptions = z.output<typeof HeartbeatSenderOptionsSchema>;

/** What a user may write for {@link HeartbeatSenderOptions}. */
export type HeartbeatSenderOptionsInput = z.input<typeof HeartbeatSenderOptionsSchema>;

/**
 * A monitored node: sends a heartbeat to each monitor at start and every `intervalMs`
 * after, until it crashes.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("n1", (ctx) => new HeartbeatSender(ctx, { monitors: ["monitor"], intervalMs: 10 }));
 * ```
 */
export class HeartbeatSender implements Node<HeartbeatMessage, "beat"> {
  readonly #ctx: NodeContext<HeartbeatMessage, "beat">;
  readonly #options: HeartbeatSenderOptions;
  #seq = 0;

  /** A sender acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<HeartbeatMessage, "beat">, options: HeartbeatSenderOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseConfig(HeartbeatSenderOptionsSchema, options, "sender");
  }

  /** Heartbeats sent by this incarnation. */
  get sent(): number {
    return this.#seq;
  }

  /** Sends the first heartbeat. */
  start(): void {
    this.#beat();
  }

  /** A sender ignores messages. */
  onMessage(): void {}

  /** Sends the next heartbeat. */
  onTimer(): void {
    this.#beat();
  }

  #beat(): void {
    const seq = this.#seq++;
    for (const monitor of this.#options.monitors) {
      this.#ctx.send(monitor, { type: "heartbeat", seq });
    }
    this.#ctx.setTimer(this.#options.intervalMs, "beat");
  }
}

/** A monitor changed its mind about a node. Times are on the monitor's clock. */
export interface SuspicionChange {
  /** `suspect`: the node fell silent; `trust`: a heartbeat arrived from a suspected node. */
  readonly kind: "suspect" | "trust";
  /** The monitor that changed its mind. */
  readonly monitor: NodeId;
  /** The node it is about. */
  readonly node: NodeId;
  /** The monitor's clock at the change, in ms. */
  readonly localTimeMs: number;
  /** How long the node had been silent, in ms of the monitor's clock. */
  readonly silentMs: number;
}

/**
 * Called by a monitor each time it suspects or trusts a node. It is an observer's hook:
 * the monitor ignores what it does, and it must not act on the simulation.
 */
export type SuspicionObserver = (change: SuspicionChange) => void;

/** Zod schema of {@link HeartbeatMonitorOptions}. */
export const HeartbeatMonitorOptionsSchema = z.strictObject({
  /** The nodes to watch. */
  monitored: z.array(nodeIdField()).min(1, { error: "must name at least one node" }),
  /** Silence after which a node is suspected, on the monitor's clock, in ms. Default 100. */
  timeoutMs: positiveMs().default(100),
  /** Told of every change of mind, e.g. a {@link SuspicionLog}'s `observe`. Default none. */
  observer: z.custom<SuspicionObserver>((value) => typeof value === "function", {
    error: "must be a function (change) => void",
  }).optional(),
});

/** Settings of a {@link HeartbeatMonitor}, with defaults applied. */
export type HeartbeatMonitorOptions = z.output<typeof HeartbeatMonitorOptionsSchema>;

/** What a user may write for {@link HeartbeatMonitorOptions}. */
export type HeartbeatMonitorOptionsInput = z.input<typeof HeartbeatMonitorOptionsSchema>;

interface Watched {
  lastHeardMs: number;
  suspected: boolean;
  timerArmed: boolean;
}

/** Tolerance for clock arithmetic when a timer fires exactly at a deadline. */
const EPSILON_MS = 1e-6;

/**
 * The monitor: suspects a node after `timeoutMs` without a heartbeat from it (counted from
 * the monitor's start before the first one), trusts it again on its next heartbeat.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const log = new SuspicionLog(sim);
 * sim.addNode("monitor", (ctx) =>
 *   new HeartbeatMonitor(ctx, { monitored: ["n1"], timeoutMs: 50, observer: log.observe }));
 * ```
 */
export class HeartbeatMonitor implements Node<HeartbeatMessage, NodeId> {
  readonly #ctx: NodeContext<HeartbeatMessage, NodeId>;
  readonly #options: HeartbeatMonitorOptions;
  readonly #watched = new Map<NodeId, Watched>();

  /** A monitor acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<HeartbeatMessage, NodeId>, options: HeartbeatMonitorOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseConfig(HeartbeatMonitorOptionsSchema, options, "monitor");
  }

  /** The nodes suspected now, in the order they are monitored. */
  get suspects(): NodeId[] {
    return this.#options.monitored.filter((id) => this.#watched.get(id)?.suspected === true);
  }

  /** Whether `node` is suspected now. */
  isSuspected(node: NodeId): boolean {
    return this.#watched.get(node)?.suspected === true;
  }

  /** Starts the clock on every monitored node, as if each had just sent a heartbeat. */
  start(): void {
    const now = this.#ctx.now();
    for (const node of this.#options.monitored) {
      this.#watched.set(node, { lastHeardMs: now, suspected: false, timerArmed: true });
      this.#ctx.setTimer(this.#options.timeoutMs, node);
    }
  }

  /** A heartbeat: the node is heard from now, and trusted again if it was suspected. */
  onMessage(from: NodeId, message: HeartbeatMessage): void {
    if (message.type !== "heartbeat") return;
    const watched = this.#watched.get(from);
    if (watched === undefined) return;
    const now = this.#ctx.now();
    const silentMs = now - watched.lastHeardMs;
    watched.lastHeardMs = now;
    if (watched.suspected) {
      watched.suspected = false;
      this.#tell("trust", from, now, silentMs);
    }
    if (!watched.timerArmed) {
      watched.timerArmed = true;
      this.#ctx.setTimer(this.#options.timeoutMs, from);
    }
  }

  /** A deadline: suspect the node if it is still silent, else wait for the new deadline. */
  onTimer(node: NodeId): void {
    const watched = this.#watched.get(node);
    if (watched === undefined) return;
    const now = this.#ctx.now();
    const silentMs = now - watched.lastHeardMs;
    const remainingMs = this.#options.timeoutMs - silentMs;
    // One timer per node, moved lazily: a heartbeat only notes the time, and the timer
    // re-arms itself for the rest of the silence it still has to wait.
    if (remainingMs > EPSILON_MS) {
      this.#ctx.setTimer(remainingMs, node);
      return;
    }
    watched.timerArmed = false;
    watched.suspected = true;
    this.#tell("suspect", node, now, silentMs);
  }

  #tell(kind: "suspect" | "trust", node: NodeId, localTimeMs: number, silentMs: number): void {
    this.#ctx.log(`${kind} ${node}`, { silentMs });
    this.#options.observer?.({ kind, monitor: this.#ctx.id, node, localTimeMs, silentMs });
  }
}

/** Where a {@link SuspicionLog} reads the truth: a `Simulation` fits. */
export interface GroundTruth {
  /** True time now, in ms. */
  readonly now: number;
  /** Whether a node is "up", "crashed" or "paused". */
  status(id: NodeId): string;
}

/** A change of a monitor's mind, with the truth at that moment. */
export interface SuspicionRecord extends SuspicionChange {
  /** True time of the change, in ms. */
  readonly timeMs: number;
  /** Whether the node was alive (not crashed; a paused node is alive) at that moment. */
  readonly actuallyAlive: boolean;
}

/**
 * An observer's log of a monitor's suspicions, with the ground truth a monitor never has:
 * the true time and whether the node was really alive. Pass its `observe` to the
 * monitor's options.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("n1", (ctx) => new HeartbeatSender(ctx, { monitors: ["monitor"], intervalMs: 10 }));
 * const log = new SuspicionLog(sim);
 * sim.addNode("monitor", (ctx) =>
 *   new HeartbeatMonitor(ctx, { monitored: ["n1"], timeoutMs: 50, observer: log.observe }));
 * sim.runUntil(5000);
 * log.falseSuspicions(); // suspicions of n1 while it was alive
 * ```
 */
export class SuspicionLog {
  readonly #truth: GroundTruth;
  readonly #records: SuspicionRecord[] = [];

  /** A log reading the truth from `truth` (usually the simulation). */
  constructor(truth: GroundTruth) {
    this.#truth = truth;
  }

  /** The observer to give to a monitor. */
  readonly observe: SuspicionObserver = (change) => {
    this.#records.push({
      ...change,
      timeMs: this.#truth.now,
      actuallyAlive: this.#truth.status(change.node) !== "crashed",
    });
  };

  /** Every change recorded, in order. */
  get records(): readonly SuspicionRecord[] {
    return this.#records;
  }

  /** How many times a live node was suspected (of `node` only, if given). */
  falseSuspicions(node?: NodeId): number {
    let count = 0;
    for (const record of this.#records) {
      if (
        record.kind === "suspect" && record.actuallyAlive &&
        (node === undefined || record.node === node)
      ) {
        count++;
      }
    }
    return count;
  }

  /**
   * Total true time a live `node` spent wrongly suspected, up to `untilMs` (a suspicion
   * still in force then counts up to `untilMs`; one that lasts past a crash counts up to
   * the crash only if the crash time `crashAtMs` is given).
   */
  falselySuspectedMs(node: NodeId, untilMs: number, crashAtMs = Infinity): number {
    let total = 0;
    let since: number | undefined;
    const end = Math.min(untilMs, crashAtMs);
    for (const record of this.#records) {
      if (record.node !== node) continue;
      if (record.kind === "suspect" && record.actuallyAlive) since = record.timeMs;
      else if (record.kind === "trust" && since !== undefined) {
        total += Math.min(record.timeMs, end) - Math.min(since, end);
        since = undefined;
      }
    }
    if (since !== undefined) total += Math.max(0, end - since);
    return total;
  }

  /**
   * How long after its crash at `crashAtMs` the monitors suspected `node` for good: the
   * time from the crash to the start of the last suspicion (0 if that suspicion began
   * before the crash), or null if the node is not suspected at the end of the log.
   * Assumes the node stayed down and the run went on long enough to settle.
   */
  detectionMs(node: NodeId, crashAtMs: number): number | null {
    let last: SuspicionRecord | undefined;
    for (const record of this.#records) if (record.node === node) last = record;
    if (last === undefined || last.kind !== "suspect") return null;
    return Math.max(0, last.timeMs - crashAtMs);
  }
}
