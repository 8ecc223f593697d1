/**
 * Rumor spreading (epidemic dissemination) in synchronous rounds: push, pull and
 * push-pull, after Demers et al. (PODC 1987) and Karp, Schindelhauer, Shenker and Vöcking
 * (FOCS 2000).
 *
 * One node starts with a rumor. In every round each node calls one partner chosen
 * uniformly at random among the others:
 * - push: an informed caller tells its partner;
 * - pull: an uninformed caller asks its partner and learns the rumor if the partner knew
 *   it at the start of the round;
 * - push-pull: both, in one exchange.
 *
 * Pittel (1987) showed that push needs `log2 n + ln n + O(1)` rounds to reach all `n`
 * nodes: the informed set doubles while it is small (log2 n rounds), and the last few
 * uninformed nodes are each missed with probability about 1/e per round (ln n rounds).
 * Pull finishes the tail much faster (the uninformed fraction squares each round), so
 * push-pull takes about `log3 n + O(ln ln n)` rounds.
 *
 * This is a round-based model, not the event simulator: the rounds are synchronous by
 * definition, every message of a round is delivered before the next, and what is measured
 * (rounds, messages) does not depend on latency. That lets a sweep cover thousands of
 * nodes and hundreds of seeds in well under a second, with all randomness from a seeded
 * {@link Random}.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, probability } from "../config/mod.ts";
import { parseConfig } from "../config/validate.ts";
import { Random } from "../sim/random.ts";

/** The three ways a round can spread a rumor. */
export const GOSSIP_MODES = ["push", "pull", "push-pull"] as const;

/** One of {@link GOSSIP_MODES}. */
export type GossipMode = typeof GOSSIP_MODES[number];

/** Zod schema of {@link GossipOptions}. */
export const GossipOptionsSchema = z.strictObject({
  /** Nodes in the group. Default 1,000. */
  n: integerAtLeast(2).default(1_000),
  /** How rounds spread the rumor. Default "push". */
  mode: z.enum(GOSSIP_MODES).default("push"),
  /** Probability each message is lost. Default 0. */
  lossProbability: probability().default(0),
  /** Rounds after which to give up. Default 1,000. */
  maxRounds: integerAtLeast(1).default(1_000),
});

/** Settings of {@link spreadRumor}, with defaults applied. */
export type GossipOptions = z.output<typeof GossipOptionsSchema>;

/** What a user may write for {@link GossipOptions}. */
export type GossipOptionsInput = z.input<typeof GossipOptionsSchema>;

/** The outcome of one rumor. */
export interface GossipRun {
  /** Nodes in the group. */
  readonly n: number;
  /** The mode used. */
  readonly mode: GossipMode;
  /** Rounds until every node knew the rumor (`maxRounds` if it never happened). */
  readonly rounds: number;
  /** Whether every node learned it. */
  readonly complete: boolean;
  /** Messages sent in all (a pull request and its reply count as two; a push-pull exchange as two). */
  readonly messages: number;
  /** Informed nodes after each round, starting with 1 before round 1. */
  readonly informedByRound: readonly number[];
}

/**
 * Spreads one rumor from node 0 until everyone knows it, and counts rounds and messages.
 * Message accounting: push sends one message per informed node per round; pull sends one
 * request per uninformed node and one reply (with the rumor, when the partner knows it);
 * push-pull sends one exchange of two messages per node per round.
 *
 * @example
 * ```ts
 * spreadRumor({ n: 1024, mode: "push" }, 1).rounds; // about log2(1024) + ln(1024) ≈ 17
 * ```
 */
export function spreadRumor(options: GossipOptionsInput, seed: number): GossipRun {
  const o = parseConfig(GossipOptionsSchema, options, "gossip");
  const random = new Random(seed, "gossip");
  const n = o.n;
  const informed = new Uint8Array(n);
  const before = new Uint8Array(n);
  informed[0] = 1;
  let count = 1;
  let messages = 0;
  let rounds = 0;
  const history = [1];
  const loss = o.lossProbability;
  const delivered = (): boolean => loss === 0 || !random.chance(loss);
  // A uniform partner other than `self`.
  const partner = (self: number): number => {
    const p = random.int(0, n - 1);
    return p >= self ? p + 1 : p;
  };
  while (count < n && rounds < o.maxRounds) {
    rounds++;
    before.set(informed);
    for (let i = 0; i < n; i++) {
      const knows = before[i] === 1;
      if (o.mode === "push") {
        if (!knows) continue;
        const j = partner(i);
        messages++;
        if (delivered() && informed[j] === 0) {
          informed[j] = 1;
          count++;
        }
      } else if (o.mode === "pull") {
        if (knows) continue;
        const j = partner(i);
        messages++;
        if (!delivered()) continue;
        messages++;
        if (before[j] === 1 && delivered() && informed[i] === 0) {
          informed[i] = 1;
          count++;
        }
      } else {
        const j = partner(i);
        messages += 2;
        if (knows && before[j] === 0) {
          if (delivered() && informed[j] === 0) {
            informed[j] = 1;
            count++;
          }
        } else if (!knows && before[j] === 1) {
          if (delivered() && delivered() && informed[i] === 0) {
            informed[i] = 1;
            count++;
          }
        }
      }
    }
    history.push(count);
  }
  return { n, mode: o.mode, rounds, complete: count === n, messages, informedByRound: history };
}

/** Pittel's leading terms for push: `log2 n + ln n` rounds. */
export function pushRoundsEstimate(n: number): number {
  return Math.log2(n) + Math.log(n);
}
