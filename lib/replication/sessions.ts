/**
 * Session guarantees built the way Terry et al. built them for Bayou ("Session
 * guarantees for weakly consistent replicated data", PDIS 1994): replicas that accept
 * reads and writes and propagate writes to each other lazily, and clients that carry
 * their session's state (a version vector of the writes they made and one of the writes
 * they read) and hand it to the replica with each request. A replica that is behind the
 * session waits until replication catches it up, and the client pays that wait in
 * latency. Each guarantee can be switched on or off; the clients' history is checked
 * against all four with `checkConsistency`.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeMs, positiveMs, probability } from "../config/mod.ts";
import { checkConsistency } from "../check/consistency.ts";
import { SESSION_GUARANTEES, type SessionGuarantee } from "../check/session_guarantees.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { History } from "../history/operation.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { Simulation } from "../sim/simulation.ts";
import { invariant, type Trial } from "../testing/mod.ts";
import { defineTrial } from "../testing/trial.ts";
import { quantile } from "../viz/stats.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import { compareStamps } from "./versions.ts";

/** Writes applied per origin replica: the replica's state, or what a session needs. */
export type SessionVector = Readonly<Record<NodeId, number>>;

/** One write as replicas store and propagate it. */
export interface SessionWrite {
  /** The key. */
  readonly key: string;
  /** The value written. */
  readonly value: number;
  /** Lamport timestamp: orders writes to one key (last writer wins), ties by origin. */
  readonly ts: number;
  /** The replica that accepted it. */
  readonly origin: NodeId;
  /** Its number among the origin's writes, from 1. */
  readonly seq: number;
  /** The origin's vector when it accepted the write, this write included: its causal past. */
  readonly deps: SessionVector;
  /** The writes its client's session had made before it (for monotonic writes). */
  readonly sessionWrites: SessionVector;
  /** The writes its client's session had read before it (for writes follow reads). */
  readonly sessionReads: SessionVector;
}

/** Messages between session clients and replicas, and among replicas. */
export type SessionMessage =
  | {
    readonly type: "Read";
    readonly id: number;
    readonly key: string;
    readonly need: SessionVector;
  }
  | {
    readonly type: "ReadOk";
    readonly id: number;
    readonly value: number | null;
    /** The write read: its origin and number, and its session's vectors (none: initial). */
    readonly write: Omit<SessionWrite, "key" | "value" | "ts" | "deps"> | undefined;
  }
  | {
    readonly type: "Write";
    readonly id: number;
    readonly key: string;
    readonly value: number;
    readonly need: SessionVector;
    readonly sessionWrites: SessionVector;
    readonly sessionReads: SessionVector;
  }
  | {
    readonly type: "WriteOk";
    readonly id: number;
    readonly origin: NodeId;
    readonly seq: number;
  }
  | { readonly type: "Replicate"; readonly write: SessionWrite };

/** Whether `have` includes every write `need` names. */
export function vectorCovers(have: SessionVector, need: SessionVector): boolean {
  for (const [origin, count] of Object.entries(need)) if ((have[origin] ?? 0) < count) return false;
  return true;
}

/** The pointwise maximum of two vectors. */
export function joinVectors(a: SessionVector, b: SessionVector): SessionVector {
  const out: Record<NodeId, number> = { ...a };
  for (const [origin, count] of Object.entries(b)) out[origin] = Math.max(out[origin] ?? 0, count);
  return out;
}

type Request = Extract<SessionMessage, { type: "Read" | "Write" }>;

/**
 * A replica: accepts reads and writes from clients, sends each write it accepts to every
 * other replica, and applies a write from elsewhere only once it has applied the write's
 * causal past (so every replica that has a write has what it depended on). A request
 * whose `need` the replica does not cover waits until it does.
 */
export class SessionReplica implements Node<SessionMessage> {
  readonly #ctx: NodeContext<SessionMessage>;
  readonly #replicas: readonly NodeId[];
  #applied: Record<NodeId, number> = {};
  #clock = 0;
  readonly #store = new Map<string, SessionWrite>();
  #pending: SessionWrite[] = [];
  #waiting: { from: NodeId; request: Request }[] = [];

  /** A replica among `replicas` (every replica's id, this one's included). */
  constructor(ctx: NodeContext<SessionMessage>, replicas: readonly NodeId[]) {
    this.#ctx = ctx;
    this.#replicas = replicas;
  }

  /** The writes applied, per origin. */
  get applied(): SessionVector {
    return this.#applied;
  }

  /** Requests waiting for replication to catch up. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Handles a client request or a replicated write. */
  onMessage(from: NodeId, message: SessionMessage): void {
    if (message.type === "Replicate") {
      this.#pending.push(message.write);
      this.#drain();
    } else if (message.type === "Read" || message.type === "Write") {
      if (vectorCovers(this.#applied, message.need)) this.#serve(from, message);
      else this.#waiting.push({ from, request: message });
    }
  }

  #serve(from: NodeId, request: Request): void {
    if (request.type === "Read") {
      const stored = this.#store.get(request.key);
      this.#ctx.send(from, {
        type: "ReadOk",
        id: request.id,
        value: stored?.value ?? null,
        write: stored === undefined ? undefined : {
          origin: stored.origin,
          seq: stored.seq,
          sessionWrites: stored.sessionWrites,
          sessionReads: stored.sessionReads,
        },
      });
      return;
    }
    const id = this.#ctx.id;
    const seq = (this.#applied[id] ?? 0) + 1;
    this.#clock++;
    const deps = { ...this.#applied, [id]: seq };
    const write: SessionWrite = {
      key: request.key,
      value: request.value,
      ts: this.#clock,
      origin: id,
      seq,
      deps,
      sessionWrites: request.sessionWrites,
      sessionReads: request.sessionReads,
    };
    this.#apply(write);
    for (const peer of this.#replicas) {
      if (peer !== id) this.#ctx.send(peer, { type: "Replicate", write });
    }
    this.#ctx.send(from, { type: "WriteOk", id: request.id, origin: id, seq });
    this.#wake();
  }

  #apply(write: SessionWrite): void {
    this.#applied[write.origin] = write.seq;
    this.#clock = Math.max(this.#clock, write.ts);
    const current = this.#store.get(write.key);
    const stamp = (w: SessionWrite) => ({ value: w.value, ts: w.ts, writer: w.origin, vv: {} });
    if (current === undefined || compareStamps(stamp(current), stamp(write)) === "before") {
      this.#store.set(write.key, write);
    }
  }

  /** Applies every pending write whose causal past is here, in any order that works. */
  #drain(): void {
    let progress = true;
    while (progress) {
      progress = false;
      this.#pending = this.#pending.filter((write) => {
        const ready = (this.#applied[write.origin] ?? 0) === write.seq - 1 &&
          vectorCovers(this.#applied, { ...write.deps, [write.origin]: write.seq - 1 });
        if (ready) {
          this.#apply(write);
          progress = true;
        }
        return !ready;
      });
    }
    this.#wake();
  }

  #wake(): void {
    const ready = this.#waiting.filter((w) => vectorCovers(this.#applied, w.request.need));
    if (ready.length === 0) return;
    this.#waiting = this.#waiting.filter((w) => !vectorCovers(this.#applied, w.request.need));
    for (const { from, request } of ready) this.#serve(from, request);
  }
}

/** Which of the four guarantees a session client keeps. */
export interface SessionGuaranteeSwitches {
  /** Reads see the session's own earlier writes. */
  readonly readYourWrites: boolean;
  /** Reads never go back from what the session read before. */
  readonly monotonicReads: boolean;
  /** The session's writes are seen in the order it made them. */
  readonly monotonicWrites: boolean;
  /** The session's writes are seen after the writes it had read. */
  readonly writesFollowReads: boolean;
}

/** Options of a {@link SessionClient}. */
export interface SessionClientOptions extends SessionGuaranteeSwitches {
  /** The replicas to choose from (one at random per operation). */
  readonly replicas: readonly NodeId[];
  /** Where operations are recorded. */
  readonly recorder: HistoryRecorder;
  /** A broken variant: the session never records what it read. Default false. */
  readonly forgetReads?: boolean;
}

/** One finished operation's latency. */
export interface SessionLatency {
  /** Read or write. */
  readonly f: "read" | "write";
  /** From call to reply, in ms. */
  readonly ms: number;
}

/**
 * A client with a session, and a random replica per operation. The session is version
 * vectors: the writes it made, the writes it read, and, for the writes it read, what
 * their own sessions had written and read before them (each write carries those). What
 * it asks the replica to have first, after Terry et al.'s table:
 *
 * - read your writes: a read waits for the session's writes;
 * - monotonic reads: a read waits for the writes the session read;
 * - monotonic writes: a write waits for the session's writes, so every replica applies
 *   them first and orders the new write after them; and a read waits for the writes
 *   made before any write the session has read (the guarantee is about what every
 *   reader sees);
 * - writes follow reads: a write waits for the writes the session read; a read waits
 *   for the writes read before any write the session has read.
 */
export class SessionClient implements Node<SessionMessage> {
  readonly #ctx: NodeContext<SessionMessage>;
  readonly #options: SessionClientOptions;
  #written: SessionVector = {};
  #read: SessionVector = {};
  #seenWrites: SessionVector = {};
  #seenReads: SessionVector = {};
  #nextId = 1;
  #inFlight: { id: number; f: "read" | "write"; started: number; done: () => void } | undefined;
  readonly #latencies: SessionLatency[] = [];

  /** A client of `options.replicas`. */
  constructor(ctx: NodeContext<SessionMessage>, options: SessionClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Whether an operation is waiting for its reply. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Every finished operation's latency, in order. */
  get latencies(): readonly SessionLatency[] {
    return this.#latencies;
  }

  /** Reads `key` at a random replica; calls `done` with the reply. */
  read(key: string, done: () => void): void {
    const o = this.#options;
    let need: SessionVector = {};
    if (o.readYourWrites) need = joinVectors(need, this.#written);
    if (o.monotonicReads) need = joinVectors(need, this.#read);
    if (o.monotonicWrites) need = joinVectors(need, this.#seenWrites);
    if (o.writesFollowReads) need = joinVectors(need, this.#seenReads);
    this.#send("read", { type: "Read", id: this.#nextId, key, need }, done);
    o.recorder.invoke(this.#ctx.id, "read", null, { key });
  }

  /** Writes `value` to `key` at a random replica; calls `done` with the reply. */
  write(key: string, value: number, done: () => void): void {
    const o = this.#options;
    let need: SessionVector = {};
    if (o.monotonicWrites) need = joinVectors(need, this.#written);
    if (o.writesFollowReads) need = joinVectors(need, this.#read);
    this.#send("write", {
      type: "Write",
      id: this.#nextId,
      key,
      value,
      need,
      sessionWrites: this.#written,
      sessionReads: this.#read,
    }, done);
    o.recorder.invoke(this.#ctx.id, "write", value, { key });
  }

  #send(f: "read" | "write", request: Request, done: () => void): void {
    if (this.#inFlight !== undefined) {
      throw new Error(`Cannot start a ${f} on ${this.#ctx.id}: an operation is in flight`);
    }
    this.#inFlight = { id: this.#nextId++, f, started: this.#ctx.now(), done };
    this.#ctx.send(this.#ctx.random.pick(this.#options.replicas), request);
  }

  /** Handles a replica's reply. */
  onMessage(_from: NodeId, message: SessionMessage): void {
    const op = this.#inFlight;
    if (op === undefined || !("id" in message) || message.id !== op.id) return;
    if (message.type === "ReadOk") {
      const write = message.write;
      if (write !== undefined && !this.#options.forgetReads) {
        this.#read = joinVectors(this.#read, { [write.origin]: write.seq });
        this.#seenWrites = joinVectors(this.#seenWrites, write.sessionWrites);
        this.#seenReads = joinVectors(this.#seenReads, write.sessionReads);
      }
      this.#options.recorder.ok(this.#ctx.id, message.value);
    } else if (message.type === "WriteOk") {
      this.#written = joinVectors(this.#written, { [message.origin]: message.seq });
      this.#options.recorder.ok(this.#ctx.id);
    } else return;
    this.#latencies.push({ f: op.f, ms: this.#ctx.now() - op.started });
    this.#inFlight = undefined;
    op.done();
  }
}

/** Zod schema of the `session-guarantees` parameters. */
export const SessionParamsSchema = z.strictObject({
  readYourWrites: z.boolean().default(true).describe("Keep read-your-writes"),
  monotonicReads: z.boolean().default(true).describe("Keep monotonic reads"),
  monotonicWrites: z.boolean().default(true).describe("Keep monotonic writes"),
  writesFollowReads: z.boolean().default(true).describe("Keep writes-follow-reads"),
  replicas: integerAtLeast(2).default(3).describe("Replicas"),
  clients: integerAtLeast(1).default(4).describe("Clients, one operation at a time each"),
  keys: integerAtLeast(1).default(3).describe("Keys"),
  lagMs: nonNegativeMs().default(20)
    .describe("Mean one-way replication delay between replicas, in ms (exponential)"),
  clientLatencyMs: positiveMs().default(1).describe("One-way delay client to replica, in ms"),
  thinkMs: nonNegativeMs().default(4).describe("Longest pause between a client's operations"),
  writeFraction: probability().default(0.4).describe("Fraction of operations that are writes"),
  durationMs: positiveMs().default(200).describe("How long clients keep issuing operations"),
  forgetReads: z.boolean().default(false)
    .describe("A deliberately broken client: it never records what it read"),
});

/** Parameters of a session run, defaults applied. */
export type SessionParams = z.output<typeof SessionParamsSchema>;

/** One row of `session-guarantees`: one seed. */
export type SessionRow = {
  /** The guarantees kept, as a short label ("none", "all", "RYW+MR", ...). */
  readonly guarantees: string;
  /** Mean replication delay, in ms. */
  readonly lagMs: number;
  /** Operations completed. */
  readonly operations: number;
  /** Reads that broke read-your-writes. */
  readonly violationsRYW: number;
  /** Reads that broke monotonic reads. */
  readonly violationsMR: number;
  /** Reads that broke monotonic writes. */
  readonly violationsMW: number;
  /** Reads that broke writes-follow-reads. */
  readonly violationsWFR: number;
  /** Median read latency, ms. */
  readonly readP50Ms: number;
  /** 99th percentile read latency, ms. */
  readonly readP99Ms: number;
  /** Median write latency, ms. */
  readonly writeP50Ms: number;
  /** 99th percentile write latency, ms. */
  readonly writeP99Ms: number;
};

/** Short names of the guarantees, as rows and labels use them. */
export const GUARANTEE_ABBREVIATIONS: Readonly<Record<SessionGuarantee, string>> = {
  "read-your-writes": "RYW",
  "monotonic-reads": "MR",
  "monotonic-writes": "MW",
  "writes-follow-reads": "WFR",
};

const SWITCH_OF: Readonly<Record<SessionGuarantee, keyof SessionGuaranteeSwitches>> = {
  "read-your-writes": "readYourWrites",
  "monotonic-reads": "monotonicReads",
  "monotonic-writes": "monotonicWrites",
  "writes-follow-reads": "writesFollowReads",
};

/** The label of a set of switches: "none", "all" or the abbreviations joined by "+". */
export function guaranteesLabel(switches: SessionGuaranteeSwitches): string {
  const on = SESSION_GUARANTEES.filter((g) => switches[SWITCH_OF[g]]);
  if (on.length === 0) return "none";
  if (on.length === SESSION_GUARANTEES.length) return "all";
  return on.map((g) => GUARANTEE_ABBREVIATIONS[g]).join("+");
}

/** A built session run. */
export interface SessionSystem {
  /** The simulation. */
  readonly simulation: Simulation<SessionMessage>;
  /** The clients' history. */
  readonly history: History;
  /** The parameters. */
  readonly params: SessionParams;
  /** Whether every client has finished (after `durationMs`). */
  readonly done: () => boolean;
  /** Every finished operation's latency. */
  readonly latencies: () => SessionLatency[];
  /** Requests replicas hold, waiting for replication. */
  readonly waiting: () => number;
}

function buildSessions(
  p: SessionParams,
  seed: number,
  record: boolean,
  replay: string | undefined,
): SessionSystem {
  const replicas = Array.from({ length: p.replicas }, (_, i) => `r${i + 1}`);
  const clients = Array.from({ length: p.clients }, (_, i) => `c${i + 1}`);
  const lag = p.lagMs > 0
    ? { kind: "exponential" as const, meanMs: p.lagMs }
    : { kind: "constant" as const, ms: 0 };
  const simulation = new Simulation<SessionMessage>({
    seed,
    record,
    ...(replay === undefined ? {} : { replay }),
    network: {
      latency: { kind: "constant", ms: p.clientLatencyMs },
      links: [{ from: replicas, to: replicas, latency: lag }],
    },
  });
  const recorder = new HistoryRecorder({ now: () => simulation.now });
  simulation.addNodes(replicas, (ctx) => new SessionReplica(ctx, replicas));
  simulation.addNodes(clients, (ctx) =>
    new SessionClient(ctx, {
      replicas,
      recorder,
      readYourWrites: p.readYourWrites,
      monotonicReads: p.monotonicReads,
      monotonicWrites: p.monotonicWrites,
      writesFollowReads: p.writesFollowReads,
      forgetReads: p.forgetReads,
    }));
  const workload = new Random(seed).child("workload");
  const keys = Array.from({ length: p.keys }, (_, i) => `k${i + 1}`);
  let nextValue = 1;
  const client = (id: NodeId) => simulation.node<SessionClient>(id)!;
  const issue = (id: NodeId) => {
    if (simulation.now >= p.durationMs) return;
    const next = () =>
      simulation.at(simulation.now + workload.uniform(0, p.thinkMs), () => issue(id));
    const key = workload.pick(keys);
    if (workload.chance(p.writeFraction)) client(id).write(key, nextValue++, next);
    else client(id).read(key, next);
  };
  for (const id of clients) simulation.at(workload.uniform(0, p.thinkMs), () => issue(id));
  return {
    simulation,
    get history() {
      return recorder.history;
    },
    params: p,
    done: () => simulation.now >= p.durationMs && clients.every((id) => !client(id).busy),
    latencies: () => clients.flatMap((id) => [...client(id).latencies]),
    waiting: () =>
      replicas.reduce((sum, id) => sum + simulation.node<SessionReplica>(id)!.waiting, 0),
  };
}

/** Reads that broke each guarantee, by the checkers. */
export function countSessionViolations(history: History): Record<SessionGuarantee, number> {
  const out = {} as Record<SessionGuarantee, number>;
  for (const g of SESSION_GUARANTEES) {
    const result = checkConsistency(history, g, { minimize: false });
    if (result.valid === "unknown") {
      throw new Error(`Cannot count ${g} violations: ${result.reason}`);
    }
    out[g] = result.violations ?? 0;
  }
  return out;
}

/**
 * The first guarantee the switches keep that the history breaks, in words, or undefined
 * when every kept guarantee holds (checked by `checkConsistency`, evidence included).
 */
export function brokenSessionGuarantee(
  history: History,
  switches: SessionGuaranteeSwitches,
): string | undefined {
  for (const g of SESSION_GUARANTEES.filter((g) => switches[SWITCH_OF[g]])) {
    const result = checkConsistency(history, g);
    if (result.valid === true) continue;
    const evidence = result.evidence;
    if (evidence === undefined) return `${g}: ${result.reason}`;
    return `${g}: ${evidence.summary} (${evidence.operations.map((op) => op.label).join("; ")})`;
  }
  return undefined;
}

/**
 * Session guarantees as a trial of the shared harness: clients reading and writing at
 * random replicas that replicate lazily (`lagMs`), keeping the guarantees switched on.
 * The history must keep every guarantee kept; replicas must hold no request at the end
 * (every wait ends once replication catches up). The row counts, for each of the four
 * guarantees, the reads that broke it, and the latency percentiles the waits cost.
 *
 * @example
 * ```ts
 * import { runTrial } from "../testing/mod.ts";
 *
 * const none = {
 *   readYourWrites: false, monotonicReads: false, monotonicWrites: false,
 *   writesFollowReads: false,
 * };
 * runTrial(SESSION_TRIAL, none, 1).row!.violationsMR; // 9: reads went back in time
 * runTrial(SESSION_TRIAL, {}, 1).row!.violationsMR; // 0: every guarantee kept
 * ```
 */
export const SESSION_TRIAL: Trial<typeof SessionParamsSchema, SessionSystem, SessionRow> =
  defineTrial({
    name: "session-guarantees",
    params: SessionParamsSchema,
    build: ({ params, seed, record, replay }) => buildSessions(params, seed, record, replay),
    liveness: {
      name: "every client's last operation ends",
      withinMs: (p) => p.durationMs + 20 * p.lagMs + 1_000,
      holds: (s) => s.done(),
      explain: (s) => `${s.waiting()} request(s) still wait for replication`,
    },
    untilMs: (p) => p.durationMs,
    finalChecks: [
      invariant(
        "no request left waiting",
        (s: SessionSystem) =>
          s.waiting() === 0 ? undefined : `${s.waiting()} request(s) still wait`,
      ),
      invariant(
        "the guarantees kept hold",
        (s: SessionSystem) => brokenSessionGuarantee(s.history, s.params),
      ),
    ],
    history: false,
    row: ({ system }) => sessionRow(system),
  });

function sessionRow(system: SessionSystem): SessionRow {
  const p = system.params;
  const counts = countSessionViolations(system.history);
  const latencies = system.latencies();
  const of = (f: "read" | "write") => latencies.filter((l) => l.f === f).map((l) => l.ms);
  const reads = of("read");
  const writes = of("write");
  const q = (values: number[], at: number) => values.length === 0 ? 0 : quantile(values, at);
  return {
    guarantees: guaranteesLabel(p),
    lagMs: p.lagMs,
    operations: latencies.length,
    violationsRYW: counts["read-your-writes"],
    violationsMR: counts["monotonic-reads"],
    violationsMW: counts["monotonic-writes"],
    violationsWFR: counts["writes-follow-reads"],
    readP50Ms: q(reads, 0.5),
    readP99Ms: q(reads, 0.99),
    writeP50Ms: q(writes, 0.5),
    writeP99Ms: q(writes, 0.99),
  };
}

/**
 * `session-guarantees`: clients at random replicas that replicate lazily, keeping the
 * guarantees switched on; one row per seed with the reads that broke each guarantee (by
 * the checkers) and the read and write latency percentiles the waits cost.
 *
 * @example
 * ```ts
 * import { sweep } from "../experiments/sweep.ts";
 *
 * const rows = sweep(sessionGuarantees, { grid: { monotonicReads: [false, true] }, seeds: 20 });
 * rows.length; // 40: one row per seed for each setting
 * ```
 */
export const sessionGuarantees: Experiment<typeof SessionParamsSchema, SessionRow> =
  trialExperiment(SESSION_TRIAL, {
    title: "Session guarantees on lagging replicas: violations and the latency they cost",
    description: "Clients read and write keys at a random replica per operation; replicas " +
      "accept both and replicate lazily (exponential delay of mean lagMs), applying a " +
      "write only after its causal past. A client keeps each of read-your-writes, " +
      "monotonic reads, monotonic writes and writes-follow-reads by sending its session's " +
      "version vectors, and a replica that is behind waits for replication. One row per " +
      "seed: reads that broke each guarantee, and read and write latency percentiles.",
    chapter: "09_consistency_models",
  });
