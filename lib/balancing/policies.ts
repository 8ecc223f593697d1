/**
 * Load-balancing policies: how a balancer picks the server for the next request. Each
 * policy sees a view of the servers' queue lengths (requests in system), which may be
 * stale, and its own random stream.
 *
 * @module
 */
import type { Random } from "../sim/random.ts";

/** The policies of the `load-balancer` experiment. */
export const POLICIES = [
  "round-robin",
  "weighted-round-robin",
  "least-connections",
  "random",
  "p2c",
  "jsq",
] as const;

/** A policy's name. */
export type PolicyName = (typeof POLICIES)[number];

/**
 * A policy: given the queue lengths it can see (`view[i]` for server i) and a random
 * stream, return the index of the server for the next request. It may keep state
 * between calls (round robin does).
 */
export type ChoosePolicy = (view: ArrayLike<number>, random: Random) => number;

/** Options of {@link createPolicy}. */
export interface PolicyOptions {
  /** Servers sampled by `p2c`. Default 2. */
  readonly d?: number;
  /** Weights of `weighted-round-robin` (relative server speeds). Default all 1. */
  readonly weights?: readonly number[];
  /**
   * A deliberately broken variant, for tests: `p2c` draws one server and compares it
   * with itself, so it is really random choice.
   */
  readonly brokenSameChoice?: boolean;
}

/**
 * A policy by name. `least-connections` and `jsq` both send the request to a server with
 * the fewest requests (ties broken at random); the load-balancer simulation hands `jsq`
 * the true queue lengths and every other policy the possibly stale view.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 *
 * const choose = createPolicy("p2c", 10, { d: 2 });
 * choose([3, 0, 5, 1, 1, 2, 0, 4, 2, 2], new Random(1)); // the shorter of two sampled queues
 * ```
 */
export function createPolicy(
  name: PolicyName,
  servers: number,
  options: PolicyOptions = {},
): ChoosePolicy {
  switch (name) {
    case "round-robin": {
      let next = 0;
      return () => {
        const chosen = next;
        next = (next + 1) % servers;
        return chosen;
      };
    }
    case "weighted-round-robin":
      return smoothWeightedRoundRobin(options.weights ?? Array(servers).fill(1));
    case "random":
      return (_view, random) => Math.floor(random.next() * servers);
    case "p2c":
      return powerOfChoices(servers, options.d ?? 2, options.brokenSameChoice === true);
    case "least-connections":
    case "jsq":
      return shortestQueue;
    default:
      throw new RangeError(
        `Cannot create policy ${JSON.stringify(name)}: known policies are ${POLICIES.join(", ")}`,
      );
  }
}

/**
 * A server with the fewest requests in `view`, chosen uniformly among the ties (reservoir
 * sampling), so equal servers share the load instead of the first taking it all.
 */
export function shortestQueue(view: ArrayLike<number>, random: Random): number {
  let best = 0, bestLoad = Infinity, ties = 0;
  for (let i = 0; i < view.length; i++) {
    const load = view[i] as number;
    if (load < bestLoad) {
      best = i;
      bestLoad = load;
      ties = 1;
    } else if (load === bestLoad && random.next() * ++ties < 1) {
      best = i;
    }
  }
  return best;
}

/**
 * The power of d choices: sample d distinct servers uniformly and take the one with the
 * fewest requests in the view (the first sampled among ties).
 */
export function powerOfChoices(servers: number, d: number, brokenSameChoice = false): ChoosePolicy {
  if (!Number.isInteger(d) || d < 1 || d > servers) {
    throw new RangeError(`Cannot sample ${d} of ${servers} servers: d must be from 1 to servers`);
  }
  const picked: number[] = [];
  return (view, random) => {
    picked.length = 0;
    let best = -1;
    while (picked.length < d) {
      const candidate = brokenSameChoice && best >= 0 ? best : Math.floor(random.next() * servers);
      if (!brokenSameChoice && picked.includes(candidate)) continue;
      picked.push(candidate);
      if (best < 0 || (view[candidate] as number) < (view[best] as number)) best = candidate;
    }
    return best;
  };
}

/**
 * Smooth weighted round robin (as nginx does it): every pick adds each server's weight
 * to its credit, takes the server with the most credit and charges it the total weight.
 * Over any window of Σw picks, server i gets exactly w_i of them, spread out evenly.
 */
export function smoothWeightedRoundRobin(weights: readonly number[]): ChoosePolicy {
  if (weights.length === 0 || weights.some((w) => !(w > 0))) {
    throw new RangeError("Cannot run weighted round robin: every weight must be greater than 0");
  }
  const credit = new Float64Array(weights.length);
  const total = weights.reduce((sum, w) => sum + w, 0);
  return () => {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      credit[i]! += weights[i] as number;
      if ((credit[i] as number) > (credit[best] as number)) best = i;
    }
    credit[best]! -= total;
    return best;
  };
}
