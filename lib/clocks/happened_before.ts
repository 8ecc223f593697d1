/**
 * The ground truth of causality: Lamport's happened-before relation over the events of a
 * trace, computed from what the simulator recorded (each node's events in order, and
 * which delivery belongs to which send), never from any clock. Every clock in this folder
 * is checked against it.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { Trace, TraceRecord } from "../sim/trace.ts";
import type { CausalOrder } from "./causal_clock.ts";

/** What kind of event: a send, a receipt (a delivery of a message copy), or a local event. */
export type CausalEventKind = "send" | "receive" | "local";

/** One event of the happened-before relation. */
export interface CausalEvent {
  /** Position in {@link HappenedBefore.events}: the order of the trace. */
  readonly index: number;
  /** The node the event happened on. */
  readonly node: NodeId;
  /** Position among the node's own events, from 0. */
  readonly position: number;
  /** Send, receive or local. */
  readonly kind: CausalEventKind;
  /** True (simulated) time of the event, in ms. */
  readonly t: number;
  /** Index of the event's record in the trace's records. */
  readonly recordIndex: number;
  /** The message's id, for sends and receipts. */
  readonly msgId: number | undefined;
  /** The other end: the destination of a send, the sender of a receipt. */
  readonly peer: NodeId | undefined;
  /** The message's type, or the note's text for a local event. */
  readonly what: string;
  /** A short description ("n2 receive ping from n1"). */
  readonly label: string;
}

/** Options of {@link happenedBefore}. */
export interface HappenedBeforeOptions {
  /**
   * Count notes (`ctx.log`) as local events. Default true. Turn it off when nodes log
   * for the reader's sake and only messages matter.
   */
  readonly notes?: boolean;
}

/** Counts of event pairs by how the truth orders them. */
export interface CausalSummary {
  /** Events. */
  readonly events: number;
  /** Unordered pairs of distinct events: events × (events − 1) / 2. */
  readonly pairs: number;
  /** Pairs where one event happened before the other. */
  readonly ordered: number;
  /** Pairs where neither did. */
  readonly concurrent: number;
}

/**
 * Lamport's happened-before relation (1978) over the events of one run. The events are:
 *
 * - a **send** for every `send` record (one event however many copies the network made);
 * - a **receive** for every `deliver` record (a duplicated message is received twice;
 *   a dropped copy is never received);
 * - a **local** event for every `note` record (unless `notes` is off).
 *
 * Timers, starts, crashes and other records are not events. Event a happened before
 * event b (a → b) when a comes before b on the same node (in the order the simulator
 * ran them, across restarts too: a node is one process), or a is the send of a message
 * whose receipt is b, or a → c → b for some event c.
 *
 * Each event keeps its causal past as one count per node: how many of that node's events
 * happened before it (or are it). The past of an event is closed under "earlier on the
 * same node", so the count says exactly which events it holds, and a → b is one lookup.
 */
export class HappenedBefore {
  /** Every event, in trace order (a valid order: causes always come first). */
  readonly events: readonly CausalEvent[];
  /** The nodes, in order of their first event. */
  readonly nodes: readonly NodeId[];
  readonly #nodeIndex: ReadonlyMap<NodeId, number>;
  readonly #byNode: readonly (readonly CausalEvent[])[];
  /** Row `e` holds, per node, how many of its events are in the past of e (e included). */
  readonly #past: readonly Int32Array[];
  readonly #sendOf: ReadonlyMap<number, number>;

  /** Builds the relation; use {@link happenedBefore} to read it from a trace. */
  constructor(
    events: readonly CausalEvent[],
    nodes: readonly NodeId[],
    sendOfReceive: ReadonlyMap<number, number>,
  ) {
    this.events = events;
    this.nodes = nodes;
    this.#nodeIndex = new Map(nodes.map((id, i) => [id, i]));
    const byNode: CausalEvent[][] = nodes.map(() => []);
    const past: Int32Array[] = [];
    for (const event of events) {
      const n = this.#nodeIndex.get(event.node);
      if (n === undefined) {
        throw new RangeError(`Cannot order event ${event.index}: node ${event.node} is not listed`);
      }
      const lane = byNode[n] as CausalEvent[];
      if (event.position !== lane.length) {
        throw new RangeError(
          `Cannot order event ${event.index}: it is at position ${event.position} of ${event.node}, expected ${lane.length}`,
        );
      }
      const previous = lane.at(-1);
      const row = previous === undefined
        ? new Int32Array(nodes.length)
        : Int32Array.from(past[previous.index] as Int32Array);
      const send = sendOfReceive.get(event.index);
      if (send !== undefined) {
        if (send >= event.index) {
          throw new RangeError(
            `Cannot order event ${event.index}: its send (event ${send}) does not come first`,
          );
        }
        const sent = past[send] as Int32Array;
        for (let k = 0; k < row.length; k++) {
          if ((sent[k] as number) > (row[k] as number)) row[k] = sent[k] as number;
        }
      }
      row[n] = event.position + 1;
      past.push(row);
      lane.push(event);
    }
    this.#byNode = byNode;
    this.#past = past;
    this.#sendOf = sendOfReceive;
  }

  /** The events of node `id`, in order. */
  eventsOf(id: NodeId): readonly CausalEvent[] {
    const n = this.#nodeIndex.get(id);
    if (n === undefined) {
      throw new RangeError(
        `Cannot list the events of ${id}: it has none (nodes: ${this.nodes.join(", ")})`,
      );
    }
    return this.#byNode[n] as readonly CausalEvent[];
  }

  /** Whether event `a` happened before event `b` (a → b). An event is not before itself. */
  before(a: number | CausalEvent, b: number | CausalEvent): boolean {
    const ea = this.#event(a), eb = this.#event(b);
    if (ea.index === eb.index) return false;
    const n = this.#nodeIndex.get(ea.node) as number;
    return ((this.#past[eb.index] as Int32Array)[n] as number) > ea.position;
  }

  /** Whether neither of two distinct events happened before the other. */
  concurrent(a: number | CausalEvent, b: number | CausalEvent): boolean {
    return this.relation(a, b) === "concurrent";
  }

  /**
   * How event `a` relates to event `b`: "before" (a → b), "after" (b → a), "equal"
   * (the same event) or "concurrent".
   */
  relation(a: number | CausalEvent, b: number | CausalEvent): CausalOrder {
    const ea = this.#event(a), eb = this.#event(b);
    if (ea.index === eb.index) return "equal";
    if (this.before(ea, eb)) return "before";
    if (this.before(eb, ea)) return "after";
    return "concurrent";
  }

  /**
   * The causal past of an event as counts per node, in the order of
   * {@link HappenedBefore.nodes}: entry k is how many of node k's events happened before
   * it, or are it. (It is the event's vector timestamp, as an observer who saw the whole
   * trace would compute it.)
   */
  pastCounts(e: number | CausalEvent): readonly number[] {
    return [...(this.#past[this.#event(e).index] as Int32Array)];
  }

  /** The send event of a receive event, or undefined for other events. */
  sendOf(e: number | CausalEvent): CausalEvent | undefined {
    const send = this.#sendOf.get(this.#event(e).index);
    return send === undefined ? undefined : this.events[send];
  }

  /** How many pairs of events are ordered, and how many are concurrent. */
  summary(): CausalSummary {
    const n = this.events.length;
    let ordered = 0;
    // Each event's past, minus itself, counts the pairs in which it is the later event.
    for (const row of this.#past) {
      for (const count of row) ordered += count;
      ordered -= 1;
    }
    const pairs = n * (n - 1) / 2;
    return { events: n, pairs, ordered, concurrent: pairs - ordered };
  }

  #event(e: number | CausalEvent): CausalEvent {
    const index = typeof e === "number" ? e : e.index;
    const event = this.events[index];
    if (event === undefined || (typeof e !== "number" && event !== e)) {
      throw new RangeError(
        `Cannot find event ${index}: there are ${this.events.length} events in this relation`,
      );
    }
    return event;
  }
}

/**
 * The happened-before relation of a run, read from its trace: sends, receipts and (unless
 * `notes` is false) notes are the events; per-node order and send → receive pairs, matched
 * by message id, are the edges. Throws a RangeError when a delivery's send is missing (a
 * trace excerpt), since the truth would then be incomplete.
 *
 * @example
 * ```ts
 * import { runCausalScript } from "./causal_trace.ts";
 * import { LamportClock } from "./lamport_clock.ts";
 *
 * const run = runCausalScript(
 *   { nodes: 2, actions: [{ node: 0, atMs: 0, kind: "local" }, { node: 0, atMs: 5, kind: "send", to: 1 }] },
 *   { lamport: () => new LamportClock() },
 * );
 * const truth = happenedBefore(run.simulation.trace);
 * const [first, second] = truth.eventsOf("n1");
 * truth.before(first!, second!); // true: same node, in order
 * truth.summary();               // { events: 3, pairs: 3, ordered: 3, concurrent: 0 }
 * ```
 */
export function happenedBefore(
  trace: Trace | readonly TraceRecord[],
  options: HappenedBeforeOptions = {},
): HappenedBefore {
  const list: unknown = Array.isArray(trace)
    ? trace
    : (trace as { records?: unknown } | null | undefined)?.records;
  if (!Array.isArray(list)) {
    throw new TypeError("Cannot compute happened-before: expected a Trace or an array of records");
  }
  const records = list as readonly TraceRecord[];
  const notes = options.notes ?? true;
  const events: CausalEvent[] = [];
  const nodes: NodeId[] = [];
  const counts = new Map<NodeId, number>();
  const sends = new Map<number, number>();
  const sendOfReceive = new Map<number, number>();
  const add = (
    record: TraceRecord,
    recordIndex: number,
    node: NodeId,
    kind: CausalEventKind,
    fields: { msgId?: number; peer?: NodeId; what: string },
  ): CausalEvent => {
    let position = counts.get(node);
    if (position === undefined) {
      position = 0;
      nodes.push(node);
    }
    counts.set(node, position + 1);
    const label = kind === "send"
      ? `${node} send ${fields.what} to ${fields.peer}`
      : kind === "receive"
      ? `${node} receive ${fields.what} from ${fields.peer}`
      : `${node} ${fields.what}`;
    const event: CausalEvent = {
      index: events.length,
      node,
      position,
      kind,
      t: record.t,
      recordIndex,
      msgId: fields.msgId,
      peer: fields.peer,
      what: fields.what,
      label,
    };
    events.push(event);
    return event;
  };
  records.forEach((record, recordIndex) => {
    switch (record.kind) {
      case "send": {
        const event = add(record, recordIndex, record.from, "send", {
          msgId: record.msgId,
          peer: record.to,
          what: record.type,
        });
        sends.set(record.msgId, event.index);
        return;
      }
      case "deliver": {
        const send = sends.get(record.msgId);
        if (send === undefined) {
          throw new RangeError(
            `Cannot compute happened-before: message ${record.msgId} (${record.type}, ${record.from} → ${record.to}) ` +
              `was delivered at ${record.t} ms but its send is not in the trace`,
          );
        }
        const event = add(record, recordIndex, record.to, "receive", {
          msgId: record.msgId,
          peer: record.from,
          what: record.type,
        });
        sendOfReceive.set(event.index, send);
        return;
      }
      case "note":
        if (notes) add(record, recordIndex, record.node, "local", { what: record.text });
        return;
      default:
        return;
    }
  });
  return new HappenedBefore(events, nodes, sendOfReceive);
}
