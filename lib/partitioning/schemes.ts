/**
 * Hash partitioning schemes behind one interface: a key (a whole number) in, a node
 * (0..n-1) out. Consistent hashing on a ring, rendezvous hashing, jump consistent hash,
 * and plain `hash mod n`, the baseline that reshuffles almost every key when n changes.
 *
 * @module
 */
import { hash32, mix32, seededHash } from "./hash.ts";
import { jumpHash } from "./jump.ts";
import { HashRing } from "./ring.ts";

/** The hash partitioning schemes. */
export const SCHEMES = ["ring", "rendezvous", "jump", "modulo"] as const;

/** A hash partitioning scheme's name. */
export type Scheme = (typeof SCHEMES)[number];

/** Maps keys to nodes. */
export interface Partitioner {
  /** The scheme's name. */
  readonly scheme: Scheme;
  /** Nodes, numbered 0..nodes-1. */
  readonly nodes: number;
  /** The node that owns `key` (a whole number, taken modulo 2^32). */
  owner(key: number): number;
}

/** Options of {@link createPartitioner}. */
export interface PartitionerOptions {
  /** Tokens per node, for the ring. Default 1. */
  readonly vnodes?: number;
  /** Seed of every hash. Default 0. */
  readonly seed?: number;
}

/**
 * A partitioner of `scheme` over `nodes` nodes. Node i's tokens and scores depend only
 * on i and the seed, so the partitioner for n+1 nodes agrees with the one for n nodes
 * on every key that does not move to node n.
 *
 * @example
 * ```ts
 * const before = createPartitioner("jump", 10, { seed: 1 });
 * const after = createPartitioner("jump", 11, { seed: 1 });
 * before.owner(7) === after.owner(7) || after.owner(7) === 10; // true for every key
 * ```
 */
export function createPartitioner(
  scheme: Scheme,
  nodes: number,
  options: PartitionerOptions = {},
): Partitioner {
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new RangeError(
      `Cannot partition keys: nodes must be a whole number at least 1, got ${nodes}`,
    );
  }
  const seed = options.seed ?? 0;
  switch (scheme) {
    case "ring":
      return ringPartitioner(new HashRing(nodes, { vnodes: options.vnodes ?? 1, seed }));
    case "rendezvous": {
      const salts = rendezvousSalts(nodes, seed);
      const hash = seededHash(seed);
      return { scheme, nodes, owner: (key) => rendezvousOwner(hash(key), salts) };
    }
    case "jump": {
      const hashHigh = seededHash(seed ^ 0x1b873593), hashLow = seededHash(seed);
      return { scheme, nodes, owner: (key) => jumpHash(hashHigh(key), hashLow(key), nodes) };
    }
    case "modulo": {
      const hash = seededHash(seed);
      return { scheme, nodes, owner: (key) => hash(key) % nodes };
    }
    default:
      throw new RangeError(
        `Cannot partition keys: unknown scheme ${JSON.stringify(scheme)}; ` +
          `known schemes are ${SCHEMES.join(", ")}`,
      );
  }
}

/**
 * The ring partitioner over an existing ring: key k goes to the owner of hash32(k, seed)
 * with the ring's seed.
 *
 * @example
 * ```ts
 * import { HashRing } from "./ring.ts";
 *
 * ringPartitioner(new HashRing(10, { vnodes: 50, seed: 3 })).owner(42); // a node in [0, 10)
 * ```
 */
export function ringPartitioner(ring: HashRing): Partitioner {
  const hash = seededHash(ring.seed);
  return { scheme: "ring", nodes: ring.nodes, owner: (key) => ring.owner(hash(key)) };
}

/** Each node's salt for rendezvous scores: a hash of its number and the seed. */
export function rendezvousSalts(nodes: number, seed: number): Uint32Array {
  const salts = new Uint32Array(nodes);
  for (let node = 0; node < nodes; node++) salts[node] = hash32(node, seed ^ 0x2545f491);
  return salts;
}

/**
 * The score of a key (by its hash) on a node (by its salt) in rendezvous hashing: a
 * pseudo-random 32-bit number. For each node it is a bijection of the key's hash, and
 * different salts make the nodes' scores look unrelated, so each node wins 1/n of keys.
 */
export function rendezvousScore(keyHash: number, salt: number): number {
  return mix32(keyHash ^ salt);
}

/**
 * Rendezvous, or highest random weight, hashing (Thaler and Ravishankar, 1998): every
 * node scores the key and the highest score wins (ties to the lower node). Removing a
 * node moves only its own keys, each to its second-highest scorer; adding one moves only
 * the keys it now wins. O(n) per key.
 *
 * @example
 * ```ts
 * import { hash32 } from "./hash.ts";
 *
 * rendezvousOwner(hash32(42, 1), rendezvousSalts(10, 1)); // a node in [0, 10)
 * ```
 */
export function rendezvousOwner(keyHash: number, salts: ArrayLike<number>): number {
  let best = 0, bestScore = -1;
  for (let node = 0; node < salts.length; node++) {
    const score = rendezvousScore(keyHash, salts[node] as number);
    if (score > bestScore) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
