/**
 * The `partial-failure` experiment: a request/response service under one fault mode,
 * as its client sees it.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import { Simulation } from "../sim/simulation.ts";
import {
  RequestClient,
  type RequestOutcome,
  type RequestRecord,
  RequestServer,
  SERVICE_FAULT_MODES,
  type ServiceFault,
  type ServiceFaultMode,
  type ServiceMessage,
  simulatorSetupForFault,
} from "../resilience/request_response.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "./experiment.ts";

/** Zod schema of the `partial-failure` parameters. */
export const PartialFailureParamsSchema = z.strictObject({
  fault: z.enum(SERVICE_FAULT_MODES).default("none")
    .describe("How the server fails: none, crash, omission, timing or byzantine"),
  requests: integerAtLeast(1).default(200).describe("Requests the client sends"),
  intervalMs: positiveMs().default(10).describe("Gap between requests, in ms"),
  timeoutMs: positiveMs().default(50).describe("How long the client waits for a reply, in ms"),
  retries: integerAtLeast(0).default(0).describe("Extra attempts after a timeout"),
  backoffMs: nonNegativeMs().default(10)
    .describe("Wait before the first retry, in ms (doubled for each later one)"),
  networkLatency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 })
    .describe("One-way network delay, in ms"),
  serviceTime: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 5 })
    .describe("Time the server takes to compute an answer, in ms"),
  crashAtMs: nonNegativeMs().default(1000).describe("crash: when the server crashes, in ms"),
  restartAtMs: positiveMs().optional()
    .describe("crash: when the server restarts, in ms (default never)"),
  requestLossProbability: probability().default(0.1)
    .describe("omission: probability a request is lost"),
  replyLossProbability: probability().default(0.1)
    .describe("omission: probability a reply is lost"),
  slowProbability: probability().default(0.1)
    .describe("timing: probability a reply is slow"),
  extraDelayMs: nonNegativeMs().default(200)
    .describe("timing: how much later a slow reply is sent, in ms"),
  wrongProbability: probability().default(0.1)
    .describe("byzantine: probability a reply carries a wrong value"),
}).refine((p) => p.restartAtMs === undefined || p.restartAtMs > p.crashAtMs, {
  error: "must be later than crashAtMs",
  path: ["restartAtMs"],
});

/** Parameters of `partial-failure`, with defaults applied. */
export type PartialFailureParams = z.output<typeof PartialFailureParamsSchema>;

const PARTIAL_FAILURE_DEFAULTS: PartialFailureParams = PartialFailureParamsSchema.parse({});

/** One request of a `partial-failure` run, as the client saw it (times on its clock). */
export type PartialFailureRow = {
  /** The fault mode of the run. */
  readonly fault: ServiceFaultMode;
  /** 0, 1, 2, ... in the order sent. */
  readonly requestId: number;
  /** When the request was first sent, in ms. */
  readonly sentMs: number;
  /** ok, wrong, timeout, late (or pending if the run ended first). */
  readonly outcome: RequestOutcome;
  /** From sending to the reply, in ms; null when no reply came. */
  readonly latencyMs: number | null;
  /** Whether the client gave up waiting: true for timeout and for late. */
  readonly timedOut: boolean;
  /** Times it was sent. */
  readonly attempts: number;
};

/** A finished `partial-failure` run. */
export interface PartialFailureRun {
  /** The finished simulation (its trace is empty unless `record` was set). */
  readonly simulation: Simulation<ServiceMessage>;
  /** The client's record of each request. */
  readonly records: RequestRecord[];
  /** The experiment's rows, one per request. */
  readonly rows: PartialFailureRow[];
}

/** The server's fault mode described by the experiment's parameters. */
export function serviceFaultOf(params: PartialFailureParams): ServiceFault {
  switch (params.fault) {
    case "none":
      return { mode: "none" };
    case "crash":
      return {
        mode: "crash",
        atMs: params.crashAtMs,
        ...(params.restartAtMs === undefined ? {} : { restartAtMs: params.restartAtMs }),
      };
    case "omission":
      return {
        mode: "omission",
        requestLossProbability: params.requestLossProbability,
        replyLossProbability: params.replyLossProbability,
      };
    case "timing":
      return {
        mode: "timing",
        slowProbability: params.slowProbability,
        extraDelayMs: params.extraDelayMs,
      };
    case "byzantine":
      return { mode: "byzantine", wrongProbability: params.wrongProbability };
  }
}

/**
 * Runs one `partial-failure` trial until nothing is left in flight (so every late reply
 * has arrived) and returns the simulation with the client's records and the rows. Pass
 * `record: true` to keep the trace for a space-time diagram.
 *
 * @example
 * ```ts
 * const run = simulatePartialFailure(partialFailure.parseParams({ fault: "crash", requests: 20 }), 1, { record: true });
 * run.simulation.trace.describe();
 * ```
 */
export function simulatePartialFailure(
  params: PartialFailureParams,
  seed: number,
  options: { readonly record?: boolean } = {},
): PartialFailureRun {
  const fault = serviceFaultOf(params);
  const setup = simulatorSetupForFault(fault, "server", ["client"]);
  const simulation = new Simulation<ServiceMessage>({
    seed,
    record: options.record ?? false,
    network: { latency: params.networkLatency, links: setup.links },
    faults: setup.faults,
    replay: replayCommand("partial-failure", seed, { params, defaults: PARTIAL_FAILURE_DEFAULTS }),
  });
  let client: RequestClient | undefined;
  simulation.addNode("client", (ctx) =>
    client = new RequestClient(ctx, {
      server: "server",
      requests: params.requests,
      intervalMs: params.intervalMs,
      timeoutMs: params.timeoutMs,
      retries: params.retries,
      backoffMs: params.backoffMs,
    }));
  simulation.addNode(
    "server",
    (ctx) => new RequestServer(ctx, { serviceTime: params.serviceTime, fault }),
  );
  // The client sends a fixed number of requests and nothing repeats forever, so the run
  // ends on its own once the last timeout has fired and the last late reply has landed.
  simulation.runUntilQuiet({ untilMs: Infinity });
  const records = (client as RequestClient).records;
  const rows = records.map((record): PartialFailureRow => ({
    fault: params.fault,
    requestId: record.requestId,
    sentMs: record.sentMs,
    outcome: record.outcome,
    latencyMs: record.latencyMs,
    timedOut: record.timedOut,
    attempts: record.attempts,
  }));
  return { simulation, records, rows };
}

/**
 * `partial-failure`: a client sends requests, each with a timeout, to a server that fails
 * in one way (`fault`). One row per request with its outcome. With `none` every request
 * is ok; under `crash`, `omission` and `timing` the client times out on some requests
 * (`timedOut`) and cannot tell the three apart; under `timing` some of those replies
 * arrive after all (`late`); under `byzantine` wrong answers arrive on time.
 *
 * @example
 * ```ts
 * const rows = partialFailure.run({ fault: "omission" }, 1);
 * rows.filter((r) => r.outcome === "timeout").length; // about 19% of 200
 * ```
 */
export const partialFailure = defineExperiment({
  name: "partial-failure",
  title: "A request/response service under crash, omission, timing and Byzantine faults",
  description: "A client sends requests with a timeout to a server that crashes, loses " +
    "messages, answers some requests very late, or answers some wrongly. One row per " +
    "request with its outcome (ok, wrong, timeout, late) and latency.",
  chapter: "01_what_is_a_distributed_system",
  params: PartialFailureParamsSchema,
  trial: (params, seed) => simulatePartialFailure(params, seed).rows,
});
