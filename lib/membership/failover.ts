/**
 * Active-passive failover, and the split brain it causes when its failure detector is
 * wrong.
 *
 * Two servers share a storage service. The **primary** serves clients' writes (it forwards
 * each to the storage) and sends heartbeats to the **standby**. The standby suspects the
 * primary after `timeoutMs` without a heartbeat and takes over: it becomes primary in the
 * next **epoch** and tells the clients. A hot standby serves at once; a warm one first
 * spends `warmUpMs` loading state.
 *
 * A heartbeat timeout cannot tell a dead primary from a paused one. When the primary
 * pauses (a long garbage collection, a stalled VM) for longer than the timeout, the
 * standby takes over while the old primary still believes it is primary; when it
 * resumes, it goes on forwarding the writes its clients sent it: two writers, each sure
 * it is the only one. Without fencing, the storage accepts both and the stale primary's
 * writes land after the new one's. With **fencing**, every write carries its writer's
 * epoch and the storage refuses any epoch older than the newest it has seen; a refused
 * primary learns it was replaced and steps down. Fencing does not stop two servers from
 * believing they are primary (nothing can, with timeouts); it stops the stale one's
 * writes from taking effect.
 *
 * @module
 */
import { z } from "zod";
import { nonNegativeMs, positiveMs } from "../config/mod.ts";
import { Random } from "../sim/random.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant } from "../testing/mod.ts";

/** Messages of the failover system. */
export type FailoverMessage =
  | { readonly type: "heartbeat"; readonly epoch: number }
  | { readonly type: "primary"; readonly epoch: number }
  | { readonly type: "write"; readonly value: number }
  | {
    readonly type: "store";
    readonly value: number;
    readonly epoch: number;
    readonly client: NodeId;
  }
  | { readonly type: "refused"; readonly epoch: number; readonly newestEpoch: number };

/** Timers of a {@link FailoverServer} and a {@link FailoverClient}. */
export type FailoverTimer = "beat" | "check" | "ready" | "write";

/** Options of a {@link FailoverServer}. */
export interface FailoverServerOptions {
  /** The other server. */
  readonly peer: NodeId;
  /** The storage service. */
  readonly storage: NodeId;
  /** The clients to tell of a takeover. */
  readonly clients: readonly NodeId[];
  /** Whether this server starts as primary. */
  readonly primary: boolean;
  /** Time between heartbeats, ms. */
  readonly heartbeatMs: number;
  /** Silence after which the standby takes over, ms. */
  readonly timeoutMs: number;
  /** Time a newly promoted server spends before serving (0: hot standby), ms. */
  readonly warmUpMs: number;
}

/** Called when a server's role changes; for observers only. */
export type RoleObserver = (server: NodeId, role: "primary" | "standby", epoch: number) => void;

/**
 * One of the two servers. Roles change only in `#become`.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("s1", (ctx) => new FailoverServer(ctx, { peer: "s2", storage: "db", clients: ["c1"],
 *   primary: true, heartbeatMs: 50, timeoutMs: 200, warmUpMs: 0 }));
 * ```
 */
export class FailoverServer implements Node<FailoverMessage, FailoverTimer> {
  readonly #ctx: NodeContext<FailoverMessage, FailoverTimer>;
  readonly #options: FailoverServerOptions;
  readonly #observer: RoleObserver | undefined;
  #role: "primary" | "standby";
  #epoch = 1;
  #serving: boolean;
  #lastHeardMs = 0;

  /** A server acting through `ctx`. */
  constructor(
    ctx: NodeContext<FailoverMessage, FailoverTimer>,
    options: FailoverServerOptions,
    observer?: RoleObserver,
  ) {
    this.#ctx = ctx;
    this.#options = options;
    this.#observer = observer;
    this.#role = options.primary ? "primary" : "standby";
    this.#serving = options.primary;
  }

  /** "primary" or "standby", as this server believes. */
  get role(): "primary" | "standby" {
    return this.#role;
  }

  /** The newest epoch this server knows. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Starts heartbeating (primary) or watching (standby). */
  start(): void {
    this.#lastHeardMs = this.#ctx.now();
    this.#ctx.setTimer(this.#options.heartbeatMs, "beat");
    this.#ctx.setTimer(this.#options.heartbeatMs, "check");
  }

  /** Heartbeats, takeovers, client writes and refusals. */
  onMessage(_from: NodeId, message: FailoverMessage): void {
    switch (message.type) {
      case "heartbeat":
      case "primary":
        if (message.epoch > this.#epoch) {
          this.#epoch = message.epoch;
          this.#become("standby");
        }
        if (message.epoch >= this.#epoch) this.#lastHeardMs = this.#ctx.now();
        return;
      case "write":
        // A primary serves whatever arrives: it has no way to know it was replaced.
        if (this.#role === "primary" && this.#serving) {
          this.#ctx.send(this.#options.storage, {
            type: "store",
            value: message.value,
            epoch: this.#epoch,
            client: _from,
          });
        }
        return;
      case "refused":
        if (message.newestEpoch > this.#epoch) {
          this.#epoch = message.newestEpoch;
          this.#become("standby");
        }
        return;
      default:
        return;
    }
  }

  /** Heartbeat, failure check, or the end of a warm-up. */
  onTimer(timer: FailoverTimer): void {
    if (timer === "beat") {
      if (this.#role === "primary") {
        this.#ctx.send(this.#options.peer, { type: "heartbeat", epoch: this.#epoch });
      }
      this.#ctx.setTimer(this.#options.heartbeatMs, "beat");
    } else if (timer === "check") {
      if (
        this.#role === "standby" && this.#ctx.now() - this.#lastHeardMs >= this.#options.timeoutMs
      ) {
        this.#epoch++;
        this.#become("primary");
      }
      this.#ctx.setTimer(this.#options.heartbeatMs / 2, "check");
    } else if (timer === "ready" && this.#role === "primary") {
      this.#serving = true;
      this.#announce();
    }
  }

  #become(role: "primary" | "standby"): void {
    if (role === this.#role) return;
    this.#role = role;
    this.#ctx.log(`${role} in epoch ${this.#epoch}`);
    this.#observer?.(this.#ctx.id, role, this.#epoch);
    if (role === "standby") {
      this.#serving = false;
      this.#lastHeardMs = this.#ctx.now();
      return;
    }
    if (this.#options.warmUpMs > 0) {
      this.#ctx.setTimer(this.#options.warmUpMs, "ready");
    } else {
      this.#serving = true;
      this.#announce();
    }
  }

  #announce(): void {
    for (const to of [...this.#options.clients, this.#options.peer]) {
      this.#ctx.send(to, { type: "primary", epoch: this.#epoch });
    }
  }
}

/** One write the storage accepted. */
export interface AcceptedWrite {
  /** The writer's epoch. */
  readonly epoch: number;
  /** The server that forwarded it. */
  readonly server: NodeId;
  /** True time of acceptance, ms. */
  readonly timeMs: number;
}

/** A storage's rule for a write: accept a write of `writeEpoch` when the newest accepted is `newestEpoch`? */
export type FencingRule = (writeEpoch: number, newestEpoch: number) => boolean;

/** Fencing: refuse a write from an epoch older than the newest accepted. */
export const FENCE_OLDER_EPOCHS: FencingRule = (
  writeEpoch: number,
  newestEpoch: number,
): boolean => writeEpoch >= newestEpoch;

const ACCEPT_ALL: FencingRule = () => true;

/**
 * The shared storage. With `fencing`, it refuses a write whose epoch is older than the
 * newest it has accepted, and tells the writer the newest epoch.
 */
export class FencedStorage implements Node<FailoverMessage> {
  readonly #ctx: NodeContext<FailoverMessage>;
  readonly #rule: FencingRule;
  readonly #accepted: (write: AcceptedWrite) => void;
  #newestEpoch = 0;

  /**
   * A storage acting through `ctx`; `accepted` is told of each write it takes. `fencing`
   * is on, off, or a rule of one's own: `(writeEpoch, newestEpoch) => accept?`, where
   * `newestEpoch` is the newest epoch accepted so far (0 before any write).
   */
  constructor(
    ctx: NodeContext<FailoverMessage>,
    fencing: boolean | FencingRule,
    accepted: (write: AcceptedWrite) => void,
  ) {
    this.#ctx = ctx;
    this.#rule = fencing === true ? FENCE_OLDER_EPOCHS : fencing === false ? ACCEPT_ALL : fencing;
    this.#accepted = accepted;
  }

  /** Stores a write, or refuses a stale one when fencing. */
  onMessage(from: NodeId, message: FailoverMessage): void {
    if (message.type !== "store") return;
    if (!this.#rule(message.epoch, this.#newestEpoch)) {
      this.#ctx.send(from, {
        type: "refused",
        epoch: message.epoch,
        newestEpoch: this.#newestEpoch,
      });
      return;
    }
    this.#newestEpoch = Math.max(this.#newestEpoch, message.epoch);
    this.#accepted({ epoch: message.epoch, server: from, timeMs: Number.NaN });
  }
}

/** A client writing every `intervalMs` to whichever server last told it it was primary. */
export class FailoverClient implements Node<FailoverMessage, FailoverTimer> {
  readonly #ctx: NodeContext<FailoverMessage, FailoverTimer>;
  readonly #intervalMs: number;
  #primary: NodeId;
  #epoch = 1;
  #value = 0;

  /** A client that starts by writing to `primary`. */
  constructor(
    ctx: NodeContext<FailoverMessage, FailoverTimer>,
    primary: NodeId,
    intervalMs: number,
  ) {
    this.#ctx = ctx;
    this.#primary = primary;
    this.#intervalMs = intervalMs;
  }

  /** Starts writing after a random phase. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#intervalMs), "write");
  }

  /** Follows takeovers of a newer epoch. */
  onMessage(from: NodeId, message: FailoverMessage): void {
    if (message.type === "primary" && message.epoch > this.#epoch) {
      this.#epoch = message.epoch;
      this.#primary = from;
    }
  }

  /** Sends the next write. */
  onTimer(): void {
    this.#ctx.send(this.#primary, { type: "write", value: this.#value++ });
    this.#ctx.setTimer(this.#intervalMs, "write");
  }
}

/** Zod schema of the `failover` trial's parameters. */
export const FailoverParamsSchema = z.strictObject({
  fencing: z.boolean().default(true).describe("The storage refuses writes from an older epoch"),
  standby: z.enum(["hot", "warm"]).default("hot").describe(
    "Hot serves at once; warm warms up first",
  ),
  warmUpMs: nonNegativeMs().default(300).describe("Warm standby's warm-up before serving, in ms"),
  heartbeatMs: positiveMs().default(50).describe("Time between heartbeats, in ms"),
  timeoutMs: positiveMs().default(200).describe(
    "Silence after which the standby takes over, in ms",
  ),
  fault: z.enum(["pause", "crash"]).default("pause").describe("What happens to the primary"),
  maxPauseMs: positiveMs().default(600)
    .describe("The primary pauses for a time uniform up to this, in ms"),
  clients: z.number().int().min(1).default(3).describe("Clients writing"),
  writeIntervalMs: positiveMs().default(20).describe("Time between a client's writes, in ms"),
});

/** Parameters of the `failover` trial, with defaults applied. */
export type FailoverParams = z.output<typeof FailoverParamsSchema>;

/** What a `failover` trial builds. */
export interface FailoverSystem {
  /** The simulation. */
  readonly simulation: Simulation<FailoverMessage>;
  /** Writes the storage accepted, in order. */
  readonly accepted: AcceptedWrite[];
  /** Role changes, in order, with true times. */
  readonly roleChanges: { server: NodeId; role: string; epoch: number; timeMs: number }[];
  /** When the primary's fault starts, ms. */
  readonly faultAtMs: number;
  /** The first stale write accepted after a newer one, described; undefined while none. */
  splitBrain: string | undefined;
}

/**
 * Checks the accepted writes: returns what is wrong when a write from an older epoch was
 * accepted after one from a newer epoch (two writers interleaved), else undefined.
 */
export function staleWriteAfterNewer(accepted: readonly AcceptedWrite[]): string | undefined {
  let newest: AcceptedWrite | undefined;
  for (const write of accepted) {
    if (newest !== undefined && write.epoch < newest.epoch) {
      return `split brain: ${write.server} (epoch ${write.epoch}) wrote at ` +
        `${write.timeMs.toFixed(1)} ms after ${newest.server} (epoch ${newest.epoch}) had ` +
        `written at ${newest.timeMs.toFixed(1)} ms`;
    }
    if (newest === undefined || write.epoch > newest.epoch) newest = write;
  }
  return undefined;
}

/** Options of {@link buildFailover}. */
export interface BuildFailoverOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** The replay line for failures. */
  readonly replay?: string;
  /** The storage's own rule, in place of `params.fencing`. */
  readonly fencingRule?: FencingRule;
}

/**
 * Builds the failover system of {@link failoverTrial} for `params` and `seed`, ready to run
 * (the fault is scheduled): two servers, the storage and the clients.
 */
export function buildFailover(
  params: FailoverParams,
  seed: number,
  options: BuildFailoverOptions = {},
): FailoverSystem {
  const simulation = new Simulation<FailoverMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: { latency: { kind: "uniform", minMs: 1, maxMs: 5 } },
  });
  const random = new Random(seed, "failover");
  const faultAtMs = random.uniform(500, 1000);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const system: FailoverSystem = {
    simulation,
    accepted: [],
    roleChanges: [],
    faultAtMs,
    splitBrain: undefined,
  };
  let newest: AcceptedWrite | undefined;
  const observer: RoleObserver = (server, role, epoch) =>
    system.roleChanges.push({ server, role, epoch, timeMs: simulation.now });
  const server = (id: NodeId, peer: NodeId, primary: boolean) =>
    simulation.addNode<FailoverTimer>(id, (ctx) =>
      new FailoverServer(ctx, {
        peer,
        storage: "db",
        clients,
        primary,
        heartbeatMs: params.heartbeatMs,
        timeoutMs: params.timeoutMs,
        warmUpMs: params.standby === "warm" ? params.warmUpMs : 0,
      }, observer));
  server("s1", "s2", true);
  server("s2", "s1", false);
  simulation.addNode(
    "db",
    (ctx) =>
      new FencedStorage(ctx, options.fencingRule ?? params.fencing, (write) => {
        const stamped = { ...write, timeMs: simulation.now };
        system.accepted.push(stamped);
        // Checked as each write lands, so the invariant costs nothing per event.
        if (system.splitBrain === undefined && newest !== undefined) {
          system.splitBrain = staleWriteAfterNewer([newest, stamped]);
        }
        if (newest === undefined || stamped.epoch > newest.epoch) newest = stamped;
      }),
  );
  simulation.addNodes<FailoverTimer>(
    clients,
    (ctx) => new FailoverClient(ctx, "s1", params.writeIntervalMs),
  );
  if (params.fault === "crash") {
    simulation.schedule([{ atMs: faultAtMs, kind: "crash", node: "s1" }]);
  } else {
    const pauseMs = random.uniform(0, params.maxPauseMs);
    simulation.schedule([
      { atMs: faultAtMs, kind: "pause", node: "s1" },
      { atMs: faultAtMs + pauseMs, kind: "resume", node: "s1" },
    ]);
  }
  return system;
}

/**
 * The `failover` trial: s1 is primary, s2 a standby; clients write through the primary;
 * at a random time the primary pauses (or crashes). Safety: the storage never accepts a
 * write from an older epoch after a newer one. Liveness: after the fault, writes of a
 * single epoch keep landing.
 */
export const failoverTrial = defineTrial({
  name: "failover",
  params: FailoverParamsSchema,
  build: ({ params, seed, record, replay }) => buildFailover(params, seed, { record, replay }),
  invariants: [
    invariant<FailoverSystem>(
      "no write from an older epoch after a newer one",
      (system) => system.splitBrain,
    ),
  ],
  untilMs: () => 2_500,
  row: ({ system, params, failure }) => ({
    fencing: params.fencing,
    standby: params.standby,
    takeovers: system.roleChanges.filter((c) => c.role === "primary").length,
    splitBrain: system.splitBrain !== undefined,
    failed: failure !== undefined,
  }),
});
