/**
 * The `false-suspicion` experiment: a heartbeat failure detector over a link with a
 * long-tailed latency, and a crash at a known time, to measure both of its mistakes.
 *
 * @module
 */
import { z } from "zod";
import { positiveMs, probability } from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  type HeartbeatMessage,
  HeartbeatMonitor,
  HeartbeatSender,
  SuspicionLog,
} from "../membership/heartbeat_detector.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "./experiment.ts";

/** Most heartbeats one `false-suspicion` run may send (each is several events). */
const MAX_HEARTBEATS = 1_000_000;

/** Zod schema of the `false-suspicion` parameters. */
export const FalseSuspicionParamsSchema = z.strictObject({
  timeoutMs: positiveMs().default(100)
    .describe("Silence after which the monitor suspects the node, in ms"),
  intervalMs: positiveMs().default(10).describe("Time between heartbeats, in ms"),
  latency: DistributionSchema.prefault({ kind: "lognormal", medianMs: 5, sigma: 1 })
    .describe("One-way delay of a heartbeat, in ms (long-tailed by default)"),
  fifo: z.boolean().default(true)
    .describe(
      "Deliver heartbeats in order, like one TCP connection: a slow one holds back the rest",
    ),
  lossProbability: probability().default(0).describe("Probability a heartbeat is lost"),
  crashAtMs: positiveMs().default(10_000)
    .describe("When the monitored node crashes, in ms (it is alive before)"),
}).superRefine(({ crashAtMs, intervalMs }, context) => {
  const heartbeats = crashAtMs / intervalMs;
  if (heartbeats > MAX_HEARTBEATS) {
    context.addIssue({
      code: "custom",
      path: ["intervalMs"],
      input: intervalMs,
      message: `gives crashAtMs / intervalMs = ${heartbeats.toPrecision(3)} heartbeats, more ` +
        `than the ${MAX_HEARTBEATS} one run may send`,
    });
  }
});

/** Parameters of `false-suspicion`, with defaults applied. */
export type FalseSuspicionParams = z.output<typeof FalseSuspicionParamsSchema>;

const FALSE_SUSPICION_DEFAULTS: FalseSuspicionParams = FalseSuspicionParamsSchema.parse({});

/** The outcome of one `false-suspicion` run. */
export type FalseSuspicionRow = {
  /** The monitor's timeout, in ms. */
  readonly timeoutMs: number;
  /** The heartbeat interval, in ms. */
  readonly intervalMs: number;
  /** Times the live node was suspected before its crash. */
  readonly falseSuspicions: number;
  /** The same per second of the node's life. */
  readonly falseSuspicionsPerSecond: number;
  /** Fraction of its life the live node spent suspected. */
  readonly falselySuspectedFraction: number;
  /** From the crash to being suspected for good, in ms; null if never. */
  readonly detectionMs: number | null;
};

/** A finished `false-suspicion` run. */
export interface FalseSuspicionRun {
  /** The finished simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<HeartbeatMessage>;
  /** The monitor's suspicions, with the ground truth. */
  readonly log: SuspicionLog;
  /** The experiment's row. */
  readonly row: FalseSuspicionRow;
}

/**
 * Runs one `false-suspicion` trial: node `n1` sends heartbeats to `monitor` until it
 * crashes at `crashAtMs`; the run goes on until nothing is in flight, so the monitor
 * has had every chance to suspect it. Pass `record: true` to keep the trace.
 *
 * @example
 * ```ts
 * const run = simulateFalseSuspicion(falseSuspicion.parseParams({ timeoutMs: 40 }), 1);
 * run.log.records.filter((r) => r.kind === "suspect" && r.actuallyAlive);
 * ```
 */
export function simulateFalseSuspicion(
  params: FalseSuspicionParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): FalseSuspicionRun {
  const simulation = new Simulation<HeartbeatMessage>({
    seed,
    record: options.record ?? false,
    network: {
      latency: params.latency,
      fifo: params.fifo,
      lossProbability: params.lossProbability,
    },
    faults: [{ atMs: params.crashAtMs, kind: "crash", node: "n1" }],
    replay: replayCommand("false-suspicion", seed, { params, defaults: FALSE_SUSPICION_DEFAULTS }),
  });
  const log = new SuspicionLog(simulation);
  simulation.addNode("monitor", (ctx) =>
    new HeartbeatMonitor(ctx, {
      monitored: ["n1"],
      timeoutMs: params.timeoutMs,
      observer: log.observe,
    }));
  simulation.addNode(
    "n1",
    (ctx) => new HeartbeatSender(ctx, { monitors: ["monitor"], intervalMs: params.intervalMs }),
  );
  // After the crash nothing repeats: heartbeats stop and the monitor re-arms its timer
  // only on a heartbeat, so the run ends once the last one in flight has landed, however
  // long the timeout.
  simulation.runUntilQuiet({ untilMs: Infinity });
  const falseSuspicions = log.falseSuspicions("n1");
  const lifeMs = params.crashAtMs;
  const row: FalseSuspicionRow = {
    timeoutMs: params.timeoutMs,
    intervalMs: params.intervalMs,
    falseSuspicions,
    falseSuspicionsPerSecond: falseSuspicions / (lifeMs / 1000),
    falselySuspectedFraction: log.falselySuspectedMs("n1", lifeMs, params.crashAtMs) / lifeMs,
    detectionMs: log.detectionMs("n1", params.crashAtMs),
  };
  return { simulation, log, row };
}

/**
 * The raw one-way delays of `count` messages sent every `intervalMs` over a link with the
 * latency and loss of `params`, in the order sent (lost messages give no sample), each
 * measured on its own: no FIFO hold-back, whatever `params.fifo` says. It is what
 * timestamped pings tell an operator about a link before a timeout is chosen. Use a different seed from the trial
 * the samples inform, or the timeout is fitted to the very delays it will meet.
 *
 * @example
 * ```ts
 * const samples = measureLinkLatencies(falseSuspicion.parseParams(), 99, 1000);
 * ```
 */
export function measureLinkLatencies(
  params: FalseSuspicionParams,
  seed: number,
  count: number,
): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot measure link latencies: count must be a whole number at least 0, got ${count}`,
    );
  }
  type Probe = { readonly type: "probe"; readonly seq: number; readonly sentMs: number };
  const simulation = new Simulation<Probe>({
    seed,
    record: false,
    network: { latency: params.latency, lossProbability: params.lossProbability },
  });
  const bySeq: (number | undefined)[] = new Array(count).fill(undefined);
  simulation.addNode("monitor", (ctx) => ({
    onMessage: (_from, message) => {
      bySeq[message.seq] = ctx.now() - message.sentMs;
    },
  }));
  simulation.addNode<"send">("n1", (ctx) => {
    let seq = 0;
    const send = () => {
      if (seq >= count) return;
      ctx.send("monitor", { type: "probe", seq: seq++, sentMs: ctx.now() });
      ctx.setTimer(params.intervalMs, "send");
    };
    return { start: send, onMessage: () => {}, onTimer: send };
  });
  simulation.runUntilQuiet({ untilMs: Infinity });
  // In send order, so the first n samples of a longer measurement are those of a shorter one.
  return bySeq.filter((ms): ms is number => ms !== undefined);
}

/**
 * `false-suspicion`: a monitor suspects a node after `timeoutMs` without a heartbeat. The
 * heartbeats cross a link with a long-tailed delay, and the node crashes at `crashAtMs`.
 * One row per run: how often the monitor suspected the node while it was alive, and how
 * long after the crash it suspected it for good. A longer timeout makes fewer false
 * suspicions and slower detection: no timeout gets both to zero.
 *
 * @example
 * ```ts
 * const [row] = falseSuspicion.run({ timeoutMs: 200 }, 1);
 * ```
 */
export const falseSuspicion = defineExperiment({
  name: "false-suspicion",
  title: "False suspicions and detection time of a heartbeat failure detector",
  description: "A node sends heartbeats over a long-tailed link to a monitor that " +
    "suspects it after timeoutMs of silence; the node crashes at crashAtMs. One row per " +
    "run with the false suspicions of the live node and the time to detect the crash.",
  chapter: "01_what_is_a_distributed_system",
  params: FalseSuspicionParamsSchema,
  trial: (params, seed) => [simulateFalseSuspicion(params, seed).row],
});
