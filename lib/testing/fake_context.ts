/**
 * A hand-driven node context for handler-level tests of any protocol: the test sets the
 * time, delivers messages by calling the node's handlers, fires timers, and reads what
 * the node sent, stored and noted. As in etcd's raft tests, the protocol runs without a
 * network or a simulator.
 *
 * @module
 */
import { MemoryStorage, type Message, type NodeContext, type NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";

/** One message the node sent, with anything the context's `onSend` hook captured. */
export interface FakeSent<M, Extra = undefined> {
  /** The receiver. */
  readonly to: NodeId;
  /** The message. */
  readonly message: M;
  /** What `onSend` returned when it was sent (e.g. the node's durable state then). */
  readonly extra: Extra;
}

/** A timer the node has set and not cancelled. */
export interface FakeTimer<T> {
  /** Its handle. */
  readonly id: number;
  /** The delay it was set with, in ms. */
  readonly delayMs: number;
  /** When it falls due on the context's clock, in ms. */
  readonly dueMs: number;
  /** Its payload. */
  readonly payload: T;
}

/** Options of a {@link FakeContext}. */
export interface FakeContextOptions<Extra> {
  /** Durable storage (share one between incarnations to test a restart). Default empty. */
  readonly storage?: MemoryStorage;
  /** Which incarnation this is. Default 1. */
  readonly incarnation?: number;
  /** The seed of the node's random stream. Default 1. */
  readonly seed?: number;
  /** The clock's time at the start, in ms. Default 0. */
  readonly timeMs?: number;
  /** Captures something at each send (the durable state, to check it was written first). */
  readonly onSend?: (context: FakeContext<Message, unknown, Extra>) => Extra;
}

/** The handlers {@link FakeContext.fire} calls. */
export interface TimerHandler<T> {
  /** The node's timer handler. */
  onTimer?(payload: T, id: number): void;
}

/**
 * A {@link NodeContext} whose clock, network and timers the test drives.
 *
 * @example
 * ```ts
 * import { FakeContext } from "./fake_context.ts";
 *
 * type Ping = { readonly type: "ping" } | { readonly type: "pong" };
 * const ctx = new FakeContext<Ping, "tick">("n1", ["n1", "n2"]);
 * const node = {
 *   start: () => ctx.setTimer(10, "tick"),
 *   onMessage: () => {},
 *   onTimer: () => ctx.send("n2", { type: "ping" }),
 * };
 * node.start();
 * ctx.fire(node, (payload) => payload === "tick");
 * ctx.take().map((s) => s.message.type); // ["ping"]
 * ```
 */
export class FakeContext<M extends Message = Message, T = unknown, Extra = undefined>
  implements NodeContext<M, T> {
  /** {@inheritDoc NodeContext.id} */
  readonly id: NodeId;
  /** {@inheritDoc NodeContext.nodeIds} */
  readonly nodeIds: readonly NodeId[];
  /** {@inheritDoc NodeContext.peers} */
  readonly peers: readonly NodeId[];
  /** {@inheritDoc NodeContext.incarnation} */
  readonly incarnation: number;
  /** {@inheritDoc NodeContext.random} */
  readonly random: Random;
  /** {@inheritDoc NodeContext.storage} */
  readonly storage: MemoryStorage;
  /** Every message sent and not yet taken, in order. */
  readonly sent: FakeSent<M, Extra>[] = [];
  /** Pending timers by handle. */
  readonly timers: Map<number, FakeTimer<T>> = new Map();
  /** Every trace note the node wrote. */
  readonly notes: { readonly text: string; readonly data?: Readonly<Record<string, unknown>> }[] =
    [];
  /** The node's clock, in ms: set it to move time. */
  time: number;
  readonly #onSend: ((context: FakeContext<Message, unknown, Extra>) => Extra) | undefined;
  #nextTimer = 1;

  /** A context for node `id` among `nodeIds`. */
  constructor(id: NodeId, nodeIds: readonly NodeId[], options: FakeContextOptions<Extra> = {}) {
    if (!nodeIds.includes(id)) {
      throw new RangeError(
        `Cannot build a context for ${id}: it is not among ${nodeIds.join(", ")}`,
      );
    }
    this.id = id;
    this.nodeIds = [...nodeIds];
    this.peers = nodeIds.filter((other) => other !== id);
    this.incarnation = options.incarnation ?? 1;
    this.random = new Random(options.seed ?? 1, id);
    this.storage = options.storage ?? new MemoryStorage();
    this.time = options.timeMs ?? 0;
    this.#onSend = options.onSend;
  }

  /** {@inheritDoc NodeContext.now} */
  now(): number {
    return this.time;
  }

  /** {@inheritDoc NodeContext.send} */
  send(to: NodeId, message: M): void {
    const extra = this.#onSend?.(this as unknown as FakeContext<Message, unknown, Extra>);
    this.sent.push({ to, message, extra: extra as Extra });
  }

  /** {@inheritDoc NodeContext.setTimer} */
  setTimer(delayMs: number, payload: T): number {
    const id = this.#nextTimer++;
    this.timers.set(id, { id, delayMs, dueMs: this.time + delayMs, payload });
    return id;
  }

  /** {@inheritDoc NodeContext.cancelTimer} */
  cancelTimer(id: number): void {
    this.timers.delete(id);
  }

  /** {@inheritDoc NodeContext.log} */
  log(text: string, data?: Readonly<Record<string, unknown>>): void {
    this.notes.push({ text, ...(data === undefined ? {} : { data }) });
  }

  /** Takes (and forgets) what was sent so far. */
  take(): FakeSent<M, Extra>[] {
    return this.sent.splice(0);
  }

  /** The first pending timer whose payload matches, or undefined. */
  timer(matches: (payload: T) => boolean): FakeTimer<T> | undefined {
    for (const timer of this.timers.values()) if (matches(timer.payload)) return timer;
    return undefined;
  }

  /**
   * Fires the first pending timer whose payload matches on `node`: forgets the timer and
   * calls `node.onTimer` (the clock stays where the test set it). Throws if no pending
   * timer matches.
   */
  fire(node: TimerHandler<T>, matches: (payload: T) => boolean): FakeTimer<T> {
    const timer = this.timer(matches);
    if (timer === undefined) {
      throw new Error(`Cannot fire a timer on ${this.id}: no pending timer matches`);
    }
    this.timers.delete(timer.id);
    node.onTimer?.(timer.payload, timer.id);
    return timer;
  }
}
