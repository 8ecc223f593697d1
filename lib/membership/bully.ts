/**
 * The bully algorithm (Garcia-Molina, IEEE Transactions on Computers, 1982): the live
 * process with the highest id becomes coordinator.
 *
 * The coordinator sends heartbeats. A process that misses them for `timeoutMs` starts an
 * election: it sends `election` to every process with a higher id and waits `answerMs`.
 * A higher process that is alive answers `ok` and starts its own election (it "bullies"
 * the lower one out). If no answer comes, the process announces itself `coordinator` to
 * everyone; if one does, it waits `coordinatorWaitMs` for the announcement and starts over
 * if none comes. A process that hears a lower process announce itself starts an election.
 *
 * The algorithm assumes a synchronous system: `answerMs` must exceed a round trip, or a
 * slow answer looks like a dead process and two coordinators follow. The option
 * `waitForHigher: false` removes the rule that makes it work, the wait for higher
 * processes: a process announces itself at once.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { Random } from "../sim/random.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";

/** Messages of the bully algorithm. */
export type BullyMessage =
  | { readonly type: "heartbeat" }
  | { readonly type: "election" }
  | { readonly type: "ok" }
  | { readonly type: "coordinator" };

/** Timers of a {@link BullyNode}. */
export type BullyTimer =
  | { readonly kind: "beat" }
  | { readonly kind: "check" }
  | { readonly kind: "answer"; readonly round: number }
  | { readonly kind: "announcement"; readonly round: number };

/** Options of a {@link BullyNode}. */
export interface BullyOptions {
  /** Every process, lowest priority first: a process's rank is its index. */
  readonly processes: readonly NodeId[];
  /** Coordinator heartbeat interval, ms. */
  readonly heartbeatMs: number;
  /** Silence from the coordinator after which to start an election, ms. */
  readonly timeoutMs: number;
  /** Wait for an `ok` from a higher process, ms (must exceed a round trip). */
  readonly answerMs: number;
  /** Wait for the coordinator announcement after an `ok`, ms. */
  readonly coordinatorWaitMs: number;
  /** Wait for higher processes before announcing (false: the broken variant). */
  readonly waitForHigher: boolean;
  /** Told when a process announces itself coordinator; for observers only. */
  readonly onAnnounce?: (process: NodeId) => void;
}

/**
 * A process of the bully algorithm.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const processes = ["p1", "p2", "p3"];
 * sim.addNodes(processes, (ctx) => new BullyNode(ctx, { processes, heartbeatMs: 20,
 *   timeoutMs: 60, answerMs: 25, coordinatorWaitMs: 60, waitForHigher: true }));
 * ```
 */
export class BullyNode implements Node<BullyMessage, BullyTimer> {
  readonly #ctx: NodeContext<BullyMessage, BullyTimer>;
  readonly #options: BullyOptions;
  readonly #rank: number;
  #coordinator: NodeId;
  #lastHeardMs = 0;
  /** The election in progress: its round number and whether a higher process answered. */
  #election: { round: number; answered: boolean } | undefined;
  #round = 0;

  /** A process acting through `ctx`; the highest process starts as coordinator. */
  constructor(ctx: NodeContext<BullyMessage, BullyTimer>, options: BullyOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#rank = options.processes.indexOf(ctx.id);
    if (this.#rank < 0) {
      throw new RangeError(`Cannot start bully process ${ctx.id}: it is not in processes`);
    }
    this.#coordinator = options.processes.at(-1) as NodeId;
  }

  /** Whom this process takes for coordinator. */
  get coordinator(): NodeId {
    return this.#coordinator;
  }

  /** Starts heartbeating and watching; a restarted process holds an election at once. */
  start(): void {
    this.#lastHeardMs = this.#ctx.now();
    this.#ctx.setTimer(this.#options.heartbeatMs, { kind: "beat" });
    this.#ctx.setTimer(this.#options.heartbeatMs, { kind: "check" });
    if (this.#ctx.incarnation > 1) this.#startElection();
  }

  /** Heartbeats, elections, answers and announcements. */
  onMessage(from: NodeId, message: BullyMessage): void {
    const fromRank = this.#options.processes.indexOf(from);
    switch (message.type) {
      case "heartbeat":
        if (from === this.#coordinator) this.#lastHeardMs = this.#ctx.now();
        return;
      case "election":
        if (fromRank < this.#rank) {
          this.#ctx.send(from, { type: "ok" });
          this.#startElection();
        }
        return;
      case "ok":
        if (this.#election !== undefined && fromRank > this.#rank) {
          this.#election.answered = true;
        }
        return;
      case "coordinator":
        if (fromRank < this.#rank) {
          // A lower process claims to lead while this one lives: bully it.
          this.#startElection();
          return;
        }
        this.#coordinator = from;
        this.#lastHeardMs = this.#ctx.now();
        this.#election = undefined;
        return;
    }
  }

  /** Heartbeat, failure check, and the two election waits. */
  onTimer(timer: BullyTimer): void {
    switch (timer.kind) {
      case "beat":
        if (this.#coordinator === this.#ctx.id) {
          for (const peer of this.#ctx.peers) this.#ctx.send(peer, { type: "heartbeat" });
        }
        this.#ctx.setTimer(this.#options.heartbeatMs, { kind: "beat" });
        return;
      case "check":
        if (
          this.#coordinator !== this.#ctx.id && this.#election === undefined &&
          this.#ctx.now() - this.#lastHeardMs >= this.#options.timeoutMs
        ) {
          this.#startElection();
        }
        this.#ctx.setTimer(this.#options.heartbeatMs, { kind: "check" });
        return;
      case "answer":
        if (this.#election?.round !== timer.round) return;
        if (!this.#election.answered) {
          this.#announce();
        } else {
          this.#ctx.setTimer(this.#options.coordinatorWaitMs, {
            kind: "announcement",
            round: timer.round,
          });
        }
        return;
      case "announcement":
        // Someone higher answered but never announced (it died meanwhile): start over.
        if (this.#election?.round === timer.round) {
          this.#election = undefined;
          this.#startElection();
        }
        return;
    }
  }

  #startElection(): void {
    if (this.#election !== undefined) return;
    const round = ++this.#round;
    this.#election = { round, answered: false };
    const higher = this.#options.processes.slice(this.#rank + 1);
    if (higher.length === 0 || !this.#options.waitForHigher) {
      this.#announce();
      return;
    }
    for (const process of higher) this.#ctx.send(process, { type: "election" });
    this.#ctx.setTimer(this.#options.answerMs, { kind: "answer", round });
  }

  #announce(): void {
    this.#election = undefined;
    this.#coordinator = this.#ctx.id;
    this.#ctx.log("coordinator");
    this.#options.onAnnounce?.(this.#ctx.id);
    for (const peer of this.#ctx.peers) this.#ctx.send(peer, { type: "coordinator" });
  }
}

/** Zod schema of the `bully` trial's parameters. */
export const BullyParamsSchema = z.strictObject({
  n: integerAtLeast(2).default(5).describe("Processes"),
  crashes: integerAtLeast(0).default(2).describe("Processes that crash for good"),
  waitForHigher: z.boolean().default(true)
    .describe("Wait for higher processes before announcing (false: broken)"),
  maxLatencyMs: positiveMs().default(10).describe("Longest one-way delay, in ms"),
  answerMs: positiveMs().default(30).describe("Wait for an ok, in ms"),
});

/** What a `bully` trial builds. */
export interface BullySystem {
  /** The simulation. */
  readonly simulation: Simulation<BullyMessage>;
  /** Processes, lowest first. */
  readonly processes: readonly NodeId[];
  /** The first announcement by a process while a higher one was up, described. */
  wrongAnnouncement: string | undefined;
  /** Announcements, in order. */
  readonly announcements: { process: NodeId; timeMs: number }[];
  /** When the last crash happens, ms. */
  lastCrashMs: number;
}

/**
 * The `bully` trial: `n` processes over a network with bounded delay; the highest process
 * and then others crash at random times. Safety: no process announces itself coordinator
 * while a higher process is up. Liveness: after the last crash, every live process takes
 * the highest live process for coordinator.
 */
export const bullyTrial = defineTrial({
  name: "bully",
  params: BullyParamsSchema,
  build: ({ params, seed, record, replay }): BullySystem => {
    const processes = Array.from({ length: params.n }, (_, i) => `p${i + 1}`);
    const simulation = new Simulation<BullyMessage>({
      seed,
      record,
      replay,
      network: { latency: { kind: "uniform", minMs: 1, maxMs: params.maxLatencyMs } },
    });
    const system: BullySystem = {
      simulation,
      processes,
      wrongAnnouncement: undefined,
      announcements: [],
      lastCrashMs: 0,
    };
    const onAnnounce = (process: NodeId) => {
      system.announcements.push({ process, timeMs: simulation.now });
      const higher = processes.slice(processes.indexOf(process) + 1)
        .find((p) => simulation.status(p) === "up");
      if (higher !== undefined && system.wrongAnnouncement === undefined) {
        system.wrongAnnouncement = `${process} announced itself coordinator at ` +
          `${simulation.now.toFixed(1)} ms while ${higher} was up`;
      }
    };
    simulation.addNodes<BullyTimer>(processes, (ctx) =>
      new BullyNode(ctx, {
        processes,
        heartbeatMs: 20,
        timeoutMs: 60,
        answerMs: params.answerMs,
        coordinatorWaitMs: 3 * params.answerMs,
        waitForHigher: params.waitForHigher,
        onAnnounce,
      }));
    // The top process crashes first (so an election must happen), then random others.
    const random = new Random(seed, "bully");
    const alive = [...processes];
    let atMs = 0;
    for (let i = 0; i < Math.min(params.crashes, params.n - 1); i++) {
      const victim = i === 0 ? alive.length - 1 : random.int(0, alive.length);
      atMs += random.uniform(50, 400);
      simulation.schedule([{ atMs, kind: "crash", node: alive[victim] as NodeId }]);
      alive.splice(victim, 1);
    }
    system.lastCrashMs = atMs;
    return system;
  },
  invariants: [
    invariant<BullySystem>(
      "no process announces itself while a higher one is up",
      (system) => system.wrongAnnouncement,
    ),
  ],
  liveness: {
    name: "every live process follows the highest live one",
    withinMs: () => 2_000,
    holds: (system) => {
      const { simulation, processes } = system;
      if (simulation.now < system.lastCrashMs) return false;
      const up = processes.filter((p) => simulation.status(p) === "up");
      const top = up.at(-1);
      return up.every((p) => simulation.node<BullyNode>(p)?.coordinator === top);
    },
  },
  row: ({ system, params, failure }) => ({
    n: params.n,
    waitForHigher: params.waitForHigher,
    announcements: system.announcements.length,
    failed: failure !== undefined,
  }),
});
