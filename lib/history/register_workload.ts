/**
 * A replicated register and the clients that use it, to record histories in simulation.
 * A primary applies every write and cas and forwards the new value to its backups, without
 * waiting for them. Reads go to the primary, so the register is linearizable; with the
 * `staleReads` bug switch on, clients read from any replica, and a backup that has not
 * caught up answers with an old value. With `failoverAtMs`, the primary crashes at that
 * time and the first backup takes over with whatever it has received: writes the old
 * primary acknowledged but had not yet replicated to it are lost.
 *
 * @module
 */
import { z } from "zod";
import {
  integerAtLeast,
  nonNegativeMs,
  parseConfig,
  positiveMs,
  probability,
  seedField,
} from "../config/mod.ts";
import { DistributionSchema } from "../sim/distributions.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import type { History } from "./operation.ts";
import { HistoryRecorder } from "./recorder.ts";

/** Messages between register clients and replicas. */
export type RegisterMessage =
  | { readonly type: "read"; readonly id: number }
  | { readonly type: "write"; readonly id: number; readonly value: number }
  | { readonly type: "cas"; readonly id: number; readonly expected: number; readonly to: number }
  | { readonly type: "replicate"; readonly version: number; readonly value: number | null }
  | {
    readonly type: "reply";
    readonly id: number;
    readonly ok: boolean;
    readonly value: number | null;
  };

/** Options of a {@link RegisterReplica}. */
export interface RegisterReplicaOptions {
  /** The backups a primary forwards new values to; empty for a backup. */
  readonly backups: readonly NodeId[];
  /**
   * For a backup: the time (its own clock, ms) from which it acts as the primary. From then
   * on it forwards its changes to `backups` and ignores updates still arriving from the old
   * primary, as a promoted replica must. Default: never.
   */
  readonly promoteAtMs?: number;
}

/**
 * One copy of the register. The primary (a replica with backups) serves reads, writes
 * and cas, and after each change sends the new value and its version to every backup,
 * asynchronously. A backup adopts newer versions and answers reads with whatever value it
 * has: stale if the latest change is still on its way.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNode("primary", (ctx) => new RegisterReplica(ctx, { backups: ["b1", "b2"] }));
 * sim.addNode("b1", (ctx) => new RegisterReplica(ctx, { backups: [] }));
 * ```
 */
export class RegisterReplica implements Node<RegisterMessage> {
  readonly #ctx: NodeContext<RegisterMessage>;
  readonly #backups: readonly NodeId[];
  readonly #promoteAtMs: number;
  #value: number | null = null;
  #version = 0;

  /** A replica acting through `ctx`. */
  constructor(ctx: NodeContext<RegisterMessage>, options: RegisterReplicaOptions) {
    this.#ctx = ctx;
    this.#backups = [...options.backups];
    this.#promoteAtMs = options.promoteAtMs ?? Infinity;
  }

  /** The value this replica holds. */
  get value(): number | null {
    return this.#value;
  }

  /** Serves a request or adopts a replicated value. */
  onMessage(from: NodeId, message: RegisterMessage): void {
    switch (message.type) {
      case "read":
        this.#ctx.send(from, { type: "reply", id: message.id, ok: true, value: this.#value });
        return;
      case "write":
        this.#set(message.value);
        this.#ctx.send(from, { type: "reply", id: message.id, ok: true, value: message.value });
        return;
      case "cas": {
        const matches = this.#value === message.expected;
        if (matches) this.#set(message.to);
        this.#ctx.send(from, { type: "reply", id: message.id, ok: matches, value: this.#value });
        return;
      }
      case "replicate":
        // A promoted replica is the primary now: updates from its predecessor are void.
        if (this.#ctx.now() >= this.#promoteAtMs) return;
        if (message.version > this.#version) {
          this.#version = message.version;
          this.#value = message.value;
        }
        return;
      case "reply":
        return;
    }
  }

  #set(value: number): void {
    this.#value = value;
    this.#version++;
    for (const backup of this.#backups) {
      this.#ctx.send(backup, { type: "replicate", version: this.#version, value });
    }
  }
}

/** Options of a {@link RegisterClient}. */
export interface RegisterClientOptions {
  /** Where operations are recorded. */
  readonly recorder: HistoryRecorder;
  /** The primary replica. */
  readonly primary: NodeId;
  /** Where reads go: the primary only, or (the stale-read bug) any of these. */
  readonly readFrom: readonly NodeId[];
  /** How many operations to issue. */
  readonly operations: number;
  /** How long to wait for a reply before recording `info`, in ms of the client's clock. */
  readonly timeoutMs: number;
  /** Longest pause between operations, in ms (uniform from 0). */
  readonly thinkMs: number;
  /** Values written are whole numbers from 0 to `values - 1`. */
  readonly values: number;
  /**
   * From `atMs` on (the client's clock), every operation goes to `to` instead of `primary`
   * (reads too, unless they go to any replica). Default: no failover.
   */
  readonly failover?: { readonly atMs: number; readonly to: NodeId };
}

/** A client's timer: time to issue the next operation, or to give up on a pending one. */
export type RegisterClientTimer = { readonly kind: "next" } | {
  readonly kind: "timeout";
  readonly id: number;
};

/**
 * A client that issues random reads (half of its operations), writes and cas one at a
 * time and records each in the history: `ok` on a reply (a cas that found another value
 * is `fail`), `info` when no reply comes in time.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 * import { HistoryRecorder } from "./recorder.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const recorder = new HistoryRecorder({ now: () => sim.now });
 * sim.addNode("c1", (ctx) => new RegisterClient(ctx, {
 *   recorder, primary: "primary", readFrom: ["primary"], operations: 10,
 *   timeoutMs: 50, thinkMs: 5, values: 5,
 * }));
 * ```
 */
export class RegisterClient implements Node<RegisterMessage, RegisterClientTimer> {
  readonly #ctx: NodeContext<RegisterMessage, RegisterClientTimer>;
  readonly #options: RegisterClientOptions;
  #issued = 0;
  #pending:
    | { readonly id: number; readonly f: "read" | "write" | "cas"; readonly timer: TimerId }
    | undefined;

  /** A client acting through `ctx`. */
  constructor(
    ctx: NodeContext<RegisterMessage, RegisterClientTimer>,
    options: RegisterClientOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Operations issued so far. */
  get issued(): number {
    return this.#issued;
  }

  /** Issues the first operation. */
  start(): void {
    this.#issue();
  }

  /** Records the reply to the pending operation. */
  onMessage(_from: NodeId, message: RegisterMessage): void {
    if (message.type !== "reply" || this.#pending?.id !== message.id) return;
    this.#ctx.cancelTimer(this.#pending.timer);
    const f = this.#pending.f;
    this.#pending = undefined;
    const recorder = this.#options.recorder;
    if (!message.ok) recorder.fail(this.#ctx.id);
    else if (f === "read") recorder.ok(this.#ctx.id, message.value);
    else recorder.ok(this.#ctx.id);
    this.#pause();
  }

  /** Gives up on a pending operation, or issues the next one. */
  onTimer(timer: RegisterClientTimer): void {
    if (timer.kind === "next") {
      this.#issue();
      return;
    }
    if (this.#pending?.id !== timer.id) return;
    this.#pending = undefined;
    this.#options.recorder.info(this.#ctx.id);
    this.#pause();
  }

  #pause(): void {
    if (this.#issued >= this.#options.operations) return;
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.thinkMs), { kind: "next" });
  }

  #issue(): void {
    const { recorder, readFrom, timeoutMs, values, failover } = this.#options;
    const failedOver = failover !== undefined && this.#ctx.now() >= failover.atMs;
    const primary = failedOver ? failover.to : this.#options.primary;
    // After a failover the old primary is gone: whoever read from it reads from the new one.
    const readTargets = failedOver
      ? [...new Set(readFrom.map((id) => id === this.#options.primary ? primary : id))]
      : readFrom;
    const random = this.#ctx.random;
    const id = ++this.#issued;
    const roll = random.next();
    const client = this.#ctx.id;
    let f: "read" | "write" | "cas";
    if (roll < 0.5) {
      f = "read";
      recorder.invoke(client, "read", null);
      this.#ctx.send(random.pick(readTargets), { type: "read", id });
    } else if (roll < 0.75) {
      const value = random.int(0, values);
      f = "write";
      recorder.invoke(client, "write", value);
      this.#ctx.send(primary, { type: "write", id, value });
    } else {
      const expected = random.int(0, values), to = random.int(0, values);
      f = "cas";
      recorder.invoke(client, "cas", [expected, to]);
      this.#ctx.send(primary, { type: "cas", id, expected, to });
    }
    this.#pending = { id, f, timer: this.#ctx.setTimer(timeoutMs, { kind: "timeout", id }) };
  }
}

/** Zod schema of {@link RegisterWorkloadOptions}. */
export const RegisterWorkloadOptionsSchema = z.strictObject({
  /** Master seed of the simulation. Default 1. */
  seed: seedField().default(1),
  /** How many clients run at once. Default 3. */
  clients: integerAtLeast(1).default(3),
  /** Operations each client issues. Default 20. */
  operationsPerClient: integerAtLeast(1).default(20),
  /** Backup replicas besides the primary. Default 2. */
  backups: integerAtLeast(0).default(2),
  /** The bug switch: read from any replica instead of the primary. Default false. */
  staleReads: z.boolean().default(false),
  /** How long a client waits for a reply before recording `info`, in ms. Default 50. */
  timeoutMs: positiveMs().default(50),
  /** Longest pause between a client's operations, in ms. Default 5. */
  thinkMs: nonNegativeMs().default(5),
  /** How many distinct values are written (0 to values - 1). Default 5. */
  values: integerAtLeast(1).default(5),
  /** One-way network delay. Default uniform 1–10 ms. */
  latency: DistributionSchema.prefault({ kind: "uniform", minMs: 1, maxMs: 10 }),
  /**
   * One-way delay of the primary's updates to its backups: how far the backups lag.
   * Default: the same as `latency`.
   */
  replicationLatency: DistributionSchema.optional(),
  /** Probability that a message is lost (its operation may end in `info`). Default 0. */
  lossProbability: probability().default(0),
  /**
   * When the primary crashes, in ms; the first backup takes over at once and clients switch
   * to it. Replication is asynchronous, so writes the primary acknowledged but whose update
   * had not reached that backup are lost. Default: the primary never fails.
   */
  failoverAtMs: nonNegativeMs().optional(),
}).refine((o) => o.failoverAtMs === undefined || o.backups > 0, {
  error: "needs at least one backup to fail over to",
  path: ["failoverAtMs"],
});

/** Settings of {@link runRegisterWorkload}, with defaults applied. */
export type RegisterWorkloadOptions = z.output<typeof RegisterWorkloadOptionsSchema>;

/** What a user may write for {@link RegisterWorkloadOptions}: every field is optional. */
export type RegisterWorkloadOptionsInput = z.input<typeof RegisterWorkloadOptionsSchema>;

/** The outcome of {@link runRegisterWorkload}. */
export interface RegisterWorkloadRun {
  /** The recorded history, stamped with true time in ms. */
  readonly history: History;
  /** The finished simulation, for its trace. */
  readonly simulation: Simulation<RegisterMessage>;
}

/**
 * Runs clients against a primary and its backups until every client has issued all of
 * its operations, and returns the recorded history. Same options, same history. A bad
 * option throws a ConfigError naming it.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "../check/linearizability.ts";
 *
 * const { history } = runRegisterWorkload({ seed: 3, staleReads: true });
 * checkLinearizable(history).valid; // false for most seeds: a backup served an old value
 * ```
 */
export function runRegisterWorkload(
  options: RegisterWorkloadOptionsInput = {},
): RegisterWorkloadRun {
  const config = parseConfig(RegisterWorkloadOptionsSchema, options, "workload");
  const backups = Array.from({ length: config.backups }, (_, i) => `backup${i + 1}`);
  const lagging = config.replicationLatency === undefined || backups.length === 0
    ? []
    : [{ from: "primary", to: backups, latency: config.replicationLatency }];
  const failover = config.failoverAtMs === undefined
    ? undefined
    : { atMs: config.failoverAtMs, to: backups[0] as string };
  const simulation = new Simulation<RegisterMessage>({
    seed: config.seed,
    network: {
      latency: config.latency,
      lossProbability: config.lossProbability,
      links: lagging,
    },
    faults: failover === undefined ? [] : [{ atMs: failover.atMs, kind: "crash", node: "primary" }],
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  simulation.addNode("primary", (ctx) => new RegisterReplica(ctx, { backups }));
  for (const id of backups) {
    const promoted = failover?.to === id;
    simulation.addNode(id, (ctx) =>
      new RegisterReplica(ctx, {
        backups: promoted ? backups.filter((other) => other !== id) : [],
        ...(promoted ? { promoteAtMs: failover.atMs } : {}),
      }));
  }
  const readFrom = config.staleReads ? ["primary", ...backups] : ["primary"];
  const clients = Array.from({ length: config.clients }, (_, i) => `client${i + 1}`);
  simulation.addNodes<RegisterClientTimer>(clients, (ctx) =>
    new RegisterClient(ctx, {
      recorder,
      primary: "primary",
      readFrom,
      operations: config.operationsPerClient,
      timeoutMs: config.timeoutMs,
      thinkMs: config.thinkMs,
      values: config.values,
      ...(failover === undefined ? {} : { failover }),
    }));
  simulation.runUntilQuiet({ description: "every client finishes its operations" });
  return { history: recorder.history, simulation };
}
