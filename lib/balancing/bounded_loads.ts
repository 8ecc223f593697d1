/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, SODA 2018):
 * requests go to their key's server on a consistent-hash ring, as for a cache, except
 * that no server takes more than ⌈(1 + ε) · m / n⌉ of the m requests in flight; a request
 * whose server is full walks clockwise to the next server with room. It joins the two
 * chapters: partitioning keeps a key on its home server (cache locality), load balancing
 * caps the hottest server, and ε trades one for the other.
 *
 * @module
 */
import { HashRing } from "../partitioning/ring.ts";
import { hash32 } from "../partitioning/hash.ts";
import { ZipfSampler } from "../partitioning/zipf.ts";
import { Random } from "../sim/random.ts";

/** Options of {@link boundedLoadRing}. */
export interface BoundedLoadOptions {
  /** Servers on the ring. Default 20. */
  readonly servers?: number;
  /** Tokens per server. Default 100. */
  readonly vnodes?: number;
  /** Requests in flight at once, m. Default 2000. */
  readonly requests?: number;
  /** Distinct keys the requests ask for (Zipf popularity). Default 10,000. */
  readonly keys?: number;
  /** Zipf exponent of key popularity (0: uniform). Default 1. */
  readonly skew?: number;
  /** Slack ε: capacity is ⌈(1 + ε) m / n⌉. Infinity: plain consistent hashing. Default 0.25. */
  readonly epsilon?: number;
  /** Seed of the ring and of the requests. Default 1. */
  readonly seed?: number;
}

/** What {@link boundedLoadRing} found. */
export interface BoundedLoadResult {
  /** Requests per server. */
  readonly loads: Int32Array;
  /** Each server's capacity (Infinity without a bound). */
  readonly capacity: number;
  /** The busiest server's load over the mean. */
  readonly maxOverMean: number;
  /** Fraction of requests served by their key's own server: the cache-hit proxy. */
  readonly homeFraction: number;
  /** Mean servers tried per request (1 when nothing is full). */
  readonly meanProbes: number;
}

/**
 * Places `requests` concurrent requests for Zipf-popular keys on a ring with bounded
 * loads.
 *
 * @example
 * ```ts
 * boundedLoadRing({ epsilon: Infinity }).maxOverMean; // large: the hottest key's server
 * boundedLoadRing({ epsilon: 0.25 }).maxOverMean; // at most 1.25
 * ```
 */
export function boundedLoadRing(options: BoundedLoadOptions = {}): BoundedLoadResult {
  const servers = options.servers ?? 20;
  const requests = options.requests ?? 2000;
  const epsilon = options.epsilon ?? 0.25;
  const seed = options.seed ?? 1;
  if (!(epsilon >= 0)) {
    throw new RangeError(`Cannot bound loads: epsilon must be at least 0, got ${epsilon}`);
  }
  const ring = new HashRing(servers, { vnodes: options.vnodes ?? 100, seed });
  const zipf = new ZipfSampler(options.keys ?? 10_000, options.skew ?? 1);
  const random = new Random(seed, "bounded-loads");
  const capacity = Number.isFinite(epsilon)
    ? Math.ceil(((1 + epsilon) * requests) / servers)
    : Infinity;
  const loads = new Int32Array(servers);
  let home = 0, probes = 0;
  for (let r = 0; r < requests; r++) {
    const key = zipf.sample(random);
    let index = ring.successorIndex(hash32(key, seed));
    let server = ring.token(index).node;
    probes++;
    if (loads[server]! < capacity) {
      home++;
    } else {
      // Capacity exceeds m/n, so some server has room and the walk ends within one lap.
      while (loads[server]! >= capacity) {
        index = (index + 1) % ring.size;
        server = ring.token(index).node;
        probes++;
      }
    }
    loads[server]!++;
  }
  let max = 0;
  for (const load of loads) max = Math.max(max, load);
  return {
    loads,
    capacity,
    maxOverMean: max / (requests / servers),
    homeFraction: home / requests,
    meanProbes: probes / requests,
  };
}
