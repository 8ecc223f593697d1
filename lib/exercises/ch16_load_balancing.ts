/**
 * Exercise of chapter 16 (load balancing) with its self-check:
 *
 * **Beat least connections under stale information** ({@link checkStalePolicy}): write a
 * policy that reads a load board refreshed only every 50 ms (five service times) and
 * gets a lower mean time in system than least connections, and than random choice.
 * The power of two choices does; least connections herds.
 *
 * The check returns an {@link ExerciseResult} and never throws for a wrong answer.
 *
 * @module
 */
import { loadBalancer, simulateLoadBalancer } from "../balancing/load_balancer.ts";
import { type ChoosePolicy, powerOfChoices, shortestQueue } from "../balancing/policies.ts";
import type { Random } from "../sim/random.ts";
import { ExerciseResult, notAFunction } from "./result.ts";

/** The setting of the exercise: 100 servers at utilisation 0.9, board 50 ms old at most. */
export const STALE_POLICY_SCENARIO = {
  servers: 100,
  utilization: 0.9,
  serviceMeanMs: 10,
  staleMs: 50,
  requests: 20_000,
} as const;

/** Seeds the check runs (paired: every policy sees the same requests). */
const STALE_SEEDS = [1, 2, 3];

/**
 * The reference answer: the power of two choices, sampling two servers at random and
 * taking the one the board shows shorter.
 */
export function referenceStalePolicy(): ChoosePolicy {
  return powerOfChoices(STALE_POLICY_SCENARIO.servers, 2);
}

/**
 * Checks a policy against least connections and random choice in the exercise's
 * setting. `makePolicy` is called once per run, so a policy may keep state.
 *
 * @example
 * ```ts
 * checkStalePolicy(() => (view, random) => Math.floor(random.next() * view.length)); // ✗
 * ```
 */
export function checkStalePolicy(
  makePolicy: () => (view: ArrayLike<number>, random: Random) => number,
): ExerciseResult {
  const title = "Beat least connections under stale information";
  if (typeof makePolicy !== "function") {
    return notAFunction(title, "returning a policy", makePolicy);
  }
  const params = loadBalancer.parseParams(STALE_POLICY_SCENARIO);
  const meanOf = (
    choose: () => ChoosePolicy | undefined,
    policy: "random" | "least-connections",
  ) => {
    let total = 0;
    for (const seed of STALE_SEEDS) {
      const custom = choose();
      const run = simulateLoadBalancer(
        { ...params, policy },
        seed,
        custom === undefined ? {} : { choose: custom },
      );
      total += run.row.meanSojournMs;
    }
    return total / STALE_SEEDS.length;
  };
  let mine: number;
  try {
    mine = meanOf(() => {
      const policy = makePolicy();
      if (typeof policy !== "function") {
        throw new TypeError("makePolicy() did not return a function");
      }
      return policy;
    }, "random");
  } catch (error) {
    return new ExerciseResult({
      passed: false,
      title,
      details: [`Your policy failed: ${error instanceof Error ? error.message : String(error)}.`],
    });
  }
  const least = meanOf(() => shortestQueue, "least-connections");
  const random = meanOf(() => undefined, "random");
  const beatsLeast = mine < 0.8 * least, beatsRandom = mine < random;
  const details = [
    `Mean time in system over ${STALE_SEEDS.length} runs of ${params.requests} requests, ` +
    `board refreshed every ${params.staleMs} ms:`,
    `${beatsLeast ? "✓" : "✗"} yours ${mine.toFixed(1)} ms against least connections ` +
    `${least.toFixed(1)} ms (at least 20% lower required)`,
    `${beatsRandom ? "✓" : "✗"} yours ${mine.toFixed(1)} ms against random ${
      random.toFixed(1)
    } ms ` +
    "(lower required: use the board, just not blindly)",
  ];
  if (!beatsLeast) {
    details.push(
      "Sending every request to the server that looked emptiest 50 ms ago sends them all " +
        "to the same few servers. Compare only a few servers picked at random.",
    );
  }
  return new ExerciseResult({ passed: beatsLeast && beatsRandom, title, details });
}
