/**
 * The node contract. A protocol is a state machine: the simulator hands it a
 * {@link NodeContext} when it starts and then calls its handlers for messages and timers.
 * Everything a node does to the world (send, set a timer, read its clock, draw a random
 * number, persist state, annotate the trace) goes through that context, so a node
 * imports nothing from the simulator but these types. Clients are nodes too.
 *
 * @module
 */
import type { Random } from "./random.ts";

/** The name of a node ("n1", "client-2"). */
export type NodeId = string;

/** A handle for a pending timer, to cancel it. */
export type TimerId = number;

/**
 * A message between nodes: any plain object whose `type` names its kind
 * ("RequestVote", "Ping"). The type colours the space-time diagram and heads the
 * message's one-line description. Messages are values: the simulator freezes them
 * deeply on send, so a receiver cannot change what the sender holds, and refuses one
 * the trace could not record (a cycle, a BigInt).
 */
export interface Message {
  /** The kind of message. */
  readonly type: string;
}

/**
 * What a node can do. A context belongs to one incarnation of one node: after a crash
 * it is dead (its calls are ignored), and a restart brings a fresh context.
 */
export interface NodeContext<M extends Message = Message, T = unknown> {
  /** This node's name. */
  readonly id: NodeId;
  /** Every node in the simulation, this one included, in the order they were added. */
  readonly nodeIds: readonly NodeId[];
  /** Every other node. */
  readonly peers: readonly NodeId[];
  /** 1 for the first start, then one more for each restart. */
  readonly incarnation: number;
  /** This node's random stream: independent of every other node's, reproducible by seed. */
  readonly random: Random;
  /** State that survives crashes. Everything else a node holds is lost when it crashes. */
  readonly storage: DurableStorage;
  /** The node's own clock in milliseconds: true time skewed by its offset, drift and jumps. */
  now(): number;
  /** Sends `message` to node `to` through the simulated network. */
  send(to: NodeId, message: M): void;
  /**
   * Calls the node's `onTimer(payload)` after `delayMs` of the node's own clock (a
   * fast-running clock fires early in true time). Like a monotonic timer, it measures
   * elapsed time: a clock jump steps `now()` but does not move pending timers. Returns a
   * handle for `cancelTimer`.
   */
  setTimer(delayMs: number, payload: T): TimerId;
  /** Cancels a pending timer; cancelling a fired or unknown timer does nothing. */
  cancelTimer(id: TimerId): void;
  /** Adds a note to the trace ("became leader in term 3"), with optional data. */
  log(text: string, data?: Readonly<Record<string, unknown>>): void;
}

/**
 * A node's behaviour. `start` runs when the node first starts and after each restart;
 * `onMessage` for each delivered message; `onTimer` when a timer it set fires. Handlers
 * act only through the context the node was created with.
 *
 * @example
 * ```ts
 * class Echo implements Node<{ type: "ping" | "pong" }> {
 *   constructor(private readonly ctx: NodeContext<{ type: "ping" | "pong" }>) {}
 *   onMessage(from: NodeId, message: { type: "ping" | "pong" }): void {
 *     if (message.type === "ping") this.ctx.send(from, { type: "pong" });
 *   }
 * }
 * ```
 */
export interface Node<M extends Message = Message, T = unknown> {
  /** Runs when this incarnation starts (at the time the node is added, or on restart). */
  start?(): void;
  /** Handles a message delivered from node `from`. */
  onMessage(from: NodeId, message: M): void;
  /** Handles a timer set with `setTimer(delayMs, payload)`. */
  onTimer?(payload: T, id: TimerId): void;
}

/** Builds a fresh node for a context: called at first start and at every restart. */
export type NodeFactory<M extends Message = Message, T = unknown> = (
  ctx: NodeContext<M, T>,
) => Node<M, T>;

/**
 * A node's durable storage: a key-value store that survives crashes. Values are copied
 * in and out (structured clone), so what is stored is exactly what was written, and
 * state the node keeps only in memory is lost on a crash, as on a real disk.
 */
export interface DurableStorage {
  /** A copy of the value stored under `key`, or undefined. */
  get<V>(key: string): V | undefined;
  /** Stores a copy of `value` under `key`, durably, before returning. */
  set(key: string, value: unknown): void;
  /** Whether anything is stored under `key`. */
  has(key: string): boolean;
  /** Removes `key`. */
  delete(key: string): void;
  /** Every key, in insertion order. */
  keys(): string[];
  /** How many writes (set or delete) this storage has taken: a proxy for fsyncs. */
  readonly writeCount: number;
}

/** The in-memory implementation of {@link DurableStorage} the simulator gives each node. */
export class MemoryStorage implements DurableStorage {
  /** Made at the first write: most nodes of a large simulation never persist anything. */
  #data: Map<string, unknown> | undefined;
  #writes = 0;

  /** {@inheritDoc DurableStorage.get} */
  get<V>(key: string): V | undefined {
    const value = this.#data?.get(key);
    return value === undefined ? undefined : copyValue(value) as V;
  }

  /** {@inheritDoc DurableStorage.set} */
  set(key: string, value: unknown): void {
    (this.#data ??= new Map()).set(key, copyValue(value));
    this.#writes++;
  }

  /** {@inheritDoc DurableStorage.has} */
  has(key: string): boolean {
    return this.#data?.has(key) ?? false;
  }

  /** {@inheritDoc DurableStorage.delete} */
  delete(key: string): void {
    this.#data?.delete(key);
    this.#writes++;
  }

  /** {@inheritDoc DurableStorage.keys} */
  keys(): string[] {
    return this.#data === undefined ? [] : [...this.#data.keys()];
  }

  /** {@inheritDoc DurableStorage.writeCount} */
  get writeCount(): number {
    return this.#writes;
  }
}

/** Deeper than this, a value is copied by `structuredClone`. */
const MAX_PLAIN_COPY_DEPTH = 32;

/** Thrown inside the plain copier when it meets a value only `structuredClone` copies right. */
const NOT_PLAIN = Symbol("not plain data");

/**
 * A deep copy of `value`, as `structuredClone` makes, but faster for the plain data that
 * protocols store (numbers, strings, arrays, plain objects): `structuredClone` costs
 * microseconds per call even for a small object, and a protocol persists on every vote and
 * every log append. Anything else (Map, Set, Date, class instances, typed arrays, cycles,
 * very deep values) is copied by `structuredClone` whole, which also rejects functions.
 * One difference: an object reachable twice (not in a cycle) becomes two copies.
 */
export function copyValue<V>(value: V): V {
  try {
    return copyPlain(value, []) as V;
  } catch (error) {
    if (error === NOT_PLAIN) return structuredClone(value);
    throw error;
  }
}

function copyPlain(value: unknown, ancestors: object[]): unknown {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "function" || typeof value === "symbol") throw NOT_PLAIN;
    return value;
  }
  if (ancestors.length > MAX_PLAIN_COPY_DEPTH || ancestors.includes(value)) throw NOT_PLAIN;
  const prototype = Object.getPrototypeOf(value);
  ancestors.push(value);
  let copy: unknown;
  if (prototype === Array.prototype) {
    const array = value as unknown[];
    const items = new Array(array.length);
    for (let i = 0; i < array.length; i++) items[i] = copyPlain(array[i], ancestors);
    copy = items;
  } else if (prototype === Object.prototype || prototype === null) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // Assigning "__proto__" would set the copy's prototype, not a field.
      if (key === "__proto__") throw NOT_PLAIN;
      fields[key] = copyPlain((value as Record<string, unknown>)[key], ancestors);
    }
    copy = fields;
  } else {
    throw NOT_PLAIN;
  }
  ancestors.pop();
  return copy;
}
