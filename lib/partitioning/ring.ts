/**
 * Consistent hashing on a ring (Karger et al., 1997) with virtual nodes: each node owns
 * `vnodes` pseudo-random points ("tokens") on the ring [0, 2^32), and a key belongs to
 * the node of the first token at or after the key's hash, wrapping around. A node that
 * joins takes over only the arcs just before its own tokens; a node that leaves hands
 * its arcs to the next tokens. With k tokens per node, the standard deviation of a
 * node's share over its mean is about 1/√k.
 *
 * @module
 */
import { hash32, HASH_SPACE, mix32 } from "./hash.ts";

/** Tokens are packed as position · 2^20 + node, so one numeric sort orders them. */
const NODE_BITS = 1048576;
/** The ring is cut into 2^16 slices of 2^16 positions for fast lookups. */
const SLICES = 65536;
const SLICE_WIDTH = 65536;
/** Most nodes a ring can hold (node indices must fit the packing). */
export const MAX_RING_NODES: number = NODE_BITS;

/** Options of {@link HashRing}. */
export interface HashRingOptions {
  /** Tokens (virtual nodes) per node, k. Default 1. */
  readonly vnodes?: number;
  /** Seed of the token positions. Default 0. */
  readonly seed?: number;
}

/**
 * The position of token `vnode` of node `node` on the ring, in [0, 2^32). It depends
 * only on the node, the token number and the seed, never on how many nodes there are:
 * that is what makes adding a node leave every other token where it was.
 *
 * @example
 * ```ts
 * tokenPosition(3, 0, 1) === tokenPosition(3, 0, 1); // true
 * ```
 */
export function tokenPosition(node: number, vnode: number, seed: number): number {
  const salt = hash32(node, seed);
  return mix32((Math.imul(vnode + 1, 0x9e3779b9) ^ salt) + mix32(salt ^ 0x5bd1e995));
}

/**
 * A consistent-hash ring over nodes 0..n-1, each with `vnodes` tokens.
 *
 * @example
 * ```ts
 * import { hash32 } from "./hash.ts";
 *
 * const ring = new HashRing(100, { vnodes: 100, seed: 1 });
 * ring.owner(hash32(42, 1)); // the node of key 42, in [0, 100)
 * ```
 */
export class HashRing {
  /** Nodes on the ring, numbered 0..nodes-1. */
  readonly nodes: number;
  /** Tokens per node. */
  readonly vnodes: number;
  /** Seed of the token positions. */
  readonly seed: number;
  /** Every token, sorted by position: position · 2^20 + node. */
  readonly #packed: Float64Array;
  /**
   * For each of the 2^16 slices of the ring (by the top 16 bits of a position), the index
   * of its first token at or after the slice's start: a lookup searches only its slice,
   * a few tokens, instead of the whole sorted array.
   */
  readonly #slices: Int32Array;

  /** Places `nodes` nodes with `vnodes` tokens each. */
  constructor(nodes: number, options: HashRingOptions = {}) {
    const vnodes = options.vnodes ?? 1;
    const seed = options.seed ?? 0;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_RING_NODES) {
      throw new RangeError(
        `Cannot build a ring: nodes must be a whole number from 1 to ${MAX_RING_NODES}, got ${nodes}`,
      );
    }
    if (!Number.isInteger(vnodes) || vnodes < 1) {
      throw new RangeError(
        `Cannot build a ring: vnodes must be a whole number at least 1, got ${vnodes}`,
      );
    }
    this.nodes = nodes;
    this.vnodes = vnodes;
    this.seed = seed;
    const packed = new Float64Array(nodes * vnodes);
    let i = 0;
    for (let node = 0; node < nodes; node++) {
      for (let v = 0; v < vnodes; v++) {
        packed[i++] = tokenPosition(node, v, seed) * NODE_BITS + node;
      }
    }
    // Equal positions (rare in 2^32) fall back to the node number: still deterministic.
    packed.sort();
    this.#packed = packed;
    const slices = new Int32Array(SLICES + 1);
    let token = 0;
    for (let slice = 0; slice <= SLICES; slice++) {
      const start = slice * SLICE_WIDTH * NODE_BITS;
      while (token < packed.length && (packed[token] as number) < start) token++;
      slices[slice] = token;
    }
    this.#slices = slices;
  }

  /** How many tokens the ring holds (nodes × vnodes). */
  get size(): number {
    return this.#packed.length;
  }

  /** Token `index` in ring order: its position and its node. */
  token(index: number): { readonly position: number; readonly node: number } {
    const packed = this.#packed[index];
    if (packed === undefined) {
      throw new RangeError(`Cannot read token ${index}: the ring has ${this.size} tokens`);
    }
    const position = Math.floor(packed / NODE_BITS);
    return { position, node: packed - position * NODE_BITS };
  }

  /**
   * Index of the first token at or after `position` (wrapping to 0): a binary search
   * within the position's slice of the ring.
   */
  successorIndex(position: number): number {
    const packed = this.#packed;
    const target = position * NODE_BITS;
    const slice = Math.floor(position / SLICE_WIDTH);
    let lo = this.#slices[slice] as number, hi = this.#slices[slice + 1] as number;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((packed[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo === packed.length ? 0 : lo;
  }

  /** The node owning ring position `position` (a key's 32-bit hash). */
  owner(position: number): number {
    const packed = this.#packed[this.successorIndex(position)] as number;
    return packed % NODE_BITS;
  }

  /**
   * The first `count` distinct nodes met walking clockwise from `position`: a key's
   * preference list (Dynamo's replicas). Shorter when the ring has fewer nodes.
   */
  preferenceList(position: number, count: number): number[] {
    const packed = this.#packed;
    const found: number[] = [];
    const start = this.successorIndex(position);
    for (let step = 0; step < packed.length && found.length < count; step++) {
      const node = (packed[(start + step) % packed.length] as number) % NODE_BITS;
      if (!found.includes(node)) found.push(node);
    }
    return found;
  }

  /**
   * Each node's share of the ring: the total length of the arcs ending at its tokens, as
   * a fraction of the ring (the shares sum to 1). This is the fraction of uniformly
   * hashed keys a node receives on average.
   */
  arcShares(): Float64Array {
    const shares = new Float64Array(this.nodes);
    const packed = this.#packed;
    let previous = Math.floor((packed[packed.length - 1] as number) / NODE_BITS) - HASH_SPACE;
    for (let i = 0; i < packed.length; i++) {
      const value = packed[i] as number;
      const position = Math.floor(value / NODE_BITS);
      shares[value % NODE_BITS]! += (position - previous) / HASH_SPACE;
      previous = position;
    }
    return shares;
  }
}

/**
 * The node owning `position`, found by scanning every token: the naive twin of
 * {@link HashRing.owner}, for differential tests and for reading. O(tokens) per lookup.
 *
 * @example
 * ```ts
 * ringOwnerByScan(100, 10, 1, 12345) === new HashRing(100, { vnodes: 10, seed: 1 }).owner(12345);
 * ```
 */
export function ringOwnerByScan(
  nodes: number,
  vnodes: number,
  seed: number,
  position: number,
): number {
  // The owner is the token with the smallest clockwise distance from the key (0 counts).
  let best = -1, bestDistance = Infinity;
  for (let node = 0; node < nodes; node++) {
    for (let v = 0; v < vnodes; v++) {
      const token = tokenPosition(node, v, seed);
      const distance = token >= position ? token - position : token - position + HASH_SPACE;
      if (distance < bestDistance || (distance === bestDistance && node < best)) {
        best = node;
        bestDistance = distance;
      }
    }
  }
  return best;
}
