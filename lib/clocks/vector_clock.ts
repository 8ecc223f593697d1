/**
 * Vector clocks (Fidge, 1988; Mattern, 1989): one counter per node, so that comparing two
 * timestamps tells exactly whether one event happened before the other or whether they
 * are concurrent. The price is a timestamp that grows with the number of nodes.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import type { CausalClock, CausalOrder } from "./causal_clock.ts";
import { readVarint, writeVarint } from "./encoding.ts";

/**
 * A vector timestamp: for each node, how many of its events are in the causal past of
 * (or are) the stamped event. Nodes with a count of 0 are left out, so `{}` is the
 * timestamp before anything happened and `{ n1: 2, n3: 1 }` reads "n1's first two events
 * and n3's first one".
 */
export type VectorTimestamp = Readonly<Record<NodeId, number>>;

/**
 * A node's vector clock (Fidge 1988, Mattern 1989). Rules:
 *
 * - every event of the node (local, send, receive) adds one to the node's own entry;
 * - a message carries the sender's vector; on receipt the node first takes the
 *   entrywise maximum of its vector and the message's (it now knows everything the
 *   sender knew), then counts the receipt.
 *
 * Timestamps returned are frozen snapshots: later events do not change them.
 *
 * @example
 * ```ts
 * const n1 = new VectorClock("n1"), n2 = new VectorClock("n2");
 * const sent = n1.send();          // { n1: 1 }
 * n2.tick();                       // { n2: 1 }
 * const got = n2.receive(sent);    // { n2: 2, n1: 1 }
 * compareVectors(sent, got);       // "before"
 * ```
 */
export class VectorClock implements CausalClock<VectorTimestamp> {
  /** The node this clock belongs to: the entry its events count. */
  readonly node: NodeId;
  readonly #entries = new Map<NodeId, number>();

  /** The clock of node `node`, starting at `initial` (default `{}`). */
  constructor(node: NodeId, initial: VectorTimestamp = {}) {
    if (typeof node !== "string" || node === "") {
      throw new TypeError("Cannot make a vector clock: node must be a non-empty node id");
    }
    this.node = node;
    checkVector(initial, "start a vector clock at");
    for (const [id, count] of Object.entries(initial)) if (count > 0) this.#entries.set(id, count);
  }

  /** The timestamp of the node's latest event, as a frozen snapshot. */
  get timestamp(): VectorTimestamp {
    return Object.freeze(Object.fromEntries(this.#entries));
  }

  /** The entry of node `id` (0 when absent). */
  get(id: NodeId): number {
    return this.#entries.get(id) ?? 0;
  }

  /** A local event: counts it in the node's own entry. */
  tick(): VectorTimestamp {
    this.#entries.set(this.node, this.get(this.node) + 1);
    return this.timestamp;
  }

  /** A send: counted like a local event; the result goes on the message. */
  send(): VectorTimestamp {
    return this.tick();
  }

  /**
   * Takes the entrywise maximum with `stamp` without counting an event: what the node
   * learns from a message, before the receipt itself is counted.
   */
  merge(stamp: VectorTimestamp): VectorTimestamp {
    checkVector(stamp, "merge");
    for (const [id, count] of Object.entries(stamp)) {
      if (count > this.get(id)) this.#entries.set(id, count);
    }
    return this.timestamp;
  }

  /** The receipt of a message stamped `stamp`: merge, then count the receipt. */
  receive(stamp: VectorTimestamp): VectorTimestamp {
    this.merge(stamp);
    return this.tick();
  }

  /** How the node's latest event compares with the event stamped `stamp`. */
  compare(stamp: VectorTimestamp): CausalOrder {
    return compareVectors(this.timestamp, stamp);
  }
}

/**
 * Compares two vector timestamps: "before" when every entry of `a` is at most `b`'s and
 * one is smaller, "after" for the reverse, "equal" when all entries match, and
 * "concurrent" when each has an entry larger than the other's. For timestamps of a
 * vector clock, "before" holds exactly when a's event happened before b's.
 *
 * @example
 * ```ts
 * compareVectors({ n1: 1 }, { n1: 1, n2: 1 }); // "before"
 * compareVectors({ n1: 2 }, { n2: 1 });        // "concurrent"
 * ```
 */
export function compareVectors(a: VectorTimestamp, b: VectorTimestamp): CausalOrder {
  checkVector(a, "compare");
  checkVector(b, "compare");
  let less = false, greater = false;
  for (const [id, count] of Object.entries(a)) {
    const other = b[id] ?? 0;
    if (count < other) less = true;
    else if (count > other) greater = true;
  }
  for (const [id, count] of Object.entries(b)) {
    if (!Object.hasOwn(a, id) && count > 0) less = true;
  }
  if (less && greater) return "concurrent";
  if (less) return "before";
  if (greater) return "after";
  return "equal";
}

/**
 * The entrywise maximum of two vector timestamps: everything either one knows.
 *
 * @example
 * ```ts
 * mergeVectors({ n1: 2, n2: 1 }, { n2: 3 }); // { n1: 2, n2: 3 }
 * ```
 */
export function mergeVectors(a: VectorTimestamp, b: VectorTimestamp): VectorTimestamp {
  checkVector(a, "merge");
  checkVector(b, "merge");
  const merged: Record<NodeId, number> = {};
  for (const [id, count] of Object.entries(a)) if (count > 0) merged[id] = count;
  for (const [id, count] of Object.entries(b)) {
    if (count > (merged[id] ?? 0)) merged[id] = count;
  }
  return Object.freeze(merged);
}

/**
 * A vector timestamp as text. With `nodeIds`, the dense form in that order, as the
 * course's diagrams print it: `[2,0,1]`; without, the sparse form `{n1:2, n3:1}`.
 *
 * @example
 * ```ts
 * formatVector({ n1: 2, n3: 1 }, ["n1", "n2", "n3"]); // "[2,0,1]"
 * formatVector({ n1: 2, n3: 1 });                     // "{n1:2, n3:1}"
 * ```
 */
export function formatVector(stamp: VectorTimestamp, nodeIds?: readonly NodeId[]): string {
  checkVector(stamp, "format");
  if (nodeIds === undefined) {
    const parts = Object.entries(stamp).filter(([, count]) => count > 0)
      .map(([id, count]) => `${id}:${count}`);
    return `{${parts.join(", ")}}`;
  }
  checkKnownNodes(stamp, nodeIds, "format");
  return `[${nodeIds.map((id) => stamp[id] ?? 0).join(",")}]`;
}

/**
 * A vector timestamp in compact binary form, for nodes that agree on the list of node
 * ids: the number of non-zero entries, then for each its node's index in `nodeIds` and
 * its count, all as varints. A timestamp that names every one of n nodes takes at least
 * 2n + 1 bytes: the cost of vector clocks grows with the cluster.
 *
 * @example
 * ```ts
 * encodeVector({ n1: 2, n3: 1 }, ["n1", "n2", "n3"]); // Uint8Array [2, 0, 2, 2, 1]
 * ```
 */
export function encodeVector(stamp: VectorTimestamp, nodeIds: readonly NodeId[]): Uint8Array {
  checkVector(stamp, "encode");
  checkKnownNodes(stamp, nodeIds, "encode");
  const entries = nodeIds.map((id, index) => [index, stamp[id] ?? 0] as const)
    .filter(([, count]) => count > 0);
  const out: number[] = [];
  writeVarint(out, entries.length);
  for (const [index, count] of entries) {
    writeVarint(out, index);
    writeVarint(out, count);
  }
  return Uint8Array.from(out);
}

/**
 * Reads a timestamp written by {@link encodeVector} with the same `nodeIds`.
 *
 * @example
 * ```ts
 * const ids = ["n1", "n2", "n3"];
 * decodeVector(encodeVector({ n2: 5 }, ids), ids); // { n2: 5 }
 * ```
 */
export function decodeVector(bytes: Uint8Array, nodeIds: readonly NodeId[]): VectorTimestamp {
  let [count, at] = readVarint(bytes, 0);
  const stamp: Record<NodeId, number> = {};
  for (let i = 0; i < count; i++) {
    let index: number, value: number;
    [index, at] = readVarint(bytes, at);
    [value, at] = readVarint(bytes, at);
    const id = nodeIds[index];
    if (id === undefined) {
      throw new RangeError(
        `Cannot decode a vector timestamp: node index ${index} is not among the ${nodeIds.length} node ids`,
      );
    }
    stamp[id] = value;
  }
  if (at !== bytes.length) {
    throw new RangeError(
      `Cannot decode a vector timestamp: ${
        bytes.length - at
      } bytes left over after ${count} entries`,
    );
  }
  return Object.freeze(stamp);
}

function checkVector(stamp: unknown, action: string): void {
  if (stamp === null || typeof stamp !== "object" || Array.isArray(stamp)) {
    throw new TypeError(
      `Cannot ${action} a vector timestamp: expected an object of counts per node, got ${
        stamp === null ? "null" : Array.isArray(stamp) ? "an array" : typeof stamp
      }`,
    );
  }
  for (const [id, count] of Object.entries(stamp)) {
    if (!Number.isSafeInteger(count) || (count as number) < 0) {
      throw new RangeError(
        `Cannot ${action} a vector timestamp: the entry of ${id} must be a whole number at least 0, got ${
          String(count)
        }`,
      );
    }
  }
}

function checkKnownNodes(
  stamp: VectorTimestamp,
  nodeIds: readonly NodeId[],
  action: string,
): void {
  for (const [id, count] of Object.entries(stamp)) {
    if (count > 0 && !nodeIds.includes(id)) {
      throw new RangeError(
        `Cannot ${action} a vector timestamp: it counts events of ${id}, which is not among the node ids (${
          nodeIds.join(", ")
        })`,
      );
    }
  }
}
