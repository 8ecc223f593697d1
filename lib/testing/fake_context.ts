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

/**
 * One message the node sent, with whatever the context's `onSend` hook captured at that
 * moment merged in (e.g. `durable`: the node's durable state, to check it was written
 * before the message left).
 */
export type FakeSent<M, Capture extends object = Record<never, never>> =
  & {
    /** The receiver. */
    readonly to: NodeId;
    /** The message. */
    readonly message: M;
  }
  & Readonly<Capture>;

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

/**
 * Which pending timer to take: a predicate on the payload, or a name that matches a
 * payload equal to it or whose `type` or `kind` field is it (`"election"` matches
 * `{ type: "election" }`).
 */
export type TimerSelector<T> = string | ((payload: T) => boolean);

/** Options of a {@link FakeContext}. */
export interface FakeContextOptions<Capture extends object = Record<never, never>> {
  /** Durable storage (share one between incarnations to test a restart). Default empty. */
  readonly storage?: MemoryStorage;
  /** Which incarnation this is. Default 1. */
  readonly incarnation?: number;
  /** The seed of the node's random stream. Default 1. */
  readonly seed?: number;
  /** The clock's time at the start, in ms. Default 0. */
  readonly timeMs?: number;
  /** Captures fields to store with each sent message (read from the context then). */
  readonly onSend?: (context: NodeContext<Message, unknown>) => Capture;
}

/** What {@link FakeContext.fire} calls. */
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
 * const ctx = new FakeContext<Ping, { readonly type: "tick" }>("n1", ["n1", "n2"]);
 * const node = {
 *   start: () => ctx.setTimer(10, { type: "tick" }),
 *   onMessage: () => {},
 *   onTimer: () => ctx.send("n2", { type: "ping" }),
 * };
 * node.start();
 * ctx.fire(node, "tick");
 * ctx.take().map((sent) => sent.message.type); // ["ping"]
 * ```
 */
export class FakeContext<
  M extends Message = Message,
  T = unknown,
  Capture extends object = Record<never, never>,
> implements NodeContext<M, T> {
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
  readonly sent: FakeSent<M, Capture>[] = [];
  /** Pending timers by handle. */
  readonly timers: Map<number, FakeTimer<T>> = new Map();
  /** Every trace note the node wrote. */
  readonly notes: { readonly text: string; readonly data?: Readonly<Record<string, unknown>> }[] =
    [];
  /** The node's clock, in ms: set it to move time. */
  time: number;
  readonly #onSend: ((context: NodeContext<Message, unknown>) => Capture) | undefined;
  #nextTimer = 1;

  /** A context for node `id` among `nodeIds`. */
  constructor(
    id: NodeId,
    nodeIds: readonly NodeId[],
    options: FakeContextOptions<Capture> = {},
  ) {
    // `id` need not be among `nodeIds`: a test may check that a node refuses to start
    // outside its cluster.
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
    const capture = this.#onSend?.(this as NodeContext<Message, unknown>);
    this.sent.push({ ...capture, to, message } as FakeSent<M, Capture>);
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
  take(): FakeSent<M, Capture>[] {
    return this.sent.splice(0);
  }

  /** The first pending timer (in the order they were set) that `selector` picks, or undefined. */
  timer(selector: TimerSelector<T>): FakeTimer<T> | undefined {
    const matches = typeof selector === "function"
      ? selector
      : (payload: T) => named(payload, selector);
    for (const timer of this.timers.values()) if (matches(timer.payload)) return timer;
    return undefined;
  }

  /**
   * Fires the first pending timer that `selector` picks on `node`: forgets the timer and
   * calls `node.onTimer` (the clock stays where the test set it). Throws if none matches.
   */
  fire(node: TimerHandler<T>, selector: TimerSelector<T>): FakeTimer<T> {
    const timer = this.timer(selector);
    if (timer === undefined) {
      const what = typeof selector === "string" ? `${selector} timer` : "timer that matches";
      throw new Error(`Cannot fire a timer on ${this.id}: no pending ${what}`);
    }
    this.timers.delete(timer.id);
    node.onTimer?.(timer.payload, timer.id);
    return timer;
  }
}

function named(payload: unknown, name: string): boolean {
  if (payload === name) return true;
  if (typeof payload !== "object" || payload === null) return false;
  const record = payload as { readonly type?: unknown; readonly kind?: unknown };
  return record.type === name || record.kind === name;
}
