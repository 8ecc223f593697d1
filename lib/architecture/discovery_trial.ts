/**
 * Service discovery as a trial: a registry, a service's instances heartbeating to it, an
 * API gateway caching the instance list, and clients sending requests through the
 * gateway. Instances crash at random times (some come back). An observer sees every call
 * the gateway forwards and the true state of its target.
 *
 * The invariant: no call goes to an instance that has been dead for longer than
 * `ttlMs + refreshMs + 3 × maxLatencyMs`. The instance's last heartbeat reaches the
 * registry at most one latency after the crash; once `ttlMs` of silence has passed, every
 * lookup that arrives leaves it out; the gateway sends a lookup within `refreshMs` and its
 * reply is back two latencies later. Calls to a dead instance inside that bound are the
 * price of discovery by TTL, and the experiment counts them.
 *
 * The `service-discovery` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import type { FaultInput } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";
import {
  ApiGateway,
  type DiscoveryMessage,
  LoadClient,
  ServiceInstance,
  ServiceRegistry,
} from "./discovery.ts";

/** Zod schema of the `service-discovery` parameters. */
export const DiscoveryParamsSchema = z.strictObject({
  instances: integerAtLeast(1).default(4).describe("Instances of the service"),
  clients: integerAtLeast(1).default(3).describe("Outside clients sending requests"),
  meanGapMs: positiveMs().default(5).describe("Mean time between a client's requests, in ms"),
  heartbeatMs: positiveMs().default(50).describe("Time between an instance's heartbeats, in ms"),
  ttlMs: positiveMs().default(150)
    .describe("How long a heartbeat keeps an instance registered, in ms"),
  refreshMs: positiveMs().default(100)
    .describe("Time between the gateway's refreshes of its instance list, in ms"),
  callTimeoutMs: positiveMs().default(50)
    .describe("How long the gateway waits for an instance, in ms"),
  maxLatencyMs: positiveMs().default(5)
    .describe("One-way latency is uniform between 1 ms and this, in ms"),
  crashes: integerAtLeast(0).default(3).describe("Instance crashes, at random times"),
  downMs: positiveMs().default(500).describe("How long a crashed instance stays down, in ms"),
  runMs: positiveMs().default(2_000).describe("How long the run lasts, in ms"),
  neverExpire: z.boolean().default(false)
    .describe("Broken variant: the registry never forgets a silent instance"),
}).refine((p) => p.ttlMs > p.heartbeatMs + p.maxLatencyMs, {
  error: "must exceed heartbeatMs + maxLatencyMs, or live instances expire between heartbeats",
  path: ["ttlMs"],
}).refine((p) => p.maxLatencyMs >= 1, {
  error: "must be at least 1 ms (latency is uniform from 1 ms)",
  path: ["maxLatencyMs"],
}).refine((p) => p.runMs >= 600, {
  error: "must be at least 600 ms, so crashes fit after the start",
  path: ["runMs"],
});

/** The `service-discovery` parameters, with defaults applied. */
export type DiscoveryParams = z.output<typeof DiscoveryParamsSchema>;

/** The registry's node id. */
export const REGISTRY_NODE: NodeId = "registry";
/** The gateway's node id. */
export const GATEWAY_NODE: NodeId = "gateway";
/** The service the instances serve. */
export const DISCOVERY_SERVICE = "catalog";

/** One call the gateway forwarded to a dead instance, as the observer saw it. */
export interface DeadCall {
  /** True time of the forward, in ms. */
  readonly atMs: number;
  /** The dead instance. */
  readonly instance: NodeId;
  /** How long it had been dead, in ms. */
  readonly deadForMs: number;
}

/** What one discovery trial builds. */
export interface DiscoverySystem {
  /** The simulation. */
  readonly simulation: Simulation<DiscoveryMessage>;
  /** The instance ids. */
  readonly instances: readonly NodeId[];
  /** The planned crashes, as [instance, crashAtMs, restartAtMs or Infinity]. */
  readonly crashes: readonly (readonly [NodeId, number, number])[];
  /** Calls forwarded in all. */
  readonly forwarded: () => number;
  /** Calls forwarded to a dead instance. */
  readonly deadCalls: readonly DeadCall[];
  /** The bound after which no call may reach a dead instance, in ms. */
  readonly boundMs: number;
  /** The gateway. */
  readonly gateway: () => ApiGateway | undefined;
  /** The registry. */
  readonly registry: () => ServiceRegistry | undefined;
  /** The clients. */
  readonly clients: () => LoadClient[];
}

/** Options of {@link buildDiscovery}. */
export interface BuildDiscoveryOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** The line that replays the run. */
  readonly replay?: string;
  /** Times the gateway sends a timed-out call again, to the next instance. Default 0. */
  readonly gatewayRetries?: number;
  /** Called with each status the gateway answers, and the true time, in ms. */
  readonly onResponse?: (status: 200 | 503 | 504, atMs: number) => void;
}

/** Builds the system for one seed. */
export function buildDiscovery(
  params: DiscoveryParams,
  seed: number,
  options: BuildDiscoveryOptions = {},
): DiscoverySystem {
  const instances = Array.from({ length: params.instances }, (_, i) => `i${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const crashes = planCrashes(params, instances, new Random(seed).child("crashes"));
  const faults: FaultInput[] = crashes.flatMap(([node, from, to]) => [
    { atMs: from, kind: "crash" as const, node },
    ...(Number.isFinite(to) ? [{ atMs: to, kind: "restart" as const, node }] : []),
  ]);
  const simulation = new Simulation<DiscoveryMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: { latency: { kind: "uniform", minMs: 1, maxMs: params.maxLatencyMs } },
    faults,
  });
  const deadCalls: DeadCall[] = [];
  let forwarded = 0;
  const onForward = (instance: NodeId) => {
    forwarded++;
    if (simulation.status(instance) !== "crashed") return;
    const now = simulation.now;
    const crash = crashes.find(([id, from, to]) => id === instance && from <= now && now < to);
    deadCalls.push({ atMs: now, instance, deadForMs: crash === undefined ? 0 : now - crash[1] });
  };
  simulation.addNode(
    REGISTRY_NODE,
    (ctx) => new ServiceRegistry(ctx, { ttlMs: params.ttlMs, neverExpire: params.neverExpire }),
  );
  simulation.addNodes<"heartbeat">(instances, (ctx) =>
    new ServiceInstance(ctx, {
      registry: REGISTRY_NODE,
      service: DISCOVERY_SERVICE,
      heartbeatMs: params.heartbeatMs,
    }));
  simulation.addNode(GATEWAY_NODE, (ctx) =>
    new ApiGateway(ctx, {
      registry: REGISTRY_NODE,
      services: [DISCOVERY_SERVICE],
      refreshMs: params.refreshMs,
      callTimeoutMs: params.callTimeoutMs,
      retries: options.gatewayRetries ?? 0,
      onForward,
      ...(options.onResponse === undefined
        ? {}
        : { onResponse: (status: 200 | 503 | 504) => options.onResponse!(status, simulation.now) }),
    }));
  simulation.addNodes<"send">(clients, (ctx) =>
    new LoadClient(ctx, {
      gateway: GATEWAY_NODE,
      service: DISCOVERY_SERVICE,
      meanGapMs: params.meanGapMs,
    }));
  return {
    simulation,
    instances,
    crashes,
    forwarded: () => forwarded,
    deadCalls,
    boundMs: discoveryBoundMs(params),
    gateway: () => simulation.node<ApiGateway>(GATEWAY_NODE),
    registry: () => simulation.node<ServiceRegistry>(REGISTRY_NODE),
    clients: () =>
      clients.map((id) => simulation.node<LoadClient>(id)).filter((c) => c !== undefined),
  };
}

/**
 * How long after a crash the gateway may still send calls to the dead instance, in ms:
 * `ttlMs + refreshMs + 3 × maxLatencyMs` (see the module's comment).
 */
export function discoveryBoundMs(
  params: Pick<DiscoveryParams, "ttlMs" | "refreshMs" | "maxLatencyMs">,
): number {
  return params.ttlMs + params.refreshMs + 3 * params.maxLatencyMs;
}

/** Crashes at random times, never two overlapping on one instance. */
function planCrashes(
  params: DiscoveryParams,
  instances: readonly NodeId[],
  random: Random,
): [NodeId, number, number][] {
  const busyUntil = new Map<NodeId, number>();
  const crashes: [NodeId, number, number][] = [];
  for (let i = 0; i < params.crashes; i++) {
    const instance = random.pick(instances);
    const from = Math.round(random.uniform(300, params.runMs - 200));
    if (from <= (busyUntil.get(instance) ?? -Infinity)) continue;
    const to = from + params.downMs < params.runMs ? from + params.downMs : Infinity;
    crashes.push([instance, from, to]);
    busyUntil.set(instance, to);
  }
  return crashes.sort((a, b) => a[1] - b[1]);
}

/** The rows of the `service-discovery` experiment. */
export type DiscoveryRow = {
  /** The TTL, in ms. */
  readonly ttlMs: number;
  /** The gateway's refresh interval, in ms. */
  readonly refreshMs: number;
  /** Whether the registry expires silent instances. */
  readonly expires: boolean;
  /** Instance crashes in the run. */
  readonly crashes: number;
  /** Calls the gateway forwarded. */
  readonly forwarded: number;
  /** Calls forwarded to a dead instance. */
  readonly sentToDead: number;
  /** Of those, calls within the bound after the crash (the price of TTLs). */
  readonly sentToDeadWithinBound: number;
  /** Calls forwarded to an instance dead for longer than the bound (must be 0). */
  readonly sentToDeadPastBound: number;
  /** The longest an instance had been dead when a call was sent to it, in ms (0: none). */
  readonly worstDeadForMs: number;
  /** The bound, in ms. */
  readonly boundMs: number;
  /** Requests answered 200. */
  readonly ok: number;
  /** Requests answered 504 (the instance did not answer in time). */
  readonly timedOut: number;
  /** Requests answered 503 (no instance known). */
  readonly unavailable: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/**
 * The service-discovery trial; its invariant: no call reaches an instance dead for longer
 * than the bound.
 */
export const discoveryTrial = defineDiscoveryTrial(true);

/**
 * The `service-discovery` experiment: the same runs with no invariant watching, so a
 * broken registry's run goes to its end and its row shows how many calls it wasted.
 */
export const serviceDiscovery = trialExperiment(defineDiscoveryTrial(false), {
  title: "Calls sent to dead instances, with a registry that expires them by TTL and without",
  description: "A gateway caches a registry's instance list; instances crash. One row per " +
    "seed: calls forwarded to dead instances within the TTL bound and past it.",
  chapter: "21_architecture",
});

function defineDiscoveryTrial(checked: boolean) {
  return defineTrial({
    name: "service-discovery",
    params: DiscoveryParamsSchema,
    build: ({ params, seed, record, replay }) => buildDiscovery(params, seed, { record, replay }),
    invariants: !checked ? [] : [
      invariant("no call to an instance dead past the bound", (system: DiscoverySystem) => {
        const late = system.deadCalls.find((call) => call.deadForMs > system.boundMs);
        return late === undefined
          ? undefined
          : `the gateway sent a call to ${late.instance} at ${late.atMs.toFixed(1)} ms, ` +
            `${late.deadForMs.toFixed(1)} ms after it crashed (bound ${system.boundMs} ms)`;
      }),
    ],
    untilMs: (params) => params.runMs,
    history: false,
    row: ({ system, params, failure }): DiscoveryRow => {
      const past = system.deadCalls.filter((call) => call.deadForMs > system.boundMs).length;
      const gateway = system.gateway();
      return {
        ttlMs: params.ttlMs,
        refreshMs: params.refreshMs,
        expires: !params.neverExpire,
        crashes: system.crashes.filter(([, from]) => from <= system.simulation.now).length,
        forwarded: system.forwarded(),
        sentToDead: system.deadCalls.length,
        sentToDeadWithinBound: system.deadCalls.length - past,
        sentToDeadPastBound: past,
        worstDeadForMs: Math.round(
          system.deadCalls.reduce((worst, call) => Math.max(worst, call.deadForMs), 0),
        ),
        boundMs: system.boundMs,
        ok: gateway?.responses[200] ?? 0,
        timedOut: gateway?.responses[504] ?? 0,
        unavailable: gateway?.responses[503] ?? 0,
        failure: failure?.invariant ?? null,
      };
    },
  });
}
