/**
 * A small request/response service and its client, for studying partial failure. The
 * server computes {@link correctAnswer} of a number after a service time; a fault mode
 * makes it crash, lose messages, answer very late, or answer wrongly. The client sends
 * requests with a timeout (and optional retries) and records what it saw of each one.
 *
 * Crash and omission faults are carried out by the simulator (a crash fault, lossy
 * links): {@link simulatorSetupForFault} turns a fault mode into that configuration.
 * Timing and Byzantine faults are the server's own misbehaviour.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nodeIdField,
  nonNegativeMs,
  parseConfig,
  positiveMs,
  probability,
} from "../config/mod.ts";
import type { FaultInput } from "../sim/faults.ts";
import type { LinkOverrideSchema } from "../sim/network.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { compileDistribution, DistributionSchema, type Sampler } from "../sim/distributions.ts";

/**
 * What the service computes: the square of `x`. The server uses it to answer; the client
 * uses it only to classify replies as right or wrong, standing in for an observer who
 * knows the truth. A real client has no such oracle: that is why Byzantine faults are hard.
 *
 * @example
 * ```ts
 * correctAnswer(12); // 144
 * ```
 */
export function correctAnswer(x: number): number {
  return x * x;
}

/** Zod schema of a {@link ServiceFault}. */
export const ServiceFaultSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("none") }),
  z.strictObject({
    mode: z.literal("crash"),
    /** When the server crashes, in ms of true time. Default 1000. */
    atMs: nonNegativeMs().default(1000),
    /** When it restarts, in ms; absent: it stays down. */
    restartAtMs: positiveMs().optional(),
  }).refine((f) => f.restartAtMs === undefined || f.restartAtMs > f.atMs, {
    error: "must be later than atMs",
    path: ["restartAtMs"],
  }),
  z.strictObject({
    mode: z.literal("omission"),
    /** Probability that a request to the server is lost. Default 0.1. */
    requestLossProbability: probability().default(0.1),
    /** Probability that a reply from the server is lost. Default 0.1. */
    replyLossProbability: probability().default(0.1),
  }),
  z.strictObject({
    mode: z.literal("timing"),
    /** Probability that a reply is slow (a GC pause, a slow disk). Default 0.1. */
    slowProbability: probability().default(0.1),
    /** How much later a slow reply is sent, in ms. Default 500. */
    extraDelayMs: nonNegativeMs().default(500),
  }),
  z.strictObject({
    mode: z.literal("byzantine"),
    /** Probability that a reply carries a wrong value. Default 0.1. */
    wrongProbability: probability().default(0.1),
  }),
]);

/**
 * How the server misbehaves:
 * - `none`: it answers every request correctly after its service time;
 * - `crash`: it stops at `atMs` (and restarts at `restartAtMs` if given);
 * - `omission`: requests to it and replies from it are lost with the given probabilities;
 * - `timing`: a fraction `slowProbability` of replies are sent `extraDelayMs` late;
 * - `byzantine`: a fraction `wrongProbability` of replies carry a wrong value.
 */
export type ServiceFault = z.output<typeof ServiceFaultSchema>;

/** What a user may write for a {@link ServiceFault}. */
export type ServiceFaultInput = z.input<typeof ServiceFaultSchema>;

/** The names of the fault modes. */
export const SERVICE_FAULT_MODES = ["none", "crash", "omission", "timing", "byzantine"] as const;

/** One of {@link SERVICE_FAULT_MODES}. */
export type ServiceFaultMode = typeof SERVICE_FAULT_MODES[number];

/** Messages of the service. `attempt` counts from 1 and is echoed so retries can be told apart. */
export type ServiceMessage =
  | {
    readonly type: "request";
    readonly requestId: number;
    readonly attempt: number;
    readonly x: number;
  }
  | {
    readonly type: "reply";
    readonly requestId: number;
    readonly attempt: number;
    readonly value: number;
  };

/** Zod schema of {@link RequestServerOptions}. */
export const RequestServerOptionsSchema = z.strictObject({
  /** Time to compute an answer, drawn per request. Default uniform 1–5 ms. */
  serviceTime: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 5 }),
  /** How the server misbehaves. Default `{ mode: "none" }`. */
  fault: ServiceFaultSchema.prefault({ mode: "none" }),
});

/** Settings of a {@link RequestServer}, with defaults applied. */
export type RequestServerOptions = z.output<typeof RequestServerOptionsSchema>;

/** What a user may write for {@link RequestServerOptions}. */
export type RequestServerOptionsInput = z.input<typeof RequestServerOptionsSchema>;

/** The server's timer: a reply to send when its service time is over. */
export interface RequestServerTimer {
  /** The client to answer. */
  readonly to: NodeId;
  /** The reply, value already computed. */
  readonly reply: ServiceMessage;
}

/**
 * The server: answers each request with `correctAnswer(x)` after a service time. It
 * serves requests in parallel (no queue), so one slow request does not delay others.
 * In `timing` mode some replies leave `extraDelayMs` late; in `byzantine` mode some carry
 * a wrong value. Crash and omission are not its doing: the simulator applies them (see
 * {@link simulatorSetupForFault}).
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("server", (ctx) => new RequestServer(ctx, { fault: { mode: "byzantine" } }));
 * ```
 */
export class RequestServer implements Node<ServiceMessage, RequestServerTimer> {
  readonly #ctx: NodeContext<ServiceMessage, RequestServerTimer>;
  readonly #serviceTime: Sampler;
  readonly #fault: ServiceFault;
  #served = 0;

  /** A server acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<ServiceMessage, RequestServerTimer>,
    options: RequestServerOptionsInput = {},
  ) {
    const config = parseConfig(RequestServerOptionsSchema, options, "server");
    this.#ctx = ctx;
    this.#serviceTime = compileDistribution(config.serviceTime);
    this.#fault = config.fault;
  }

  /** Requests this incarnation has answered (or will answer: replies in preparation count). */
  get served(): number {
    return this.#served;
  }

  /** Computes the answer and sends it after the service time (plus any fault's delay). */
  onMessage(from: NodeId, message: ServiceMessage): void {
    if (message.type !== "request") return;
    const random = this.#ctx.random;
    let delayMs = this.#serviceTime(random);
    let value = correctAnswer(message.x);
    const fault = this.#fault;
    if (fault.mode === "timing" && random.chance(fault.slowProbability)) {
      delayMs += fault.extraDelayMs;
      this.#ctx.log(`slow reply to request ${message.requestId}`, {
        extraDelayMs: fault.extraDelayMs,
      });
    } else if (fault.mode === "byzantine" && random.chance(fault.wrongProbability)) {
      // Off by a random nonzero amount, so the lie is always detectable by the observer.
      value += random.int(1, 1000);
      this.#ctx.log(`wrong reply to request ${message.requestId}`, { value });
    }
    this.#served++;
    const reply: ServiceMessage = {
      type: "reply",
      requestId: message.requestId,
      attempt: message.attempt,
      value,
    };
    this.#ctx.setTimer(delayMs, { to: from, reply });
  }

  /** Sends a reply whose service time is over. */
  onTimer(pending: RequestServerTimer): void {
    this.#ctx.send(pending.to, pending.reply);
  }
}

/**
 * What became of a request, as the client saw it:
 * - `ok`: a correct reply arrived before the client gave up;
 * - `wrong`: a reply arrived in time but its value was wrong (known only to the observer);
 * - `timeout`: every attempt timed out and no reply ever arrived;
 * - `late`: every attempt timed out, then a reply arrived anyway;
 * - `pending`: the run ended while the client was still waiting.
 */
export type RequestOutcome = "ok" | "wrong" | "timeout" | "late" | "pending";

/** The client's record of one request. Times are on the client's clock, in ms. */
export interface RequestRecord {
  /** 0, 1, 2, ... in the order sent. */
  readonly requestId: number;
  /** The argument sent. */
  readonly x: number;
  /** When the first attempt was sent. */
  readonly sentMs: number;
  /** What became of it. */
  readonly outcome: RequestOutcome;
  /** From the first send to the reply that settled it (also for `late`); null if none came. */
  readonly latencyMs: number | null;
  /**
   * Whether the client gave up on it (every attempt timed out): true for `timeout` and
   * `late`. At that moment the client cannot know which of the two it will turn out to be.
   */
  readonly timedOut: boolean;
  /** How many times it was sent (1 + retries used). */
  readonly attempts: number;
  /** The value of the first reply received, or null. */
  readonly value: number | null;
}

/** Zod schema of {@link RequestClientOptions}. */
export const RequestClientOptionsSchema = z.strictObject({
  /** The server's node id. Default "server". */
  server: nodeIdField().default("server"),
  /** How many requests to send. Default 100. */
  requests: integerAtLeast(0).default(100),
  /** Gap between requests in ms (the mean gap for `poisson`). Default 10. */
  intervalMs: positiveMs().default(10),
  /** `periodic`: one request every `intervalMs`; `poisson`: random gaps of that mean. */
  arrivals: z.enum(["periodic", "poisson"]).default("periodic"),
  /** How long to wait for a reply to one attempt, in ms. Default 100. */
  timeoutMs: positiveMs().default(100),
  /** Extra attempts after a timeout. Default 0. */
  retries: integerAtLeast(0).default(0),
  /** Wait before the first retry, in ms; doubled for each later one. Default 10. */
  backoffMs: nonNegativeMs().default(10),
});

/** Settings of a {@link RequestClient}, with defaults applied. */
export type RequestClientOptions = z.output<typeof RequestClientOptionsSchema>;

/** What a user may write for {@link RequestClientOptions}. */
export type RequestClientOptionsInput = z.input<typeof RequestClientOptionsSchema>;

/** The client's timers: the next request, an attempt's timeout, a retry after backoff. */
export type RequestClientTimer =
  | { readonly kind: "next" }
  | { readonly kind: "timeout"; readonly requestId: number; readonly attempt: number }
  | { readonly kind: "retry"; readonly requestId: number };

interface ClientRequest {
  readonly requestId: number;
  readonly x: number;
  readonly sentMs: number;
  outcome: RequestOutcome;
  latencyMs: number | null;
  attempts: number;
  value: number | null;
  /** Whether the client is still waiting (an attempt in flight or a retry scheduled). */
  open: boolean;
  timer: TimerId | undefined;
}

/**
 * The client: sends `requests` requests to the server, each with a timeout, retrying
 * with exponential backoff if asked, and keeps a {@link RequestRecord} of each. A reply
 * to any attempt settles the request; a reply after the client gave up marks it `late`.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("server", (ctx) => new RequestServer(ctx, { fault: { mode: "crash", atMs: 500 } }));
 * sim.addNode("client", (ctx) => new RequestClient(ctx, { requests: 50, timeoutMs: 80 }));
 * sim.runUntil(2000);
 * sim.node<RequestClient>("client")!.records.filter((r) => r.outcome === "timeout");
 * ```
 */
export class RequestClient implements Node<ServiceMessage, RequestClientTimer> {
  readonly #ctx: NodeContext<ServiceMessage, RequestClientTimer>;
  readonly #options: RequestClientOptions;
  readonly #requests: ClientRequest[] = [];

  /** A client acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(
    ctx: NodeContext<ServiceMessage, RequestClientTimer>,
    options: RequestClientOptionsInput = {},
  ) {
    this.#ctx = ctx;
    this.#options = parseConfig(RequestClientOptionsSchema, options, "client");
  }

  /** The settings in use. */
  get options(): RequestClientOptions {
    return this.#options;
  }

  /** One record per request sent so far, in order. */
  get records(): RequestRecord[] {
    return this.#requests.map((r) => ({
      requestId: r.requestId,
      x: r.x,
      sentMs: r.sentMs,
      outcome: r.outcome,
      latencyMs: r.latencyMs,
      timedOut: r.outcome === "timeout" || r.outcome === "late",
      attempts: r.attempts,
      value: r.value,
    }));
  }

  /** Whether every request has been sent and none is still waiting for an outcome. */
  get done(): boolean {
    return this.#requests.length === this.#options.requests &&
      this.#requests.every((r) => !r.open);
  }

  /** Sends the first request. */
  start(): void {
    if (this.#options.requests > 0) this.#sendNext();
  }

  /** Settles a request with its reply, or marks it late if the client already gave up. */
  onMessage(_from: NodeId, message: ServiceMessage): void {
    if (message.type !== "reply") return;
    const request = this.#requests[message.requestId];
    if (request === undefined || request.value !== null) return; // duplicate or stray
    const latencyMs = this.#ctx.now() - request.sentMs;
    request.value = message.value;
    request.latencyMs = latencyMs;
    if (!request.open) {
      request.outcome = "late";
      return;
    }
    // The observer's ground truth: a real client cannot tell a wrong value from a right one.
    request.outcome = message.value === correctAnswer(request.x) ? "ok" : "wrong";
    request.open = false;
    if (request.timer !== undefined) this.#ctx.cancelTimer(request.timer);
    request.timer = undefined;
  }

  /** Sends the next request, times out an attempt, or retries after backoff. */
  onTimer(timer: RequestClientTimer): void {
    if (timer.kind === "next") return this.#sendNext();
    const request = this.#requests[timer.requestId];
    if (request === undefined || !request.open) return;
    request.timer = undefined;
    if (timer.kind === "retry") return this.#attempt(request);
    if (timer.attempt !== request.attempts) return;
    if (request.attempts <= this.#options.retries) {
      const backoffMs = this.#options.backoffMs * 2 ** (request.attempts - 1);
      request.timer = this.#ctx.setTimer(backoffMs, {
        kind: "retry",
        requestId: request.requestId,
      });
      return;
    }
    request.open = false;
    request.outcome = "timeout";
  }

  #sendNext(): void {
    const requestId = this.#requests.length;
    const request: ClientRequest = {
      requestId,
      x: this.#ctx.random.int(1, 1000),
      sentMs: this.#ctx.now(),
      outcome: "pending",
      latencyMs: null,
      attempts: 0,
      value: null,
      open: true,
      timer: undefined,
    };
    this.#requests.push(request);
    this.#attempt(request);
    if (this.#requests.length < this.#options.requests) {
      const gapMs = this.#options.arrivals === "poisson"
        ? this.#ctx.random.exponential(this.#options.intervalMs)
        : this.#options.intervalMs;
      this.#ctx.setTimer(gapMs, { kind: "next" });
    }
  }

  #attempt(request: ClientRequest): void {
    request.attempts++;
    this.#ctx.send(this.#options.server, {
      type: "request",
      requestId: request.requestId,
      attempt: request.attempts,
      x: request.x,
    });
    request.timer = this.#ctx.setTimer(this.#options.timeoutMs, {
      kind: "timeout",
      requestId: request.requestId,
      attempt: request.attempts,
    });
  }
}

/** What the simulator must do to carry out a fault mode: faults to schedule, links to change. */
export interface SimulatorFaultSetup {
  /** Faults for the simulation's `faults` list (crash and restart of the server). */
  readonly faults: FaultInput[];
  /** Link overrides for the network's `links` list (lossy links to and from the server). */
  readonly links: z.input<typeof LinkOverrideSchema>[];
}

/**
 * The simulator configuration that carries out the crash and omission modes: a crash
 * (and restart) of `server`, or loss on the links between it and `clients`. Other modes
 * need nothing from the simulator and give empty lists.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const setup = simulatorSetupForFault({ mode: "crash", atMs: 500 }, "server", ["client"]);
 * // setup.faults: [{ atMs: 500, kind: "crash", node: "server" }]
 * const sim = new Simulation({ faults: setup.faults, network: { links: setup.links } });
 * ```
 */
export function simulatorSetupForFault(
  fault: ServiceFaultInput,
  server: NodeId,
  clients: readonly NodeId[],
): SimulatorFaultSetup {
  const parsed = parseConfig(ServiceFaultSchema, fault, "fault");
  switch (parsed.mode) {
    case "crash": {
      const faults: FaultInput[] = [{ atMs: parsed.atMs, kind: "crash", node: server }];
      if (parsed.restartAtMs !== undefined) {
        faults.push({ atMs: parsed.restartAtMs, kind: "restart", node: server });
      }
      return { faults, links: [] };
    }
    case "omission":
      if (clients.length === 0) return { faults: [], links: [] };
      return {
        faults: [],
        links: [
          { from: [...clients], to: server, lossProbability: parsed.requestLossProbability },
          { from: server, to: [...clients], lossProbability: parsed.replyLossProbability },
        ],
      };
    default:
      return { faults: [], links: [] };
  }
}
