/**
 * Merkle trees over a replica's keys, for anti-entropy: two replicas compare root hashes,
 * descend only into subtrees whose hashes differ, and exchange the keys of the leaf
 * buckets that differ. Repairing k divergent keys then costs about k paths of hashes plus
 * those buckets, instead of every key.
 *
 * @module
 */
import { hashString } from "../sim/random.ts";
import type { Versioned } from "./versions.ts";

/** Bytes of one hash on the wire (the trees use 32-bit hashes). */
export const HASH_BYTES = 4;
/** Bytes of a tree node's index on the wire. */
export const INDEX_BYTES = 4;
/** Bytes of a message's fixed header (type, session, level), as the accounting charges it. */
export const HEADER_BYTES = 16;

/** The leaf bucket of a key in a tree of depth `depth` (2^depth leaves). */
export function bucketOf(key: string, depth: number): number {
  return hashString(key) & ((1 << depth) - 1);
}

/** The bytes one key's entry takes on the wire: the key, then each sibling's value and version. */
export function entryBytes(key: string, siblings: readonly Versioned[]): number {
  let bytes = key.length + 4;
  for (const s of siblings) {
    bytes += 8 + s.writer.length + String(s.value).length;
    for (const id of Object.keys(s.vv)) bytes += id.length + 4;
  }
  return bytes;
}

/**
 * A Merkle tree of depth `depth` over key → siblings: leaf i hashes the keys of bucket i
 * in key order, with their versions; each inner node hashes its two children. Level 0 is
 * the root; the nodes of level l are numbered 0 to 2^l - 1, and node i's children are
 * 2i and 2i + 1 of level l + 1.
 *
 * @example
 * ```ts
 * import type { Versioned } from "./versions.ts";
 *
 * const v1: Versioned = { value: 1, ts: 1, writer: "a", vv: { a: 1 } };
 * const v2: Versioned = { value: 2, ts: 2, writer: "b", vv: { b: 1 } };
 * const a = new MerkleTree(new Map([["x", [v1]]]), 4);
 * const b = new MerkleTree(new Map([["x", [v2]]]), 4);
 * a.hash(0, 0) === b.hash(0, 0); // false: the roots differ
 * ```
 */
export class MerkleTree {
  /** The tree's depth: leaves are at this level. */
  readonly depth: number;
  readonly #levels: Uint32Array[];
  readonly #buckets: Map<number, string[]>;

  /** Builds the tree of `entries` (key → siblings). */
  constructor(entries: ReadonlyMap<string, readonly Versioned[]>, depth: number) {
    if (!Number.isInteger(depth) || depth < 0 || depth > 20) {
      throw new RangeError(`Cannot build a Merkle tree: depth must be 0 to 20, got ${depth}`);
    }
    this.depth = depth;
    this.#buckets = new Map();
    for (const key of [...entries.keys()].sort()) {
      const bucket = bucketOf(key, depth);
      let list = this.#buckets.get(bucket);
      if (list === undefined) this.#buckets.set(bucket, list = []);
      list.push(key);
    }
    const leaves = new Uint32Array(1 << depth);
    for (const [bucket, keys] of this.#buckets) {
      let text = "";
      for (const key of keys) {
        text += key + "=";
        for (const s of entries.get(key)!) text += `${s.ts}:${s.writer}:${s.value};`;
        text += "|";
      }
      leaves[bucket] = hashString(text);
    }
    this.#levels = [leaves];
    for (let level = depth - 1; level >= 0; level--) {
      const below = this.#levels[0]!;
      const nodes = new Uint32Array(1 << level);
      for (let i = 0; i < nodes.length; i++) {
        const left = below[2 * i]!, right = below[2 * i + 1]!;
        // An empty subtree hashes to 0 on both sides, whatever its shape.
        nodes[i] = left === 0 && right === 0 ? 0 : hashString(`${left},${right}`);
      }
      this.#levels.unshift(nodes);
    }
  }

  /** The hash of node `index` of `level` (0 for an empty subtree). */
  hash(level: number, index: number): number {
    return this.#levels[level]![index]!;
  }

  /** The keys in leaf bucket `bucket`, sorted. */
  keysIn(bucket: number): readonly string[] {
    return this.#buckets.get(bucket) ?? [];
  }
}

/** What {@link merkleReconcileCost} found. */
export interface MerkleCost {
  /** Bytes both sides sent in all: hashes while descending, then the differing buckets. */
  readonly merkleBytes: number;
  /** Bytes to send every key of one side to the other (the naive exchange). */
  readonly fullBytes: number;
  /** Messages exchanged (one per tree level visited, then the buckets both ways). */
  readonly messages: number;
  /** Leaf buckets found different. */
  readonly differingBuckets: number;
  /** Keys whose entries were sent (both ways). */
  readonly keysSent: number;
}

/**
 * The bytes of the anti-entropy exchange between two replicas, step by step as the
 * replicas' protocol runs it: A sends its root; at each level the receiver answers with
 * its hashes of the children of every node that differed; at the leaves, each side sends
 * the entries of the differing buckets. Compared with sending one side's every entry.
 *
 * @example
 * ```ts
 * import type { Versioned } from "./versions.ts";
 *
 * const v1: Versioned = { value: 1, ts: 1, writer: "a", vv: { a: 1 } };
 * const v2: Versioned = { value: 2, ts: 2, writer: "b", vv: { b: 1 } };
 * const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
 * const a = new Map(keys.map((key) => [key, [v1]]));
 * const b = new Map(keys.map((key) => [key, [key === "k7" ? v2 : v1]]));
 * merkleReconcileCost(a, b, 8).merkleBytes; // far below .fullBytes when few keys differ
 * ```
 */
export function merkleReconcileCost(
  a: ReadonlyMap<string, readonly Versioned[]>,
  b: ReadonlyMap<string, readonly Versioned[]>,
  depth: number,
): MerkleCost {
  const treeA = new MerkleTree(a, depth), treeB = new MerkleTree(b, depth);
  let bytes = HEADER_BYTES + INDEX_BYTES + HASH_BYTES, messages = 1;
  let differing = treeA.hash(0, 0) === treeB.hash(0, 0) ? [] : [0];
  for (let level = 1; level <= depth && differing.length > 0; level++) {
    const children = differing.flatMap((i) => [2 * i, 2 * i + 1]);
    bytes += HEADER_BYTES + children.length * (INDEX_BYTES + HASH_BYTES);
    messages++;
    differing = children.filter((i) => treeA.hash(level, i) !== treeB.hash(level, i));
  }
  let keysSent = 0;
  if (differing.length > 0) {
    for (const [tree, entries] of [[treeA, a], [treeB, b]] as const) {
      bytes += HEADER_BYTES + differing.length * INDEX_BYTES;
      messages++;
      for (const bucket of differing) {
        for (const key of tree.keysIn(bucket)) {
          bytes += entryBytes(key, entries.get(key)!);
          keysSent++;
        }
      }
    }
  }
  let fullBytes = HEADER_BYTES;
  for (const [key, siblings] of a) fullBytes += entryBytes(key, siblings);
  return {
    merkleBytes: bytes,
    fullBytes,
    messages,
    differingBuckets: differing.length,
    keysSent,
  };
}
