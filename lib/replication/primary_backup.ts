/**
 * Primary-backup replication. The primary orders every write in its log, stores it and
 * ships it to the backups, which apply the log in order. Synchronous replication answers
 * the client only once every backup has the write; asynchronous replication answers at
 * once and lets the backups catch up. When the primary fails, a failover manager (an
 * operator, Patroni, Sentinel) promotes the backup with the longest log. Asynchronously,
 * writes acknowledged but not yet shipped are then gone: {@link runFailover} counts them.
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
} from "../config/mod.ts";
import { checkLinearizable, type LinearizabilityResult } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { defineTrial, invariant, linearizability, type Trial } from "../testing/mod.ts";

/** One write in the primary's log. */
export interface LogEntry {
  /** Position in the log, from 1. */
  readonly seq: number;
  /** The key written. */
  readonly key: string;
  /** The value written. */
  readonly value: number;
}

/** Messages of primary-backup replication. */
export type PrimaryBackupMessage =
  | { readonly type: "Write"; readonly id: number; readonly key: string; readonly value: number }
  | { readonly type: "Read"; readonly id: number; readonly key: string }
  | { readonly type: "Reply"; readonly id: number; readonly value: number | null }
  | { readonly type: "NotPrimary"; readonly id: number }
  | { readonly type: "Ship"; readonly entries: readonly LogEntry[] }
  | { readonly type: "ShipAck"; readonly applied: number };

/** How the primary answers writes. */
export type ReplicationMode = "sync" | "async";

/** Options of a {@link PrimaryBackupServer}. */
export interface PrimaryBackupServerOptions {
  /** Whether this server starts as the primary. */
  readonly primary: boolean;
  /** Every server, this one included. */
  readonly servers: readonly NodeId[];
  /** Synchronous or asynchronous replication. */
  readonly mode: ReplicationMode;
  /** How often the primary re-ships unacknowledged entries, in ms. Default 20. */
  readonly resendMs?: number;
  /** Deliberately broken rules, for tests that must catch them. Default none. */
  readonly unsafe?: {
    /** Reads see writes the backups do not have yet (which a failover may erase). */
    readonly readUncommitted?: boolean;
  };
}

const LOG = "log";

/**
 * A server: the primary, or a backup that applies the primary's log in order and may be
 * promoted. The log is durable (a crash loses nothing stored); a promoted backup serves
 * from its own log, whatever it holds. Reads see only committed writes: synchronously,
 * those on every backup. (Showing a write before the backups have it lets a reader see a
 * value that a failover then erases.)
 */
export class PrimaryBackupServer implements Node<PrimaryBackupMessage, "resend"> {
  readonly #ctx: NodeContext<PrimaryBackupMessage, "resend">;
  readonly #options: PrimaryBackupServerOptions;
  #primary: boolean;
  readonly #log: LogEntry[];
  /** What reads see: the writes committed (on every backup, when synchronous). */
  readonly #state = new Map<string, number>();
  /** How many log entries are committed. */
  #committed = 0;
  /** Primary: how far each backup has acknowledged. */
  readonly #acked = new Map<NodeId, number>();
  /** Primary, sync: writes waiting for every backup: seq → (client, request id). */
  readonly #waiting = new Map<number, { client: NodeId; id: number }>();
  /** Backups this primary replicates to (all others, until it learns otherwise). */
  #backups: NodeId[];

  /** A server acting through `ctx`; it reloads its log from durable storage. */
  constructor(
    ctx: NodeContext<PrimaryBackupMessage, "resend">,
    options: PrimaryBackupServerOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
    this.#primary = ctx.storage.get<boolean>("primary") ?? options.primary;
    this.#log = ctx.storage.get<LogEntry[]>(LOG) ?? [];
    this.#commit(this.#log.length);
    this.#backups = options.servers.filter((id) => id !== ctx.id);
  }

  /** Starts the resend timer. */
  start(): void {
    this.#ctx.setTimer(this.#options.resendMs ?? 20, "resend");
  }

  /** Whether this server is the primary. */
  get isPrimary(): boolean {
    return this.#primary;
  }

  /** The log's length: how many writes this server has. */
  get applied(): number {
    return this.#log.length;
  }

  /** The log (a copy). */
  get log(): readonly LogEntry[] {
    return this.#log.slice();
  }

  /** Makes this server the primary (the failover manager's call); `backups` follow it. */
  promote(backups: readonly NodeId[]): void {
    this.#primary = true;
    this.#ctx.storage.set("primary", true);
    this.#backups = [...backups];
    this.#acked.clear();
    // Entries it holds beyond the old primary's commit were never acknowledged: taking
    // effect now is allowed (their clients heard nothing).
    this.#commit(this.#log.length);
    this.#ctx.log("promoted to primary", { applied: this.#log.length });
  }

  /** Serves clients (primary) or applies shipped entries (backup). */
  onMessage(from: NodeId, message: PrimaryBackupMessage): void {
    switch (message.type) {
      case "Write": {
        if (!this.#primary) {
          this.#ctx.send(from, { type: "NotPrimary", id: message.id });
          return;
        }
        const entry = { seq: this.#log.length + 1, key: message.key, value: message.value };
        this.#append(entry);
        this.#ship();
        if (this.#options.mode === "async" || this.#backups.length === 0) {
          this.#commit(entry.seq);
          this.#ctx.send(from, { type: "Reply", id: message.id, value: message.value });
        } else {
          this.#waiting.set(entry.seq, { client: from, id: message.id });
        }
        return;
      }
      case "Read":
        if (!this.#primary) {
          this.#ctx.send(from, { type: "NotPrimary", id: message.id });
          return;
        }
        this.#ctx.send(from, {
          type: "Reply",
          id: message.id,
          value: this.#options.unsafe?.readUncommitted
            ? this.#log.findLast((e) => e.key === message.key)?.value ?? null
            : this.#state.get(message.key) ?? null,
        });
        return;
      case "Ship":
        if (this.#primary) return;
        for (const entry of message.entries) {
          if (entry.seq === this.#log.length + 1) this.#append(entry);
        }
        this.#ctx.send(from, { type: "ShipAck", applied: this.#log.length });
        return;
      case "ShipAck": {
        if (!this.#primary) return;
        this.#acked.set(from, Math.max(this.#acked.get(from) ?? 0, message.applied));
        const everywhere = Math.min(...this.#backups.map((id) => this.#acked.get(id) ?? 0));
        this.#commit(everywhere);
        for (const [seq, waiter] of this.#waiting) {
          if (seq <= everywhere) {
            this.#waiting.delete(seq);
            const entry = this.#log[seq - 1]!;
            this.#ctx.send(waiter.client, { type: "Reply", id: waiter.id, value: entry.value });
          }
        }
        return;
      }
      case "Reply":
      case "NotPrimary":
        return;
    }
  }

  /** Re-ships what backups have not acknowledged. */
  onTimer(): void {
    if (this.#primary) this.#ship();
    this.#ctx.setTimer(this.#options.resendMs ?? 20, "resend");
  }

  #append(entry: LogEntry): void {
    this.#log.push(entry);
    this.#ctx.storage.set(LOG, this.#log);
  }

  /** Makes the first `upTo` entries visible to reads. */
  #commit(upTo: number): void {
    for (; this.#committed < Math.min(upTo, this.#log.length); this.#committed++) {
      const entry = this.#log[this.#committed]!;
      this.#state.set(entry.key, entry.value);
    }
  }

  #ship(): void {
    for (const backup of this.#backups) {
      const from = this.#acked.get(backup) ?? 0;
      if (from >= this.#log.length) continue;
      this.#ctx.send(backup, { type: "Ship", entries: this.#log.slice(from) });
    }
  }
}

/** A client's timers. */
export type PrimaryBackupClientTimer = { readonly kind: "timeout"; readonly id: number };

/** How a client's write ended. Times are true simulation time, in ms. */
export interface PrimaryBackupWrite {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: number;
  /** `ok` (acknowledged) or `info` (no answer in time). */
  readonly status: "ok" | "info";
  /** When the client sent it. */
  readonly invokedMs: number;
  /** When it ended. */
  readonly completedMs: number;
}

/** Options of a {@link PrimaryBackupClient}. */
export interface PrimaryBackupClientOptions {
  /** Where operations are recorded, if anywhere (then one at a time). */
  readonly recorder?: HistoryRecorder;
  /** Give up on an operation after this long, in ms. Default 200. */
  readonly timeoutMs?: number;
}

/**
 * A client of the primary. The failover manager tells it who the primary is
 * ({@link PrimaryBackupClient.usePrimary}); it sends writes and reads there.
 */
export class PrimaryBackupClient implements Node<PrimaryBackupMessage, PrimaryBackupClientTimer> {
  readonly #ctx: NodeContext<PrimaryBackupMessage, PrimaryBackupClientTimer>;
  readonly #options: PrimaryBackupClientOptions;
  #primary: NodeId;
  #nextId = 1;
  readonly #pending = new Map<number, {
    f: "read" | "write";
    key: string;
    value: number | null;
    invokedMs: number;
    timer: TimerId;
    done?: (status: "ok" | "info", value: number | null) => void;
  }>();
  readonly #writes: PrimaryBackupWrite[] = [];

  /** A client that starts by sending to `primary`. */
  constructor(
    ctx: NodeContext<PrimaryBackupMessage, PrimaryBackupClientTimer>,
    primary: NodeId,
    options: PrimaryBackupClientOptions = {},
  ) {
    this.#ctx = ctx;
    this.#primary = primary;
    this.#options = options;
  }

  /** Every write that ended. */
  get writes(): readonly PrimaryBackupWrite[] {
    return this.#writes;
  }

  /** Operations in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends later operations to `primary`. */
  usePrimary(primary: NodeId): void {
    this.#primary = primary;
  }

  /** Writes `value` to `key`. */
  write(key: string, value: number, done?: (status: "ok" | "info") => void): void {
    const id = this.#begin("write", key, value, done);
    this.#ctx.send(this.#primary, { type: "Write", id, key, value });
  }

  /** Reads `key` from the primary. */
  read(key: string, done?: (status: "ok" | "info", value: number | null) => void): void {
    const id = this.#begin("read", key, null, done);
    this.#ctx.send(this.#primary, { type: "Read", id, key });
  }

  /** Completes an operation on its reply. */
  onMessage(_from: NodeId, message: PrimaryBackupMessage): void {
    if (message.type === "Reply") this.#end(message.id, "ok", message.value);
    else if (message.type === "NotPrimary") this.#end(message.id, "info", null);
  }

  /** Gives up on an operation. */
  onTimer(timer: PrimaryBackupClientTimer): void {
    this.#end(timer.id, "info", null);
  }

  #begin(
    f: "read" | "write",
    key: string,
    value: number | null,
    done: ((status: "ok" | "info", value: number | null) => void) | undefined,
  ): number {
    const id = this.#nextId++;
    this.#options.recorder?.invoke(this.#ctx.id, f, value, { key });
    const timer = this.#ctx.setTimer(this.#options.timeoutMs ?? 200, { kind: "timeout", id });
    this.#pending.set(id, { f, key, value, invokedMs: this.#ctx.now(), timer, done });
    return id;
  }

  #end(id: number, status: "ok" | "info", value: number | null): void {
    const op = this.#pending.get(id);
    if (op === undefined) return;
    this.#pending.delete(id);
    this.#ctx.cancelTimer(op.timer);
    const recorder = this.#options.recorder;
    if (recorder !== undefined) {
      if (status === "info") recorder.info(this.#ctx.id);
      else if (op.f === "read") recorder.ok(this.#ctx.id, value);
      else recorder.ok(this.#ctx.id);
    }
    if (op.f === "write") {
      this.#writes.push({
        key: op.key,
        value: op.value!,
        status,
        invokedMs: op.invokedMs,
        completedMs: this.#ctx.now(),
      });
    }
    op.done?.(status, value);
  }
}

// ---- Failover, counted ----------------------------------------------------------------

/** Zod schema of the `failover-loss` experiment's parameters. */
export const FailoverParamsSchema = z.strictObject({
  mode: z.enum(["sync", "async"]).default("async").describe(
    "Synchronous or asynchronous replication",
  ),
  backups: integerAtLeast(1).default(2).describe("Backups besides the primary"),
  replicationLagMs: nonNegativeMs().default(20)
    .describe("Mean one-way delay from the primary to its backups, in ms (exponential)"),
  clientLatencyMs: positiveMs().default(1).describe(
    "One-way delay between clients and servers, in ms",
  ),
  clients: integerAtLeast(1).default(4).describe("Clients writing, each one write at a time"),
  keys: integerAtLeast(1).default(3).describe("Keys written"),
  thinkMs: nonNegativeMs().default(2).describe(
    "Longest pause between a client's operations, in ms",
  ),
  readFraction: probability().default(0).describe("Fraction of operations that are reads"),
  crashAtMs: positiveMs().default(300).describe("When the primary crashes, in ms"),
  detectMs: positiveMs().default(50)
    .describe("How long after the crash the backup with the longest log is promoted, in ms"),
  durationMs: positiveMs().default(600).describe("How long the clients keep working, in ms"),
  unsafe: z.enum(["none", "readUncommitted"]).default("none")
    .describe("A deliberately broken variant (readUncommitted: reads see unreplicated writes)"),
});

/** Parameters of a failover run, with defaults applied. */
export type FailoverParams = z.output<typeof FailoverParamsSchema>;

/** What a user may write for {@link FailoverParams}. */
export type FailoverParamsInput = z.input<typeof FailoverParamsSchema>;

/** One row of `failover-loss`: one run. */
export type FailoverRow = {
  /** sync or async. */
  readonly mode: string;
  /** Mean replication delay, in ms. */
  readonly replicationLagMs: number;
  /** When the primary crashed, in ms. */
  readonly crashAtMs: number;
  /** Writes acknowledged before the crash. */
  readonly ackedBeforeCrash: number;
  /** Acknowledged writes the new primary does not have. */
  readonly lostWrites: number;
  /** lostWrites / ackedBeforeCrash (0 when none were acknowledged). */
  readonly lostFraction: number;
  /** How far the promoted backup's log was behind the old primary's, in entries. */
  readonly logGap: number;
  /** Median write latency before the crash, in ms. */
  readonly writeLatencyP50Ms: number;
};

/** A finished failover run. */
export interface FailoverRun {
  /** The experiment's row. */
  readonly row: FailoverRow;
  /** The clients' history. */
  readonly history: History;
  /** Its linearizability check (undefined when not asked for). */
  readonly linearizability: LinearizabilityResult | undefined;
  /** The backup promoted. */
  readonly promoted: NodeId;
  /** The acknowledged writes that were lost, in order. */
  readonly lost: readonly PrimaryBackupWrite[];
  /** The simulation. */
  readonly simulation: Simulation<PrimaryBackupMessage>;
}

/** Options of {@link runFailover} that are not parameters. */
export interface FailoverOptions {
  /** Keep the trace. Default false. */
  readonly record?: boolean;
  /** Check the history for linearizability (the costly part of a run). Default true. */
  readonly check?: boolean;
}

/**
 * Runs clients against a primary and its backups, crashes the primary at `crashAtMs`
 * and `detectMs` later promotes the backup with the longest log, pointing every client
 * at it. Counts the writes the old primary acknowledged that the new one lacks.
 *
 * @example
 * ```ts
 * runFailover({ mode: "async", replicationLagMs: 50 }, 1).row.lostWrites; // > 0, usually
 * runFailover({ mode: "sync" }, 1).row.lostWrites;                         // 0, always
 * ```
 */
export function runFailover(
  params: FailoverParamsInput,
  seed: number,
  options: FailoverOptions = {},
): FailoverRun {
  const p = parseConfig(FailoverParamsSchema, params, "params");
  const system = buildFailover(p, seed, options.record ?? false, undefined);
  const simulation = system.simulation;
  simulation.runUntil(p.durationMs);
  simulation.runUntilTrue(() => system.clientsDone(), {
    withinMs: 10_000,
    description: "every client's last operation ends",
  });
  const history = system.recorder.history;
  const summary = system.summary();
  return {
    row: summary.row,
    history,
    linearizability: options.check ?? true
      ? checkLinearizable(history, { model: "kv" })
      : undefined,
    promoted: summary.promoted,
    lost: summary.lost,
    simulation,
  };
}

/** A built failover run, as {@link failoverTrial} and {@link runFailover} drive it. */
export interface FailoverSystem {
  /** The simulation. */
  readonly simulation: Simulation<PrimaryBackupMessage>;
  /** Every operation recorded. */
  readonly recorder: HistoryRecorder;
  /**
   * The history the harness checks: only synchronous replication promises that no
   * acknowledged write is lost, hence linearizability across the failover.
   */
  readonly history: History | undefined;
  /** The parameters. */
  readonly params: FailoverParams;
  /** Whether every client's last operation has ended (after `durationMs`). */
  readonly clientsDone: () => boolean;
  /** What the run did to the acknowledged writes. */
  readonly summary: () => {
    row: FailoverRow;
    promoted: NodeId;
    lost: PrimaryBackupWrite[];
  };
}

function buildFailover(
  p: FailoverParams,
  seed: number,
  record: boolean,
  replay: string | undefined,
): FailoverSystem {
  const servers = ["primary", ...Array.from({ length: p.backups }, (_, i) => `backup${i + 1}`)];
  const clients = Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);
  const lag = p.replicationLagMs > 0
    ? { kind: "exponential" as const, meanMs: p.replicationLagMs }
    : { kind: "constant" as const, ms: 0 };
  const simulation = new Simulation<PrimaryBackupMessage>({
    seed,
    record,
    ...(replay === undefined ? {} : { replay }),
    network: {
      latency: { kind: "constant", ms: p.clientLatencyMs },
      fifo: true,
      links: [{ from: servers, to: servers, latency: lag }],
    },
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  const readUncommitted = p.unsafe === "readUncommitted";
  simulation.addNodes(
    servers,
    (ctx) =>
      new PrimaryBackupServer(ctx, {
        primary: ctx.id === "primary",
        servers,
        mode: p.mode,
        unsafe: { readUncommitted },
      }),
  );
  simulation.addNodes(
    clients,
    (ctx) => new PrimaryBackupClient(ctx, "primary", { recorder, timeoutMs: 4 * p.detectMs }),
  );
  const workload = new Random(seed).child("workload");
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  let nextValue = 1;
  const client = (id: NodeId) => simulation.node<PrimaryBackupClient>(id)!;
  const issue = (id: NodeId) => {
    if (simulation.now >= p.durationMs) return;
    const next = () =>
      simulation.at(simulation.now + workload.uniform(0, p.thinkMs), () => issue(id));
    const key = workload.pick(keys);
    if (workload.chance(p.readFraction)) client(id).read(key, next);
    else client(id).write(key, nextValue++, next);
  };
  for (const id of clients) simulation.at(workload.uniform(0, p.thinkMs), () => issue(id));
  let promoted = "";
  let oldLog: readonly LogEntry[] = [];
  simulation.at(p.crashAtMs, () => {
    oldLog = simulation.node<PrimaryBackupServer>("primary")!.log;
    simulation.crash("primary");
  });
  simulation.at(p.crashAtMs + p.detectMs, () => {
    const backups = servers.slice(1);
    promoted = backups.reduce((best, id) =>
      simulation.node<PrimaryBackupServer>(id)!.applied >
          simulation.node<PrimaryBackupServer>(best)!.applied
        ? id
        : best
    );
    simulation.node<PrimaryBackupServer>(promoted)!.promote(
      backups.filter((id) => id !== promoted),
    );
    for (const id of clients) client(id).usePrimary(promoted);
  });
  const summary = () => {
    const newLog = promoted === "" ? [] : simulation.node<PrimaryBackupServer>(promoted)!.log;
    const has = new Set(newLog.map((e) => `${e.key}=${e.value}`));
    const acked = clients.flatMap((id) => client(id).writes)
      .filter((w) => w.status === "ok" && w.completedMs <= p.crashAtMs);
    const lost = acked.filter((w) => !has.has(`${w.key}=${w.value}`))
      .sort((a, b) => a.completedMs - b.completedMs);
    const latencies = acked.map((w) => w.completedMs - w.invokedMs).sort((a, b) => a - b);
    const row: FailoverRow = {
      mode: p.mode,
      replicationLagMs: p.replicationLagMs,
      crashAtMs: p.crashAtMs,
      ackedBeforeCrash: acked.length,
      lostWrites: lost.length,
      lostFraction: acked.length === 0 ? 0 : lost.length / acked.length,
      logGap: oldLog.length -
        Math.min(oldLog.length, newLog.filter((e) => e.seq <= oldLog.length).length),
      writeLatencyP50Ms: latencies.length === 0 ? 0 : latencies[Math.floor(latencies.length / 2)]!,
    };
    return { row, promoted, lost };
  };
  return {
    simulation,
    recorder,
    get history() {
      return p.mode === "sync" ? recorder.history : undefined;
    },
    params: p,
    clientsDone: () =>
      simulation.now >= p.durationMs && clients.every((id) => client(id).inFlight === 0),
    summary,
  };
}

/**
 * Failover as a trial of the shared harness (lib/testing): the run of {@link runFailover}
 * (the primary crashes at `crashAtMs`, the longest backup log is promoted `detectMs`
 * later), with what synchronous replication promises checked: no acknowledged write
 * lost, and a linearizable history across the failover. Asynchronous runs promise
 * neither and are not checked (the chapter counts their losses instead).
 *
 * @example
 * ```ts
 * import { caughtWithin } from "../testing/mod.ts";
 *
 * // A busy single key, a slow backup and an early crash: a read can see a write the
 * // promoted backup never got.
 * const failure = caughtWithin(FAILOVER_TRIAL, 100, {
 *   params: {
 *     mode: "sync",
 *     unsafe: "readUncommitted",
 *     replicationLagMs: 60,
 *     readFraction: 0.5,
 *     crashAtMs: 60,
 *     detectMs: 10,
 *     clients: 4,
 *     keys: 1,
 *     durationMs: 250,
 *   },
 * });
 * failure.invariant; // "linearizability"
 * ```
 */
export const FAILOVER_TRIAL: Trial<typeof FailoverParamsSchema, FailoverSystem, FailoverRow> =
  defineTrial({
    name: "failover-loss",
    params: FailoverParamsSchema,
    build: ({ params, seed, record, replay }) => buildFailover(params, seed, record, replay),
    liveness: {
      name: "every client's last operation ends",
      withinMs: (p) => p.durationMs + 10_000,
      holds: (s) => s.clientsDone(),
    },
    finalChecks: [
      invariant("acknowledged writes survive failover", (s: FailoverSystem) => {
        if (s.params.mode !== "sync") return undefined;
        const { lost, promoted } = s.summary();
        return lost.length === 0 ? undefined : `${promoted} lacks ${lost.length} acknowledged ` +
          `write(s), the first ${lost[0]!.key}=${lost[0]!.value}`;
      }),
    ],
    history: linearizability("kv"),
    row: ({ system }) => system.summary().row,
  });
