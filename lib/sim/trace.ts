/**
 * The trace: one typed record per thing that happened in a run (sends, deliveries,
 * drops with their reason, timers, crashes, restarts, pauses, partitions, heals, clock
 * jumps, notes). Records are flat plain objects, so a trace is tidy data for Plot; it
 * has a stable hash, so two runs can be compared by one string.
 *
 * @module
 */
import type { Message, NodeId } from "./node.ts";

/** Why a message was not delivered. */
export type DropReason =
  /** The network lost it (the link's loss probability). */
  | "loss"
  /** A partition cut the link, when it was sent or while it was in flight. */
  | "partition"
  /** The destination was crashed when it arrived. */
  | "crashed";

/** A node incarnation started (first start or restart). */
export interface StartRecord {
  /** What happened. */
  readonly kind: "start";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
  /** 1 for the first start, one more for each restart. */
  readonly incarnation: number;
}

/** What every record of a message (send, delivery, drop) says about it. */
export interface MessageRecordFields<M extends Message = Message> {
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The sending node. */
  readonly from: NodeId;
  /** The receiving node. */
  readonly to: NodeId;
  /** The message's id, shared by its send, its copies' deliveries and drops. */
  readonly msgId: number;
  /** The message's `type`. */
  readonly type: M["type"];
  /** The message itself (frozen on send). */
  readonly message: M;
}

/** A node sent a message. `copies` is 2 when the network duplicated it. */
export interface SendRecord<M extends Message = Message> extends MessageRecordFields<M> {
  /** What happened. */
  readonly kind: "send";
  /** How many copies the network made: 2 when it duplicated the message. */
  readonly copies: number;
}

/** A message (or a copy of one) arrived and was handed to its destination. */
export interface DeliverRecord<M extends Message = Message> extends MessageRecordFields<M> {
  /** What happened. */
  readonly kind: "deliver";
  /** 0 for the original, 1 for a network duplicate. */
  readonly copy: number;
  /** When the message was sent (true time, ms). */
  readonly sentAt: number;
}

/** A message (or a copy) was dropped. */
export interface DropRecord<M extends Message = Message> extends MessageRecordFields<M> {
  /** What happened. */
  readonly kind: "drop";
  /** 0 for the original, 1 for a network duplicate. */
  readonly copy: number;
  /** When the message was sent (true time, ms). */
  readonly sentAt: number;
  /** Why it was dropped. */
  readonly reason: DropReason;
}

/** A timer fired. `name` describes its payload. */
export interface TimerRecord {
  /** What happened. */
  readonly kind: "timer";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
  /** The handle `setTimer` returned. */
  readonly timerId: number;
  /** The timer's payload, described. */
  readonly name: string;
}

/** A node crashed (volatile state and timers lost) or was paused, resumed, restarted. */
export interface NodeFaultRecord {
  /** What happened. */
  readonly kind: "crash" | "pause" | "resume";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
}

/** A node restarted from its durable storage. */
export interface RestartRecord {
  /** What happened. */
  readonly kind: "restart";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
  /** 1 for the first start, one more for each restart. */
  readonly incarnation: number;
}

/** Links were cut. `links` lists each cut direction as [from, to]. */
export interface PartitionRecord {
  /** What happened. */
  readonly kind: "partition";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The fault, in words. */
  readonly description: string;
  /** Each newly cut direction, as [from, to]. */
  readonly links: readonly (readonly [NodeId, NodeId])[];
}

/** Every partition healed. */
export interface HealRecord {
  /** What happened. */
  readonly kind: "heal";
  /** True (virtual) time, in ms. */
  readonly t: number;
}

/** A node's clock stepped by `deltaMs`. */
export interface ClockJumpRecord {
  /** What happened. */
  readonly kind: "clock-jump";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
  /** How far the clock stepped, in ms (negative: backwards). */
  readonly deltaMs: number;
}

/** A note a node (or the experiment) wrote with `log`. */
export interface NoteRecord {
  /** What happened. */
  readonly kind: "note";
  /** True (virtual) time, in ms. */
  readonly t: number;
  /** The node it happened to. */
  readonly node: NodeId;
  /** The note. */
  readonly text: string;
  /** Data the note carries. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The member of the message union `M` whose `type` is `T`; for the open `Message` type
 * (any `type` string), a `Message` whose type is `T`.
 */
export type MessageOfType<M extends Message, T extends M["type"]> =
  [Extract<M, { readonly type: T }>] extends [never] ? M & { readonly type: T }
    : Extract<M, { readonly type: T }>;

/**
 * Anything the trace records. `M` is the run's message type (a union of the protocol's
 * messages), so a record's `message` needs no cast.
 */
export type TraceRecord<M extends Message = Message> =
  | StartRecord
  | SendRecord<M>
  | DeliverRecord<M>
  | DropRecord<M>
  | TimerRecord
  | NodeFaultRecord
  | RestartRecord
  | PartitionRecord
  | HealRecord
  | ClockJumpRecord
  | NoteRecord;

/** The kind of a trace record ("send", "deliver", ...). */
export type TraceKind = TraceRecord["kind"];

/** The records of kind `K` in a trace of messages `M`. */
export type RecordOfKind<K extends TraceKind, M extends Message = Message> =
  & TraceRecord<M>
  & { readonly kind: K };

/** One message copy's journey: a tidy row for plots and tables. */
export interface MessageRow {
  /** The message's id, shared by its send, its copies' deliveries and drops. */
  readonly msgId: number;
  /** 0 for the original, 1 for a network duplicate. */
  readonly copy: number;
  /** The sending node. */
  readonly from: NodeId;
  /** The receiving node. */
  readonly to: NodeId;
  /** The message's `type`. */
  readonly type: string;
  /** When the message was sent (true time, ms). */
  readonly sentAt: number;
  /** When it was delivered or dropped. */
  readonly endAt: number;
  /** Whether it was delivered (else dropped). */
  readonly delivered: boolean;
  /** Why it was dropped, for drops. */
  readonly reason?: DropReason;
  /** endAt - sentAt. */
  readonly latencyMs: number;
}

/** Options for {@link Trace.describe}. */
export interface DescribeOptions {
  /** Only records from this true time on (ms). */
  readonly fromMs?: number;
  /** Only records up to this true time (ms). */
  readonly toMs?: number;
  /** Only records involving these nodes. */
  readonly nodes?: readonly NodeId[];
  /** Only these kinds of record. */
  readonly kinds?: readonly TraceKind[];
  /** At most this many lines (default 200); a last line says how many were left out. */
  readonly limit?: number;
}

/** How a compact entry of the trace is stored: as a record object or in the columns. */
const OBJECT = 0, SEND = 1, DELIVER = 2, DROP = 3;
const DROP_REASONS: readonly DropReason[] = ["loss", "partition", "crashed"];
const DROP_REASON_CODES: Readonly<Record<DropReason, number>> = {
  loss: 0,
  partition: 1,
  crashed: 2,
};
const INITIAL_CAPACITY = 1024;

/**
 * The records of a run, in the order they happened.
 *
 * Sends, deliveries and drops (nearly all of a run) are kept in typed-array columns, not
 * as objects: recording a million of them then costs a few array writes each and no
 * garbage collection, and the record objects are built only when someone reads them.
 *
 * `M` is the run's message type: a `Simulation<M>` keeps a `Trace<M>`, and its
 * `deliveries("AppendEntries")` are typed as deliveries of that message.
 *
 * @example
 * ```ts
 * import { Simulation } from "./simulation.ts";
 *
 * const sim = new Simulation({ seed: 7 });
 * sim.addNode("a", (ctx) => ({ start: () => ctx.send("a", { type: "Hello" }), onMessage() {} }));
 * sim.runUntil(100);
 * sim.trace.hash(); // "9f3c...": equal for equal runs
 * console.log(sim.trace.describe({ limit: 10 }));
 * ```
 */
export class Trace<M extends Message = Message> {
  /** Node names by index, for the compact entries (the simulator's live list). */
  readonly #nodeNames: readonly NodeId[];
  #length = 0;
  #codes = new Uint8Array(INITIAL_CAPACITY);
  #times = new Float64Array(INITIAL_CAPACITY);
  #sentAts = new Float64Array(INITIAL_CAPACITY);
  #msgIds = new Float64Array(INITIAL_CAPACITY);
  #froms = new Int32Array(INITIAL_CAPACITY);
  #tos = new Int32Array(INITIAL_CAPACITY);
  /** Copy number (deliver, drop) or number of copies (send). */
  #copies = new Uint8Array(INITIAL_CAPACITY);
  #reasons = new Uint8Array(INITIAL_CAPACITY);
  /** The message of a compact entry, or the record of an object entry. */
  #refs: unknown[] = [];
  /** Records built so far, a prefix of the trace. */
  readonly #records: TraceRecord[] = [];

  /**
   * An empty trace. `nodeNames` names the nodes by index for the compact `record*`
   * methods (the simulator passes its own list); records added with `push` need none.
   */
  constructor(nodeNames: readonly NodeId[] = []) {
    this.#nodeNames = nodeNames;
  }

  /** Every record, oldest first. */
  get records(): readonly TraceRecord<M>[] {
    const records = this.#records;
    for (let i = records.length; i < this.#length; i++) records.push(this.#build(i));
    // Records are built from the messages the simulation was given, all of type M.
    return records as readonly TraceRecord<M>[];
  }

  /** How many records there are. */
  get length(): number {
    return this.#length;
  }

  /** Appends a record (the simulator calls this; notebooks read). */
  push(record: TraceRecord): void {
    const i = this.#append(OBJECT, record.t);
    this.#refs[i] = record;
  }

  /** Appends a send of `message` from node index `from` to node index `to`. */
  recordSend(
    t: number,
    from: number,
    to: number,
    msgId: number,
    message: Message,
    copies: number,
  ): void {
    const i = this.#append(SEND, t);
    this.#message(i, from, to, msgId, message, copies);
  }

  /** Appends the delivery of copy `copy` of a message sent at `sentAt`. */
  recordDelivery(
    t: number,
    from: number,
    to: number,
    msgId: number,
    copy: number,
    message: Message,
    sentAt: number,
  ): void {
    const i = this.#append(DELIVER, t);
    this.#message(i, from, to, msgId, message, copy);
    this.#sentAts[i] = sentAt;
  }

  /** Appends the drop of copy `copy` of a message sent at `sentAt`, and why. */
  recordDrop(
    t: number,
    from: number,
    to: number,
    msgId: number,
    copy: number,
    message: Message,
    sentAt: number,
    reason: DropReason,
  ): void {
    const i = this.#append(DROP, t);
    this.#message(i, from, to, msgId, message, copy);
    this.#sentAts[i] = sentAt;
    this.#reasons[i] = DROP_REASON_CODES[reason];
  }

  #append(code: number, t: number): number {
    const i = this.#length;
    if (i === this.#codes.length) this.#grow();
    this.#codes[i] = code;
    this.#times[i] = t;
    this.#length = i + 1;
    return i;
  }

  #message(i: number, from: number, to: number, msgId: number, message: Message, n: number) {
    this.#froms[i] = from;
    this.#tos[i] = to;
    this.#msgIds[i] = msgId;
    this.#copies[i] = n;
    this.#refs[i] = message;
  }

  #grow(): void {
    const capacity = this.#codes.length * 2;
    const grown = <A extends Uint8Array | Int32Array | Float64Array>(
      old: A,
      make: (n: number) => A,
    ): A => {
      const array = make(capacity);
      array.set(old as never);
      return array;
    };
    this.#codes = grown(this.#codes, (n) => new Uint8Array(n));
    this.#times = grown(this.#times, (n) => new Float64Array(n));
    this.#sentAts = grown(this.#sentAts, (n) => new Float64Array(n));
    this.#msgIds = grown(this.#msgIds, (n) => new Float64Array(n));
    this.#froms = grown(this.#froms, (n) => new Int32Array(n));
    this.#tos = grown(this.#tos, (n) => new Int32Array(n));
    this.#copies = grown(this.#copies, (n) => new Uint8Array(n));
    this.#reasons = grown(this.#reasons, (n) => new Uint8Array(n));
  }

  /** The record of entry `i`, built from its columns (same field order as ever). */
  #build(i: number): TraceRecord {
    const code = this.#codes[i];
    if (code === OBJECT) return this.#refs[i] as TraceRecord;
    const message = this.#refs[i] as Message;
    const t = this.#times[i] as number;
    const from = this.#nodeNames[this.#froms[i] as number] as NodeId;
    const to = this.#nodeNames[this.#tos[i] as number] as NodeId;
    const msgId = this.#msgIds[i] as number;
    const n = this.#copies[i] as number;
    if (code === SEND) {
      return { kind: "send", t, from, to, msgId, type: message.type, message, copies: n };
    }
    const sentAt = this.#sentAts[i] as number;
    if (code === DELIVER) {
      return { kind: "deliver", t, from, to, msgId, copy: n, type: message.type, message, sentAt };
    }
    const reason = DROP_REASONS[this.#reasons[i] as number] as DropReason;
    return {
      kind: "drop",
      t,
      from,
      to,
      msgId,
      copy: n,
      type: message.type,
      message,
      sentAt,
      reason,
    };
  }

  /** The records of the given kind. */
  ofKind<K extends TraceKind>(kind: K): RecordOfKind<K, M>[] {
    // An intersection, not Extract: NodeFaultRecord's kind is a union ("crash" | "pause" |
    // "resume"), which Extract would drop, typing ofKind("crash") as never[].
    return this.records.filter((r) => r.kind === kind) as RecordOfKind<K, M>[];
  }

  /**
   * The sends, all or only of messages of type `type`, typed as sends of that message.
   *
   * @example
   * ```ts
   * import { Simulation } from "./simulation.ts";
   *
   * type Ping = { readonly type: "Ping"; readonly seq: number };
   * type Pong = { readonly type: "Pong"; readonly seq: number; readonly echo: string };
   * const sim = new Simulation<Ping | Pong>({ seed: 1 });
   * sim.addNode("a", (ctx) => ({
   *   start: () => ctx.send("b", { type: "Ping", seq: 1 }),
   *   onMessage: () => {},
   * }));
   * sim.addNode("b", (ctx) => ({
   *   onMessage: (from, m) => {
   *     if (m.type === "Ping") ctx.send(from, { type: "Pong", seq: m.seq, echo: "hi" });
   *   },
   * }));
   * sim.runUntil(100);
   * const [pong] = sim.trace.sends("Pong");
   * console.assert(pong?.message.echo === "hi"); // no cast: pong.message is a Pong
   * ```
   */
  sends<T extends M["type"]>(type?: T): SendRecord<MessageOfType<M, T>>[] {
    return this.#ofType("send", type) as SendRecord<MessageOfType<M, T>>[];
  }

  /**
   * The deliveries, all or only of messages of type `type`, typed as deliveries of that
   * message: `trace.deliveries("AppendEntries")[0].message.entries` needs no cast.
   */
  deliveries<T extends M["type"]>(type?: T): DeliverRecord<MessageOfType<M, T>>[] {
    return this.#ofType("deliver", type) as DeliverRecord<MessageOfType<M, T>>[];
  }

  /** The drops, all or only of messages of type `type`, typed as drops of that message. */
  drops<T extends M["type"]>(type?: T): DropRecord<MessageOfType<M, T>>[] {
    return this.#ofType("drop", type) as DropRecord<MessageOfType<M, T>>[];
  }

  #ofType(kind: "send" | "deliver" | "drop", type: string | undefined): TraceRecord<M>[] {
    return this.records.filter((r) =>
      r.kind === kind && (type === undefined || (r as SendRecord).type === type)
    );
  }

  /**
   * A stable 64-bit hash (16 hex digits) of every record: equal traces hash equal, and
   * any difference in time, order, content or fate of a message changes it.
   */
  hash(): string {
    let a = 0x811c9dc5, b = 0x9747b28c;
    for (const record of this.records) {
      const text = JSON.stringify(record);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995);
        b ^= b >>> 15;
      }
      a = Math.imul(a ^ 0x0a, 0x01000193);
    }
    return hex32(a) + hex32(b);
  }

  /** One row per message copy: who sent it to whom, when, and what became of it. */
  messages(): MessageRow[] {
    const rows: MessageRow[] = [];
    for (const record of this.records) {
      if (record.kind === "deliver" || record.kind === "drop") {
        rows.push({
          msgId: record.msgId,
          copy: record.copy,
          from: record.from,
          to: record.to,
          type: record.type,
          sentAt: record.sentAt,
          endAt: record.t,
          delivered: record.kind === "deliver",
          ...(record.kind === "drop" ? { reason: record.reason } : {}),
          latencyMs: record.t - record.sentAt,
        });
      }
    }
    return rows;
  }

  /** The trace as text, one line per record (see {@link describeRecord}). */
  describe(options: DescribeOptions = {}): string {
    const limit = options.limit ?? 200;
    const selected = this.records.filter((record) => matches(record, options));
    const lines = selected.slice(0, limit).map(describeRecord);
    if (selected.length > limit) lines.push(`… ${selected.length - limit} more records`);
    return lines.join("\n");
  }

  /** A summary for Jupyter: counts by kind, then the first lines. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const counts = new Map<string, number>();
    for (const record of this.records) {
      counts.set(record.kind, (counts.get(record.kind) ?? 0) + 1);
    }
    const summary = [...counts].map(([kind, n]) => `${n} ${kind}`).join(", ");
    const text = `Trace: ${this.#length} records (${summary}), hash ${this.hash()}\n` +
      this.describe({ limit: 20 });
    return { "text/plain": text };
  }
}

function matches(record: TraceRecord, options: DescribeOptions): boolean {
  if (options.fromMs !== undefined && record.t < options.fromMs) return false;
  if (options.toMs !== undefined && record.t > options.toMs) return false;
  if (options.kinds !== undefined && !options.kinds.includes(record.kind)) return false;
  if (options.nodes !== undefined) {
    return recordNodes(record).some((node) => options.nodes?.includes(node));
  }
  return true;
}

/** The nodes a record involves (both ends of a message; all nodes of a partition). */
export function recordNodes(record: TraceRecord): NodeId[] {
  switch (record.kind) {
    case "send":
    case "deliver":
    case "drop":
      return [record.from, record.to];
    case "partition":
      return [...new Set(record.links.flat())];
    case "heal":
      return [];
    default:
      return [record.node];
  }
}

/**
 * One line for a record: time, who, what.
 *
 * @example
 * ```ts
 * describeRecord({ kind: "timer", t: 12.5, node: "n1", timerId: 3, name: "election" });
 * // "    12.500 ms  n1 ◷ election"
 * ```
 */
export function describeRecord(record: TraceRecord): string {
  const time = `${record.t.toFixed(3).padStart(10)} ms  `;
  switch (record.kind) {
    case "start":
      return `${time}${record.node} ▶ started (incarnation ${record.incarnation})`;
    case "send": {
      const copies = record.copies > 1 ? ` (duplicated ×${record.copies})` : "";
      return `${time}${record.from} → ${record.to}  ${describeMessage(record.message)}${copies}`;
    }
    case "deliver":
      return `${time}${record.from} ⇒ ${record.to}  ${describeMessage(record.message)}  ` +
        `(after ${(record.t - record.sentAt).toFixed(3)} ms${
          record.copy > 0 ? ", duplicate" : ""
        })`;
    case "drop":
      return `${time}${record.from} ✕ ${record.to}  ${describeMessage(record.message)}  ` +
        `dropped: ${record.reason}`;
    case "timer":
      return `${time}${record.node} ◷ ${record.name}`;
    case "crash":
      return `${time}${record.node} ✖ crashed`;
    case "restart":
      return `${time}${record.node} ↻ restarted (incarnation ${record.incarnation})`;
    case "pause":
      return `${time}${record.node} ‖ paused`;
    case "resume":
      return `${time}${record.node} ▷ resumed`;
    case "partition":
      return `${time}partition: ${record.description}`;
    case "heal":
      return `${time}network healed`;
    case "clock-jump":
      return `${time}${record.node} clock jumps ${
        record.deltaMs >= 0 ? "+" : ""
      }${record.deltaMs} ms`;
    case "note":
      return `${time}${record.node} ✎ ${record.text}${
        record.data === undefined ? "" : " " + compactFields(record.data)
      }`;
  }
}

/**
 * A message in one line: its type, then its other fields compactly.
 *
 * @example
 * ```ts
 * const vote = { type: "RequestVote", term: 3, candidate: "n2" };
 * describeMessage(vote);
 * // "RequestVote term=3 candidate=n2"
 * ```
 */
export function describeMessage(message: Message, maxLength = 80): string {
  const { type, ...fields } = message as Message & Record<string, unknown>;
  const rest = compactFields(fields);
  const text = rest === "" ? type : `${type} ${rest}`;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** Describes a timer payload: a string as itself, an object by its `type`, else JSON. */
export function describePayload(payload: unknown): string {
  if (typeof payload === "string") return payload;
  if (payload !== null && typeof payload === "object" && "type" in payload) {
    return describeMessage(payload as Message);
  }
  return compactValue(payload);
}

function compactFields(fields: Readonly<Record<string, unknown>>): string {
  return Object.entries(fields).map(([key, value]) => `${key}=${compactValue(value)}`).join(" ");
}

function compactValue(value: unknown): string {
  if (typeof value === "string") return /^[\w.:-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  } catch {
    return String(value);
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
