/**
 * The deterministic discrete-event simulator: virtual time, one event queue, nodes as
 * state machines, a faulty network, per-node clocks, faults as data, and a trace.
 *
 * @module
 */
import { Observable, type Subscriber } from "rxjs";
import { z } from "zod";
import {
  ConfigError,
  type ConfigIssue,
  integerAtLeast,
  nodeIdField,
  parseConfig,
  positiveMs,
  seedField,
} from "../config/mod.ts";
import { isObjectPrototypeName } from "../config/fields.ts";
import { type ClockConfig, type ClockConfigInput, ClockConfigSchema, NodeClock } from "./clock.ts";
import { SimulationError } from "./errors.ts";
import { CalendarQueue } from "./calendar_queue.ts";
import {
  describeFault,
  type Fault,
  type FaultInput,
  FaultScheduleSchema,
  FaultSchema,
  validateFaultSchedule,
} from "./faults.ts";
import {
  type LinkOverride,
  LinkOverrideSchema,
  type LinkSettings,
  MAX_NODES,
  Network,
  NetworkConfigSchema,
} from "./network.ts";
import {
  MemoryStorage,
  type Message,
  type Node,
  type NodeContext,
  type NodeFactory,
  type NodeId,
  type TimerId,
} from "./node.ts";
import { Random } from "./random.ts";
import { sealMessage } from "./seal.ts";
import {
  describeMessage,
  describePayload,
  describeRecord,
  type DropReason,
  Trace,
  type TraceRecord,
} from "./trace.ts";

/** Zod schema of a {@link SimulationConfig}. */
export const SimulationConfigSchema = z.strictObject({
  /** Master seed: every random choice in the run derives from it. Default 1. */
  seed: seedField().default(1),
  /** The network's latency, loss, duplication, order and per-link overrides. */
  network: NetworkConfigSchema.prefault({}),
  /**
   * Clock offset and drift per node id. Nodes not listed have perfect clocks; an id that
   * names no node is an error when the run starts.
   */
  clocks: z.record(nodeIdField(), ClockConfigSchema).default({}),
  /** Faults to inject, at their times. Default none. */
  faults: FaultScheduleSchema.default([]),
  /** Keep a trace of every event (turn off for sweeps; it then costs nothing). Default true. */
  record: z.boolean().default(true),
  /**
   * Freeze each message on send, deeply, so no node can change what another holds.
   * Default true. Either way a message must be an object with a string `type` holding
   * no cycle and no BigInt: the trace must be able to record and hash it.
   */
  freezeMessages: z.boolean().default(true),
  /** Most events one `run*` call may process before failing. Default 10,000,000. */
  maxEvents: integerAtLeast(1).default(10_000_000),
  /** Latest virtual time `runUntilQuiet` and `runUntilTrue` may reach (ms). Default 1 hour. */
  maxTimeMs: positiveMs().default(3_600_000),
  /** The line that replays this run, printed with any failure. */
  replay: z.string().optional(),
});

/** A simulation's settings, with defaults applied. */
export type SimulationConfig = z.output<typeof SimulationConfigSchema>;

/** What a user may write for a simulation's settings: every field is optional. */
export type SimulationConfigInput = z.input<typeof SimulationConfigSchema>;

/** Whether a node is running, crashed, or paused. */
export type NodeStatus = "up" | "crashed" | "paused";

/** Options for {@link Simulation.addNode}. */
export interface AddNodeOptions {
  /** This node's clock (overrides `clocks[id]` of the config). */
  readonly clock?: ClockConfigInput;
}

/** Options for {@link Simulation.runUntilTrue} and {@link Simulation.runUntilQuiet}. */
export interface RunBoundOptions {
  /** Give up (with a liveness error) at this virtual time, in ms. Default: the config's maxTimeMs. */
  readonly untilMs?: number;
  /** Give up after this much more virtual time, in ms (alternative to `untilMs`). */
  readonly withinMs?: number;
  /** What is being waited for, for the error message ("a leader is elected"). */
  readonly description?: string;
  /** Extra words for the error when the bound is hit ("3 of 5 nodes partitioned"). */
  readonly explain?: () => string;
}

/** Counts of what happened in a run so far. */
export interface SimulationStats {
  /** Events processed (deliveries, timers, faults, starts, drops at arrival, ...). */
  readonly events: number;
  /** Messages sent (duplicates count once). */
  readonly sends: number;
  /** Message copies delivered. */
  readonly deliveries: number;
  /** Message copies dropped, any reason. */
  readonly drops: number;
  /** Timers fired. */
  readonly timers: number;
}

const DELIVER = 0, TIMER = 1, START = 2, FAULT = 3, CALL = 4;
const UP = 0, CRASHED = 1, PAUSED = 2;
const STATUS_NAMES: readonly NodeStatus[] = ["up", "crashed", "paused"];
/** What no message can be (a message is an object): the last sealed before any is. */
const NOTHING_SEALED = Symbol("nothing sealed");
/** Most handled events kept for reuse. */
const MAX_SPARE_EVENTS = 4096;

/**
 * One entry of the agenda. A single shape for every kind keeps the hot path monomorphic;
 * handled events are recycled (see `#recycle`), so the fields are mutable.
 *
 * The times start as fractional literals: a field whose first value is a fractional
 * number holds later numbers in place, where one first set from an argument (a parameter
 * property) boxes each new time in a fresh heap number, an allocation per message.
 */
class SimEvent {
  /** When it happens (true time, ms). */
  time = 0.5;
  /** Tie-breaker: the order it was scheduled in. */
  seq = 0;
  /** DELIVER, TIMER, START, FAULT or CALL. */
  kind = 0;
  /** Destination (deliver) or owner (timer, start) node index; -1 if none. */
  node = -1;
  /** Sender node index (deliver); -1 otherwise. */
  from = -1;
  /** The message, the timer payload, the fault or the callback. */
  payload: unknown = undefined;
  /** Message id (deliver) or timer id (timer). */
  id = 0;
  /** Copy number (deliver) or incarnation (timer). */
  aux = 0;
  /** Send time (deliver) or set time (timer). */
  sentAt = 0.5;
  /** A timer that was cancelled. */
  cancelled = false;
  /** A message whose link was cut while it was in flight: it arrives only to be dropped. */
  linkCut = false;
}

/**
 * A node's context: the methods are closures over one incarnation (a node may pass
 * `ctx.send` around as a function), and the peer list is a getter on the prototype,
 * computed on first use (a list per node is a million entries for a thousand nodes) and
 * again only when nodes have been added since.
 */
class SlotContext<M extends Message> implements NodeContext<M, unknown> {
  #peers: readonly NodeId[] = [];
  #peersOf = -1;
  constructor(
    readonly id: NodeId,
    readonly nodeIds: readonly NodeId[],
    readonly incarnation: number,
    readonly random: Random,
    readonly storage: MemoryStorage,
    readonly now: () => number,
    readonly send: (to: NodeId, message: M) => void,
    readonly setTimer: (delayMs: number, payload: unknown) => TimerId,
    readonly cancelTimer: (id: TimerId) => void,
    readonly log: (text: string, data?: Readonly<Record<string, unknown>>) => void,
  ) {}

  /** Every other node. */
  get peers(): readonly NodeId[] {
    if (this.#peersOf !== this.nodeIds.length) {
      this.#peers = this.nodeIds.filter((id) => id !== this.id);
      this.#peersOf = this.nodeIds.length;
    }
    return this.#peers;
  }
}

/** The settings of a clock with no offset and no drift. */
const PERFECT_CLOCK: ClockConfig = Object.freeze(parseConfig(ClockConfigSchema, {}, "clock"));

/**
 * Everything the simulator keeps about one node. What a node may never use (a timer
 * table, its network stream) is made on first use: a simulation of a thousand nodes
 * otherwise spends much of its set-up allocating, and collecting, unused tables.
 */
class NodeSlot<M extends Message> {
  status = UP;
  incarnation = 0;
  instance: Node<M, unknown> | undefined;
  /** Pending timers by id; undefined until the node sets one. */
  timers: Map<number, SimEvent> | undefined;
  deferred: SimEvent[] = [];
  readonly storage = new MemoryStorage();
  /**
   * The stream of this node's network draws (latency, loss, duplication), made at its
   * first send: a named stream depends only on the seed and its name, not on when it is
   * made, so making it late draws the same numbers.
   */
  netRandom: Random | undefined;
  constructor(
    readonly index: number,
    readonly id: NodeId,
    readonly factory: NodeFactory<M, unknown>,
    readonly clock: NodeClock,
    readonly random: Random,
  ) {}
}

/**
 * A deterministic simulation of nodes exchanging messages over a faulty network.
 * Same seed, same nodes, same faults: same run, byte for byte (compare `trace.hash()`).
 *
 * @example
 * ```ts
 * type Msg = { type: "ping" } | { type: "pong" };
 * const sim = new Simulation<Msg>({ seed: 7, network: { lossProbability: 0.1 } });
 * sim.addNodes(["n1", "n2", "n3"], (ctx) => ({
 *   start: () => ctx.send(ctx.peers[0]!, { type: "ping" }),
 *   onMessage: (from, message) => {
 *     if (message.type === "ping") ctx.send(from, { type: "pong" });
 *   },
 * }));
 * sim.runUntil(100);
 * console.log(sim.trace.describe());
 * ```
 */
export class Simulation<M extends Message = Message> {
  /** The validated settings of this run. */
  readonly config: SimulationConfig;
  /** Every record of the run (empty when `record` is false). */
  readonly trace: Trace<M>;
  /** The master random stream; take `random.child("workload")` and the like from it. */
  readonly random: Random;

  readonly #queue = new CalendarQueue<SimEvent>();
  readonly #spareEvents: SimEvent[] = [];
  readonly #network: Network;
  readonly #slots: NodeSlot<M>[] = [];
  readonly #indexById = new Map<NodeId, number>();
  readonly #nodeIds: NodeId[] = [];
  readonly #invariants: { name: string; check: () => string | undefined }[] = [];
  readonly #subscribers = new Set<Subscriber<TraceRecord>>();
  #pendingFaults: Fault[] = [];
  /** Link overrides whose node names are checked when the run next starts. */
  #uncheckedLinks: { readonly path: string; readonly override: LinkOverride }[] = [];
  /** Whether the config's clocks have been checked against the nodes. */
  #clocksChecked = false;
  /** Faults in the queue, not yet applied: later schedules are validated after them. */
  readonly #queuedFaults = new Set<Fault>();
  #now = 0;
  #seq = 0;
  #nextMessageId = 0;
  #nextTimerId = 1;
  /** Whether records are made at all: for the trace or for `events$` subscribers. */
  #tracing: boolean;
  /** Whether records go into the trace (the config's `record`). */
  readonly #recording: boolean;
  readonly #freeze: boolean;
  /** The message sealed last, when messages are frozen (see `#send`). */
  #lastSealed: unknown = NOTHING_SEALED;
  #failure: SimulationError | undefined;
  #events = 0;
  #sends = 0;
  #deliveries = 0;
  #drops = 0;
  #timers = 0;

  /** A simulation with the given settings; a bad setting throws a ConfigError naming it. */
  constructor(config: SimulationConfigInput = {}) {
    this.config = parseConfig(SimulationConfigSchema, config);
    this.random = new Random(this.config.seed);
    this.#network = new Network(this.config.network);
    this.#tracing = this.config.record;
    this.#recording = this.config.record;
    this.trace = new Trace<M>(this.#nodeIds);
    this.#freeze = this.config.freezeMessages;
    this.#pendingFaults = [...this.config.faults];
    this.#uncheckedLinks = this.config.network.links.map((override, index) => ({
      path: `network.links[${index}]`,
      override,
    }));
  }

  /** The master seed. */
  get seed(): number {
    return this.config.seed;
  }

  /** True (virtual) time now, in ms. */
  get now(): number {
    return this.#now;
  }

  /** Every node id, in the order added. */
  get nodeIds(): readonly NodeId[] {
    return this.#nodeIds;
  }

  /** Counts of what happened so far. */
  get stats(): SimulationStats {
    return {
      events: this.#events,
      sends: this.#sends,
      deliveries: this.#deliveries,
      drops: this.#drops,
      timers: this.#timers,
    };
  }

  /**
   * Every trace record as it happens, for notebooks that want to watch or pipe events.
   * Subscribing turns record creation on even when `record` is false.
   */
  get events$(): Observable<TraceRecord> {
    return new Observable<TraceRecord>((subscriber) => {
      this.#subscribers.add(subscriber);
      this.#tracing = true;
      return () => {
        this.#subscribers.delete(subscriber);
        this.#tracing = this.config.record || this.#subscribers.size > 0;
      };
    });
  }

  /**
   * Adds a node. It starts (its `start` handler runs) at the current virtual time, once
   * the simulation runs.
   */
  addNode<T>(id: NodeId, factory: NodeFactory<M, T>, options: AddNodeOptions = {}): void {
    if (typeof id !== "string" || !/^[^\s]+$/.test(id)) {
      throw new TypeError(`Cannot add node ${JSON.stringify(id)}: ids are names without spaces`);
    }
    if (isObjectPrototypeName(id)) {
      throw new TypeError(
        `Cannot add node ${JSON.stringify(id)}: every object already has a property of that name`,
      );
    }
    if (this.#indexById.has(id)) {
      throw new TypeError(`Cannot add node ${id}: a node with that id already exists`);
    }
    if (typeof factory !== "function") {
      throw new TypeError(`Cannot add node ${id}: factory must be a function (ctx) => node`);
    }
    const clockInput = options.clock ?? this.config.clocks[id];
    // Most nodes keep the perfect clock: parse its settings once, not once per node.
    const clock = new NodeClock(
      clockInput === undefined
        ? PERFECT_CLOCK
        : parseConfig(ClockConfigSchema, clockInput, `clocks.${id}`),
    );
    const index = this.#network.addNode(id);
    const slot = new NodeSlot<M>(
      index,
      id,
      factory as NodeFactory<M, unknown>,
      clock,
      this.random.child(`node:${id}`),
    );
    slot.status = CRASHED; // until its start event runs
    this.#slots.push(slot);
    this.#indexById.set(id, index);
    this.#nodeIds.push(id);
    this.#push(this.#now, START, index, -1, undefined, 0, 0);
  }

  /** Adds several nodes built by the same factory. */
  addNodes<T>(ids: readonly NodeId[], factory: NodeFactory<M, T>, options?: AddNodeOptions): void {
    for (const id of ids) this.addNode(id, factory, options);
  }

  /** The live node object of `id` (cast to your class), or undefined while it is crashed. */
  node<N = Node<M>>(id: NodeId): N | undefined {
    return this.#slot(id, "read node").instance as N | undefined;
  }

  /** Whether node `id` is up, crashed or paused. */
  status(id: NodeId): NodeStatus {
    return STATUS_NAMES[this.#slot(id, "read status").status] as NodeStatus;
  }

  /** What node `id`'s clock reads now. */
  localTime(id: NodeId): number {
    return this.#slot(id, "read clock").clock.read(this.#now);
  }

  /** Node `id`'s durable storage (for inspection; nodes use their context's). */
  storage(id: NodeId): MemoryStorage {
    return this.#slot(id, "read storage").storage;
  }

  /** The effective settings of the directed link `from` → `to`. */
  linkSettings(from: NodeId, to: NodeId): LinkSettings {
    return this.#network.settingsOf(from, to);
  }

  /** Changes some links from now on ("n3's links become slow"). Later changes win. */
  setLinks(override: z.input<typeof LinkOverrideSchema>): void {
    const parsed = parseConfig(LinkOverrideSchema, override, "link") as LinkOverride;
    this.#network.addOverride(parsed);
    this.#uncheckedLinks.push({ path: "link", override: parsed });
  }

  /** Returns every link to the network's default settings. */
  resetLinks(): void {
    this.#network.clearOverrides();
  }

  /** Runs `action` at virtual time `timeMs` (now or later), between events. */
  at(timeMs: number, action: (sim: this) => void): void {
    if (!(timeMs >= this.#now)) {
      throw new RangeError(
        `Cannot schedule an action at ${timeMs} ms: it is already ${this.#now} ms`,
      );
    }
    this.#push(timeMs, CALL, -1, -1, action, 0, 0);
  }

  /**
   * Adds faults to inject at their times (validated now; checked against the nodes when
   * the run resumes: a restart of a node that is not crashed is an error).
   */
  schedule(faults: readonly FaultInput[]): void {
    const parsed = parseConfig(FaultScheduleSchema, faults, "faults");
    for (const fault of parsed) {
      if (fault.atMs < this.#now) {
        throw new RangeError(
          `Cannot schedule ${
            describeFault(fault)
          } at ${fault.atMs} ms: it is already ${this.#now} ms`,
        );
      }
    }
    this.#pendingFaults.push(...parsed);
  }

  /**
   * Checks `check` after every event; when it returns a description of a violation, the
   * run fails with a safety error naming the invariant, the seed and the time.
   */
  addInvariant(name: string, check: () => string | undefined): void {
    this.#invariants.push({ name, check });
  }

  /** Crashes node `id` now: its volatile state and timers are lost. */
  crash(id: NodeId): void {
    const slot = this.#slot(id, "crash");
    if (slot.status === CRASHED) throw this.#misuse(`Cannot crash ${id}: it is already crashed`);
    const waiting = slot.deferred;
    this.#kill(slot);
    this.#emit({ kind: "crash", t: this.#now, node: id });
    // Messages that reached a paused node but were never handled die with it.
    for (const event of waiting) if (event.kind === DELIVER) this.#drop(event, "crashed");
  }

  /** Restarts crashed node `id` now: a fresh node object that sees only its durable storage. */
  restart(id: NodeId): void {
    const slot = this.#slot(id, "restart");
    if (slot.incarnation === 0) throw this.#misuse(`Cannot restart ${id}: it has not started yet`);
    if (slot.status !== CRASHED) {
      throw this.#misuse(`Cannot restart ${id}: it is ${STATUS_NAMES[slot.status]}, not crashed`);
    }
    this.#boot(slot, "restart");
  }

  /** Pauses node `id` now: its messages and timers wait until it resumes. */
  pause(id: NodeId): void {
    const slot = this.#slot(id, "pause");
    if (slot.status !== UP) {
      throw this.#misuse(`Cannot pause ${id}: it is ${STATUS_NAMES[slot.status]}`);
    }
    slot.status = PAUSED;
    this.#emit({ kind: "pause", t: this.#now, node: id });
  }

  /**
   * Resumes paused node `id` now: what arrived meanwhile is handled, in arrival order
   * (messages that arrived are delivered even if a partition has started since).
   */
  resume(id: NodeId): void {
    const slot = this.#slot(id, "resume");
    if (slot.status !== PAUSED) {
      throw this.#misuse(`Cannot resume ${id}: it is ${STATUS_NAMES[slot.status]}, not paused`);
    }
    slot.status = UP;
    this.#emit({ kind: "resume", t: this.#now, node: id });
    const waiting = slot.deferred;
    slot.deferred = [];
    for (const event of waiting) {
      event.time = this.#now;
      event.seq = this.#seq++;
      this.#queue.push(event);
    }
  }

  /** Cuts every link between nodes of different groups, both ways, until healed. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.#applyFault(this.#parseFault({ kind: "partition", groups }, "partition"));
  }

  /** Cuts the links from each node of `from` to each node of `to`, one way, until healed. */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[]): void {
    this.#applyFault(
      this.#parseFault({ kind: "partition-one-way", from, to }, "partitionOneWay"),
    );
  }

  /** Restores every cut link. */
  heal(): void {
    this.#applyFault({ atMs: this.#now, kind: "heal" });
  }

  /** Steps node `id`'s clock by `deltaMs`. */
  jumpClock(id: NodeId, deltaMs: number): void {
    this.#applyFault(this.#parseFault({ kind: "clock-jump", node: id, deltaMs }, "jumpClock"));
  }

  /** Processes every event up to and including virtual time `timeMs`; then now = timeMs. */
  runUntil(timeMs: number): void {
    this.#prepare();
    if (!(timeMs >= this.#now)) {
      throw new RangeError(`Cannot run until ${timeMs} ms: it is already ${this.#now} ms`);
    }
    this.#loop(timeMs, undefined);
    this.#now = timeMs;
  }

  /** Runs for `durationMs` more virtual time. */
  runFor(durationMs: number): void {
    this.runUntil(this.#now + durationMs);
  }

  /**
   * Runs until `predicate` holds (checked after every event), and returns the virtual
   * time when it first did. Fails with a liveness error if it does not hold by the bound.
   */
  runUntilTrue(predicate: () => boolean, options: RunBoundOptions = {}): number {
    this.#prepare();
    const limit = this.#limit(options, "run until the condition holds");
    if (predicate()) return this.#now;
    const startMs = this.#now;
    const reached = this.#loop(limit, predicate);
    if (reached) return this.#now;
    this.#now = Math.max(this.#now, Math.min(limit, this.#queue.peek()?.time ?? limit));
    const what = options.description ?? "the condition";
    const why = options.explain ? `: ${options.explain()}` : "";
    throw this.#fail("liveness", `Cannot reach ${what} ${boundText(startMs, limit)}${why}`);
  }

  /**
   * Runs until no event is pending (no message in flight, no timer set). Nodes with
   * periodic timers never get there: the run then fails with a liveness error at the bound.
   */
  runUntilQuiet(options: RunBoundOptions = {}): number {
    this.#prepare();
    const startMs = this.#now;
    const limit = this.#limit(options, "run until quiet");
    this.#loop(limit, undefined);
    // Cancelled timers beyond the bound stay queued until their time, but wait for nothing.
    const pending = this.#pendingSummary();
    if (pending === "") return this.#now;
    throw this.#fail(
      "liveness",
      `Cannot reach quiet ${boundText(startMs, limit)}: ${pending} still pending`,
    );
  }

  /** Processes the single next event, if any. Returns false when nothing is pending. */
  step(): boolean {
    this.#prepare();
    const event = this.#queue.pop();
    if (event === undefined) return false;
    this.#now = event.time;
    this.#handle(event);
    return true;
  }

  /** Events waiting in the agenda (including cancelled timers not yet discarded). */
  get pendingEvents(): number {
    return this.#queue.size;
  }

  // ---- run loop ---------------------------------------------------------------------

  #loop(limitMs: number, predicate: (() => boolean) | undefined): boolean {
    const queue = this.#queue;
    const budget = this.config.maxEvents;
    let processed = 0;
    for (;;) {
      // Checked before the next event, so a run of exactly `budget` events succeeds.
      if (processed >= budget) {
        const next = queue.peek();
        if (next === undefined || next.time > limitMs) return false;
        throw this.#fail(
          "bound-exceeded",
          `Cannot finish the run: it processed ${budget} events without reaching ${limitMs} ms`,
        );
      }
      const next = queue.popNotAfter(limitMs);
      if (next === undefined) return false;
      this.#now = next.time;
      this.#handle(next);
      processed++;
      if (predicate !== undefined && predicate()) return true;
    }
  }

  #handle(event: SimEvent): void {
    this.#events++;
    try {
      switch (event.kind) {
        case DELIVER:
          if (this.#deliver(event)) this.#recycle(event);
          break;
        case TIMER:
          if (this.#fire(event)) this.#recycle(event);
          break;
        case START:
          this.#boot(this.#slots[event.node] as NodeSlot<M>, "start");
          this.#recycle(event);
          break;
        case FAULT:
          this.#queuedFaults.delete(event.payload as Fault);
          this.#applyFault(event.payload as Fault);
          break;
        case CALL:
          (event.payload as (sim: this) => void)(this);
          break;
      }
    } catch (error) {
      if (error instanceof SimulationError) throw error;
      throw this.#fail("node-exception", `Cannot ${this.#describeEvent(event)}: ${error}`, error);
    }
    if (this.#invariants.length > 0) this.#checkInvariants();
  }

  /** Delivers (or drops, or defers) a message; true when its event is no longer needed. */
  #deliver(event: SimEvent): boolean {
    const slot = this.#slots[event.node] as NodeSlot<M>;
    if (slot.status === CRASHED) {
      this.#drop(event, "crashed");
      return true;
    }
    // Messages sent over a cut link never enter the queue, and a cut marks those already
    // in flight (see #cutInFlight), so no per-delivery partition lookup is needed.
    if (event.linkCut) {
      this.#drop(event, "partition");
      return true;
    }
    if (slot.status === PAUSED) {
      slot.deferred.push(event);
      return false;
    }
    this.#deliveries++;
    const from = this.#nodeIds[event.from] as NodeId;
    if (this.#tracing) this.#traceMessage("deliver", event, undefined);
    (slot.instance as Node<M, unknown>).onMessage(from, event.payload as M);
    return true;
  }

  /**
   * Fires (or skips, or defers) a timer; true when its event is no longer needed. A
   * timer's event leaves its node's timer table when it fires, is cancelled, or its
   * incarnation dies, so only a deferred one is still referenced.
   */
  #fire(event: SimEvent): boolean {
    if (event.cancelled) return true;
    const slot = this.#slots[event.node] as NodeSlot<M>;
    if (event.aux !== slot.incarnation || slot.status === CRASHED) return true;
    if (slot.status === PAUSED) {
      slot.deferred.push(event);
      return false;
    }
    slot.timers?.delete(event.id);
    this.#timers++;
    if (this.#tracing) {
      this.#emit({
        kind: "timer",
        t: this.#now,
        node: slot.id,
        timerId: event.id,
        name: describePayload(event.payload),
      });
    }
    slot.instance?.onTimer?.(event.payload, event.id);
    return true;
  }

  #drop(event: SimEvent, reason: DropReason): void {
    this.#drops++;
    if (this.#tracing) this.#traceMessage("drop", event, reason);
  }

  /** Records the delivery or drop of the message in `event` (and tells subscribers). */
  #traceMessage(kind: "deliver" | "drop", event: SimEvent, reason: DropReason | undefined): void {
    const message = event.payload as M;
    const t = this.#now;
    if (this.#recording) {
      if (kind === "deliver") {
        this.trace.recordDelivery(
          t,
          event.from,
          event.node,
          event.id,
          event.aux,
          message,
          event.sentAt,
        );
      } else {
        this.trace.recordDrop(
          t,
          event.from,
          event.node,
          event.id,
          event.aux,
          message,
          event.sentAt,
          reason as DropReason,
        );
      }
    }
    if (this.#subscribers.size === 0) return;
    const fields = {
      t,
      from: this.#nodeIds[event.from] as NodeId,
      to: this.#nodeIds[event.node] as NodeId,
      msgId: event.id,
      copy: event.aux,
      type: message.type,
      message,
      sentAt: event.sentAt,
    };
    this.#publish(
      kind === "deliver" ? { kind, ...fields } : { kind, ...fields, reason: reason as DropReason },
    );
  }

  // ---- what nodes do through their context -------------------------------------------

  #send(slot: NodeSlot<M>, to: NodeId, message: M): void {
    if (message !== this.#lastSealed) {
      const problem = sealMessage(message, this.#freeze);
      if (problem !== undefined) {
        throw new TypeError(`Cannot send a message from ${slot.id} to ${to}: ${problem}`);
      }
      // Deeply frozen, a sealed message can never change: sent again (a broadcast to
      // every peer, a forward), it needs no second walk. Unfrozen, it could have.
      if (this.#freeze) this.#lastSealed = message;
    }
    const toIndex = this.#indexById.get(to);
    if (toIndex === undefined) {
      throw new RangeError(
        `Cannot send ${describeMessage(message)} to ${JSON.stringify(to)}: no such node`,
      );
    }
    this.#sends++;
    const now = this.#now;
    const msgId = this.#nextMessageId++;
    const link = this.#network.link(slot.index, toIndex);
    const random = slot.netRandom ??= this.random.child(`net:${slot.id}`);
    const copies = link.duplicate > 0 && random.next() < link.duplicate ? 2 : 1;
    if (this.#tracing) {
      if (this.#recording) this.trace.recordSend(now, slot.index, toIndex, msgId, message, copies);
      if (this.#subscribers.size > 0) {
        this.#publish({
          kind: "send",
          t: now,
          from: slot.id,
          to,
          msgId,
          type: message.type,
          message,
          copies,
        });
      }
    }
    for (let copy = 0; copy < copies; copy++) {
      let reason: DropReason | undefined;
      if (this.#network.isCut(slot.index, toIndex)) reason = "partition";
      else if (link.loss > 0 && random.next() < link.loss) reason = "loss";
      if (reason !== undefined) {
        this.#drops++;
        if (this.#tracing) {
          if (this.#recording) {
            this.trace.recordDrop(now, slot.index, toIndex, msgId, copy, message, now, reason);
          }
          if (this.#subscribers.size > 0) {
            this.#publish({
              kind: "drop",
              t: now,
              from: slot.id,
              to,
              msgId,
              copy,
              type: message.type,
              message,
              sentAt: now,
              reason,
            });
          }
        }
        continue;
      }
      let arrival = now + link.sampleLatency(random);
      if (link.fifo) arrival = this.#network.fifoArrival(slot.index, toIndex, arrival);
      this.#push(arrival, DELIVER, toIndex, slot.index, message, msgId, copy, now);
    }
  }

  #setTimer(slot: NodeSlot<M>, delayMs: number, payload: unknown): TimerId {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new RangeError(
        `Cannot set a timer on ${slot.id}: delayMs must be a finite number at least 0, got ${delayMs}`,
      );
    }
    const id = this.#nextTimerId++;
    const event = this.#push(
      this.#now + slot.clock.trueDuration(delayMs),
      TIMER,
      slot.index,
      -1,
      payload,
      id,
      slot.incarnation,
      this.#now,
    );
    (slot.timers ??= new Map()).set(id, event);
    return id;
  }

  #cancelTimer(slot: NodeSlot<M>, id: TimerId): void {
    const event = slot.timers?.get(id);
    if (event === undefined) return;
    event.cancelled = true;
    slot.timers?.delete(id);
  }

  #contextFor(slot: NodeSlot<M>): NodeContext<M, unknown> {
    // This incarnation's calls act only while it lives: a crash or a restart silences them.
    const incarnation = slot.incarnation;
    const random = incarnation === 1
      ? slot.random
      : slot.random.child(`incarnation:${incarnation}`);
    // The context's methods close over this incarnation: after a crash they do nothing.
    return new SlotContext<M>(
      slot.id,
      this.#nodeIds,
      incarnation,
      random,
      slot.storage,
      () => slot.clock.read(this.#now),
      (to, message) => {
        if (slot.incarnation === incarnation && slot.status !== CRASHED) {
          this.#send(slot, to, message);
        }
      },
      (delayMs, payload) =>
        slot.incarnation === incarnation && slot.status !== CRASHED
          ? this.#setTimer(slot, delayMs, payload)
          : -1,
      (id) => {
        if (slot.incarnation === incarnation && slot.status !== CRASHED) {
          this.#cancelTimer(slot, id);
        }
      },
      (text, data) => {
        if (slot.incarnation === incarnation && slot.status !== CRASHED && this.#tracing) {
          this.#emit({
            kind: "note",
            t: this.#now,
            node: slot.id,
            text,
            ...(data === undefined ? {} : { data }),
          });
        }
      },
    );
  }

  // ---- node lifecycle and faults -----------------------------------------------------

  #boot(slot: NodeSlot<M>, why: "start" | "restart"): void {
    slot.incarnation++;
    slot.status = UP;
    const context = this.#contextFor(slot);
    if (this.#tracing) {
      this.#emit({ kind: why, t: this.#now, node: slot.id, incarnation: slot.incarnation });
    }
    slot.instance = slot.factory(context);
    slot.instance.start?.();
  }

  #kill(slot: NodeSlot<M>): void {
    slot.status = CRASHED;
    slot.instance = undefined;
    if (slot.timers !== undefined) {
      for (const event of slot.timers.values()) event.cancelled = true;
      slot.timers.clear();
    }
    slot.deferred = [];
  }

  #applyFault(fault: Fault): void {
    switch (fault.kind) {
      case "partition": {
        const groups = fault.groups.map((group) => group.map((id) => this.#slot(id, "partition")));
        // The links newly cut, for the trace: as many as pairs across groups, so listed
        // only when someone is watching.
        const links: [NodeId, NodeId][] = [];
        if (this.#tracing) {
          for (const [g, group] of groups.entries()) {
            for (const [h, other] of groups.entries()) {
              if (g === h) continue;
              for (const a of group) {
                for (const b of other) {
                  if (!this.#network.isCut(a.index, b.index)) links.push([a.id, b.id]);
                }
              }
            }
          }
        }
        this.#network.cutGroups(groups.map((group) => group.map((slot) => slot.index)));
        this.#cutInFlight();
        this.#emit({ kind: "partition", t: this.#now, description: describeFault(fault), links });
        return;
      }
      case "partition-one-way": {
        const from = fault.from.map((id) => this.#slot(id, "partition"));
        const to = fault.to.map((id) => this.#slot(id, "partition"));
        const links: [NodeId, NodeId][] = [];
        if (this.#tracing) {
          const seen = new Set<number>();
          for (const a of from) {
            for (const b of to) {
              const key = a.index * MAX_NODES + b.index;
              if (a !== b && !seen.has(key) && !this.#network.isCut(a.index, b.index)) {
                seen.add(key);
                links.push([a.id, b.id]);
              }
            }
          }
        }
        this.#network.cutOneWay(from.map((slot) => slot.index), to.map((slot) => slot.index));
        this.#cutInFlight();
        this.#emit({ kind: "partition", t: this.#now, description: describeFault(fault), links });
        return;
      }
      case "heal":
        this.#network.healAll();
        this.#emit({ kind: "heal", t: this.#now });
        return;
      case "crash":
        return this.crash(fault.node);
      case "restart":
        return this.restart(fault.node);
      case "pause":
        return this.pause(fault.node);
      case "resume":
        return this.resume(fault.node);
      case "clock-jump":
        this.#slot(fault.node, "jump the clock of").clock.jump(fault.deltaMs);
        this.#emit({ kind: "clock-jump", t: this.#now, node: fault.node, deltaMs: fault.deltaMs });
        return;
    }
  }

  /**
   * Dooms every message in flight on a cut link: it is dropped (reason "partition") when
   * it would have arrived, even if the partition heals first. Messages already waiting at
   * a paused node have arrived and are not in the queue, so they are spared.
   */
  #cutInFlight(): void {
    const network = this.#network;
    for (const event of this.#queue.items()) {
      if (event.kind === DELIVER && network.isCut(event.from, event.node)) event.linkCut = true;
    }
  }

  /** Validates and enqueues faults scheduled since the last run. */
  #prepare(): void {
    if (this.#failure !== undefined) {
      throw new Error(
        `Cannot run: this simulation already failed at ${this.#failure.timeMs.toFixed(3)} ms ` +
          `(${this.#failure.kind}); create a new one`,
      );
    }
    if (this.#uncheckedLinks.length > 0 || !this.#clocksChecked) {
      const issues = this.#unknownNames();
      if (issues.length > 0) throw new ConfigError(issues);
    }
    if (this.#pendingFaults.length === 0) return;
    const withStatus = (status: number) =>
      new Set(
        this.#slots.filter((s) => s.status === status && s.incarnation > 0).map((s) => s.id),
      );
    const problems = validateFaultSchedule(this.#pendingFaults, this.#nodeIds, {
      crashed: withStatus(CRASHED),
      paused: withStatus(PAUSED),
      scheduled: [...this.#queuedFaults],
    });
    if (problems.length > 0) {
      throw new TypeError(`Cannot run the fault schedule:\n${problems.join("\n")}`);
    }
    for (const fault of this.#pendingFaults) {
      this.#push(fault.atMs, FAULT, -1, -1, fault, 0, 0);
      this.#queuedFaults.add(fault);
    }
    this.#pendingFaults = [];
  }

  #checkInvariants(): void {
    for (const invariant of this.#invariants) {
      const violation = invariant.check();
      if (violation !== undefined) {
        throw this.#fail("safety", `Invariant "${invariant.name}" broken: ${violation}`);
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------

  #push(
    time: number,
    kind: number,
    node: number,
    from: number,
    payload: unknown,
    id: number,
    aux: number,
    sentAt = this.#now,
  ): SimEvent {
    const event = this.#spareEvents.pop() ?? new SimEvent();
    event.time = time;
    event.seq = this.#seq++;
    event.kind = kind;
    event.node = node;
    event.from = from;
    event.payload = payload;
    event.id = id;
    event.aux = aux;
    event.sentAt = sentAt;
    event.cancelled = false;
    event.linkCut = false;
    this.#queue.push(event);
    return event;
  }

  /**
   * Keeps a handled event for reuse: a run that moves millions of messages then allocates
   * almost nothing per message, and a thousand nodes' start events become their first
   * messages. Only events nothing refers to any more come here: not a message or timer
   * deferred at a paused node, nor a timer still in its node's timer table.
   */
  #recycle(event: SimEvent): void {
    if (this.#spareEvents.length >= MAX_SPARE_EVENTS) return;
    event.payload = undefined;
    this.#spareEvents.push(event);
  }

  #emit(record: TraceRecord): void {
    if (!this.#tracing) return;
    if (this.#recording) this.trace.push(record);
    this.#publish(record);
  }

  #publish(record: TraceRecord): void {
    for (const subscriber of this.#subscribers) subscriber.next(record);
  }

  #slot(id: NodeId, action: string): NodeSlot<M> {
    const index = this.#indexById.get(id);
    if (index === undefined) {
      throw new RangeError(
        `Cannot ${action} ${JSON.stringify(id)}: no such node (nodes: ${this.#nodeIds.join(", ")})`,
      );
    }
    return this.#slots[index] as NodeSlot<M>;
  }

  #limit(options: RunBoundOptions, action: string): number {
    const check = (name: string, value: number, least: number) => {
      if (typeof value !== "number" || !(value >= least)) {
        throw new RangeError(
          `Cannot ${action}: ${name} must be a number at least ${least} ms, got ${value}`,
        );
      }
      return value;
    };
    if (options.untilMs !== undefined) return check("untilMs", options.untilMs, this.#now);
    if (options.withinMs !== undefined) return this.#now + check("withinMs", options.withinMs, 0);
    return this.config.maxTimeMs;
  }

  /** A fault applied now, by a direct call such as `jumpClock`, validated like a scheduled one. */
  #parseFault(fault: Record<string, unknown>, method: string): Fault {
    return parseConfig(FaultSchema, { atMs: this.#now, ...fault }, method);
  }

  /** Names in link overrides and clocks that match no node, as config issues. */
  #unknownNames(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const nodes = `(nodes: ${this.#nodeIds.join(", ") || "none"})`;
    for (const { path, override } of this.#uncheckedLinks) {
      for (const side of ["from", "to"] as const) {
        const selector = override[side];
        const ids = typeof selector === "string" ? [selector] : selector;
        for (const id of ids) {
          if (!this.#indexById.has(id)) {
            issues.push({
              path: `${path}.${side}`,
              message: `no node ${JSON.stringify(id)} ${nodes}`,
            });
          }
        }
      }
    }
    this.#uncheckedLinks = [];
    if (!this.#clocksChecked) {
      this.#clocksChecked = true;
      for (const id of Object.keys(this.config.clocks)) {
        if (!this.#indexById.has(id)) {
          issues.push({ path: `clocks.${id}`, message: `no node ${JSON.stringify(id)} ${nodes}` });
        }
      }
    }
    return issues;
  }

  #describeEvent(event: SimEvent): string {
    const name = (index: number) => this.#slots[index]?.id ?? "?";
    switch (event.kind) {
      case DELIVER:
        return `deliver ${describeMessage(event.payload as M)} ${name(event.from)} → ${
          name(event.node)
        }`;
      case TIMER:
        return `fire timer ${describePayload(event.payload)} on ${name(event.node)}`;
      case START:
        return `start ${name(event.node)}`;
      case FAULT:
        return `inject ${describeFault(event.payload as Fault)}`;
      default:
        return "run a scheduled action";
    }
  }

  /** What is still queued, in words ("2 messages and 1 timer"); "" when nothing live is. */
  #pendingSummary(): string {
    let messages = 0, timers = 0, other = 0;
    for (const event of this.#queue.items()) {
      if (event.cancelled) continue;
      if (event.kind === DELIVER) messages++;
      else if (event.kind === TIMER) timers++;
      else other++;
    }
    const parts = [
      [messages, "message"],
      [timers, "timer"],
      [other, "other event"],
    ] as const;
    const named = parts.filter(([count]) => count > 0)
      .map(([count, noun]) => `${count} ${noun}${count === 1 ? "" : "s"}`);
    return named.length <= 1
      ? named.join("")
      : `${named.slice(0, -1).join(", ")} and ${named[named.length - 1]}`;
  }

  #misuse(message: string): Error {
    return new Error(`${message} (at ${this.#now.toFixed(3)} ms)`);
  }

  #fail(
    kind: SimulationError["kind"],
    summary: string,
    cause?: unknown,
  ): SimulationError {
    const excerpt = this.trace.records.slice(-8).map(describeRecord);
    const replay = this.config.replay ??
      `run again with seed ${this.config.seed} and the same nodes, settings and faults`;
    const error = new SimulationError(
      summary,
      { kind, seed: this.config.seed, timeMs: this.#now, replay, excerpt },
      cause === undefined ? undefined : { cause },
    );
    // After an exception inside a handler the node's state is half-updated: refuse to go on.
    // Other failures leave a consistent state that a notebook may keep exploring.
    if (kind === "node-exception") this.#failure = error;
    return error;
  }
}

/** A time for a message: at most three decimals, no float noise ("7439.819"). */
/**
 * The bound a liveness failure missed: "within 100 ms" from time 0; from a later start,
 * the time allowed and the time it ran out, so the failure's own time is not mistaken for
 * the bound ("within 5000 ms (by 7910.392 ms)").
 */
function boundText(startMs: number, limitMs: number): string {
  return startMs === 0
    ? `within ${formatMs(limitMs)} ms`
    : `within ${formatMs(limitMs - startMs)} ms (by ${formatMs(limitMs)} ms)`;
}

function formatMs(ms: number): string {
  return String(Math.round(ms * 1000) / 1000);
}
