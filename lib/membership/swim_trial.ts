/**
 * SWIM under faults, on the trial harness: members crash (for good) or pause at random
 * times drawn from the seed, messages may be lost, and two properties are checked.
 *
 * - **Accuracy of confirmations** (safety, checked at every event): a member confirmed
 *   dead was really crashed at that moment. It holds when the only faults are crashes and
 *   no message is lost. It cannot be promised when a live member can stay silent longer
 *   than the suspicion timeout (a pause, a partition, heavy loss): the chapter shows that
 *   a sweep with pauses finds a violation.
 * - **Convergence** (liveness, after the last fault): every live member believes every
 *   other live member alive and every crashed member dead. After a wrong confirmation it
 *   still holds, because the member wrongly declared dead hears of it and rejoins with a
 *   higher incarnation.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, probability } from "../config/mod.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";
import { memberIds } from "./swim_detection.ts";
import { type SwimMessage, SwimNode, type SwimObserver } from "./swim.ts";

/** Zod schema of the `swim-faults` trial's parameters. */
export const SwimTrialParamsSchema = z.strictObject({
  n: integerAtLeast(3).default(8).describe("Members in the group"),
  k: integerAtLeast(0).default(3).describe("Members asked for an indirect probe"),
  lossProbability: probability().default(0).describe("Probability a message is lost"),
  suspicionPeriods: z.number().positive().default(5)
    .describe("Periods a suspicion has to be refuted before it is confirmed"),
  suspicion: z.boolean().default(true).describe("Suspect before confirming"),
  crashes: integerAtLeast(0).default(2).describe("Members that crash for good"),
  pauses: integerAtLeast(0).default(0).describe("Members that pause once"),
  pauseMs: positiveMs().default(8_000).describe("How long a pause lasts, in ms"),
  checkAccuracy: z.boolean().default(true)
    .describe(
      "Check that every confirmed member was dead (off to watch convergence after a wrong one)",
    ),
  faultsUntilPeriods: integerAtLeast(1).default(12)
    .describe("Faults start within this many periods (pauses end by then too)"),
});

/** Parameters of the `swim-faults` trial, with defaults applied. */
export type SwimTrialParams = z.output<typeof SwimTrialParamsSchema>;

/** The system a `swim-faults` trial builds. */
export interface SwimTrialSystem {
  /** The simulation. */
  readonly simulation: Simulation<SwimMessage>;
  /** The members. */
  readonly members: readonly string[];
  /** Wrong confirmations seen so far ("m2 confirmed m5 dead at 4180 ms while it was paused"). */
  readonly wrongConfirmations: string[];
  /** Whether the accuracy invariant is checked. */
  readonly checkAccuracy: boolean;
  /** Suspicions of live members, first-hand. */
  falsePositives: number;
  /** When the last fault ends, in ms. */
  faultsEndMs: number;
}

const PERIOD_MS = 1_000;

/**
 * The `swim-faults` trial: one row per seed with the wrong confirmations and false
 * positives seen.
 *
 * @example
 * ```ts
 * import { faultSweep } from "../testing/mod.ts";
 *
 * faultSweep(swimTrial, { seeds: 1000 }).failures; // [] with crashes only and no loss
 * ```
 */
export const swimTrial = defineTrial({
  name: "swim-faults",
  params: SwimTrialParamsSchema,
  build: ({ params, seed, record, replay }): SwimTrialSystem => {
    const members = memberIds(params.n);
    const simulation = new Simulation<SwimMessage>({
      seed,
      record,
      replay,
      network: {
        latency: { kind: "uniform", minMs: 1, maxMs: 10 },
        lossProbability: params.lossProbability,
      },
    });
    const system: SwimTrialSystem = {
      simulation,
      members,
      wrongConfirmations: [],
      checkAccuracy: params.checkAccuracy,
      falsePositives: 0,
      faultsEndMs: 0,
    };
    const observer: SwimObserver = (event) => {
      if (event.kind !== "suspect" && event.kind !== "confirm") return;
      const status = simulation.status(event.member);
      if (status === "crashed") return;
      if (event.kind === "suspect" && event.firstHand) system.falsePositives++;
      if (event.kind === "confirm") {
        system.wrongConfirmations.push(
          `${event.by} confirmed ${event.member} dead at ${simulation.now.toFixed(0)} ms ` +
            `while it was ${status === "up" ? "alive" : status}`,
        );
      }
    };
    simulation.addNodes(members, (ctx) =>
      new SwimNode(ctx, {
        k: params.k,
        periodMs: PERIOD_MS,
        suspicionTimeoutMs: params.suspicionPeriods * PERIOD_MS,
        suspicion: params.suspicion,
        observer,
      }));
    // Distinct victims; at most n - 2 crash, so two members remain to watch each other.
    const random = new Random(seed, "swim-faults");
    const order = [...members];
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(0, i + 1);
      [order[i], order[j]] = [order[j] as string, order[i] as string];
    }
    const crashes = Math.min(params.crashes, params.n - 2);
    const pauses = Math.min(params.pauses, params.n - 2 - crashes);
    const windowMs = params.faultsUntilPeriods * PERIOD_MS;
    let endMs = 0;
    for (let i = 0; i < crashes; i++) {
      const atMs = random.uniform(PERIOD_MS, windowMs);
      simulation.schedule([{ atMs, kind: "crash", node: order[i] as string }]);
      endMs = Math.max(endMs, atMs);
    }
    for (let i = 0; i < pauses; i++) {
      const node = order[crashes + i] as string;
      const atMs = random.uniform(PERIOD_MS, Math.max(PERIOD_MS + 1, windowMs - params.pauseMs));
      simulation.schedule([
        { atMs, kind: "pause", node },
        { atMs: atMs + params.pauseMs, kind: "resume", node },
      ]);
      endMs = Math.max(endMs, atMs + params.pauseMs);
    }
    system.faultsEndMs = endMs;
    return system;
  },
  invariants: [
    invariant<SwimTrialSystem>(
      "a confirmed-dead member was really dead",
      (system) => system.checkAccuracy ? system.wrongConfirmations[0] : undefined,
    ),
  ],
  liveness: {
    name: "every live member sees the others as they are",
    withinMs: (params) => (params.suspicionPeriods + 30) * PERIOD_MS,
    holds: (system) => system.simulation.now >= system.faultsEndMs && converged(system),
    explain: (system) => disagreements(system).slice(0, 3).join("; "),
  },
  untilMs: (params) => (params.faultsUntilPeriods + 8) * PERIOD_MS,
  row: ({ system, params, failure }) => ({
    n: params.n,
    k: params.k,
    lossProbability: params.lossProbability,
    wrongConfirmations: system.wrongConfirmations.length,
    falsePositives: system.falsePositives,
    failed: failure !== undefined,
  }),
});

function converged(system: SwimTrialSystem): boolean {
  return disagreements(system, 1).length === 0;
}

/** Up to `limit` pairs (observer, member) where the observer's view is wrong. */
function disagreements(system: SwimTrialSystem, limit = Infinity): string[] {
  const { simulation, members } = system;
  const out: string[] = [];
  for (const a of members) {
    if (simulation.status(a) !== "up") continue;
    const node = simulation.node<SwimNode>(a) as SwimNode;
    for (const b of members) {
      if (a === b) continue;
      const expected = simulation.status(b) === "crashed" ? "dead" : "alive";
      const seen = node.statusOf(b);
      if (seen !== expected) {
        out.push(`${a} sees ${b} as ${seen}, but it is ${expected}`);
        if (out.length >= limit) return out;
      }
    }
  }
  return out;
}
