/**
 * A client of the Raft key-value store. It sends each operation to the server it
 * believes leads, follows `not-leader` redirects, and on a timeout tries the next server
 * with the same session sequence number, so the state machine applies a retried command
 * once (Raft §8). It records every operation in a Jepsen-style history: `ok`, `fail` (a
 * cas that found another value) or `info` when no answer came before its deadline (the
 * command may still take effect later, or never).
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nodeIdField, parseConfig, positiveMs } from "../config/mod.ts";
import { nonNegativeMs, probability } from "../config/mod.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { type KvOperation, KvOperationSchema, type KvValue } from "./kv_store.ts";
import type { ClientReplyMessage, RaftMessage } from "./raft.ts";

/** How one operation of a client ended. Times are on the client's clock, in ms. */
export interface RaftClientCompletion {
  /** The client. */
  readonly clientId: string;
  /** The operation's sequence number in the client's session. */
  readonly seq: number;
  /** The operation. */
  readonly op: KvOperation;
  /** `ok`, `fail` (a cas that found another value) or `info` (no answer in time). */
  readonly status: "ok" | "fail" | "info";
  /** The value read (read), the value found (failed cas), or null. */
  readonly value: KvValue;
  /** When it was issued. */
  readonly invokedMs: number;
  /** When it ended. */
  readonly completedMs: number;
  /** How many requests were sent for it (first try, redirects and retries). */
  readonly attempts: number;
}

/** Zod schema of {@link RaftClientWorkload}. */
export const RaftClientWorkloadSchema = z.strictObject({
  /** How many operations to issue, one at a time. Default 10. */
  operations: integerAtLeast(0).default(10),
  /** Keys to pick from, uniformly. Default ["x"]. */
  keys: z.array(z.string().min(1)).min(1, { error: "must name at least one key" })
    .default(["x"]),
  /** Longest pause before each operation, in ms (uniform from 0). Default 20. */
  thinkMs: nonNegativeMs().default(20),
  /** Fraction of reads. Default 0.5. */
  readFraction: probability().default(0.5),
  /** Fraction of cas (the rest are writes). Default 0.2. */
  casFraction: probability().default(0.2),
}).refine((w) => w.readFraction + w.casFraction <= 1, {
  error: "readFraction + casFraction must be at most 1",
  path: ["casFraction"],
});

/** A client's random workload. */
export type RaftClientWorkload = z.output<typeof RaftClientWorkloadSchema>;

/** Zod schema of {@link RaftClientOptions}. */
export const RaftClientOptionsSchema = z.strictObject({
  /** The cluster's servers. */
  servers: z.array(nodeIdField()).min(1, { error: "must name at least one server" }),
  /** Where operations are recorded. Default: a recorder of the client's own (no times). */
  recorder: z.instanceof(HistoryRecorder, { error: "must be a HistoryRecorder" }).optional(),
  /** How long to wait for an answer before trying the next server, in ms. Default 100. */
  attemptTimeoutMs: positiveMs().default(100),
  /** How long an operation may take before it is recorded as `info`, in ms. Default 1000. */
  operationTimeoutMs: positiveMs().default(1000),
  /** Pause before retrying when no server knows the leader, in ms. Default 10. */
  retryDelayMs: nonNegativeMs().default(10),
  /** A random workload to run from the start; without it the client waits for `submit`. */
  workload: RaftClientWorkloadSchema.optional(),
  /** Called with each completion (an observer: it must not act on the simulation). */
  onComplete: z.custom<(completion: RaftClientCompletion) => void>(
    (value) => typeof value === "function",
    { error: "must be a function (completion) => void" },
  ).optional(),
});

/** A client's settings, with defaults applied. */
export type RaftClientOptions = z.output<typeof RaftClientOptionsSchema>;

/** What a user may write for {@link RaftClientOptions}. */
export type RaftClientOptionsInput = z.input<typeof RaftClientOptionsSchema>;

/** A client's timers. */
export type RaftClientTimer =
  | { readonly type: "next" }
  | { readonly type: "attempt"; readonly seq: number; readonly attempt: number }
  | { readonly type: "retry"; readonly seq: number; readonly attempt: number }
  | { readonly type: "deadline"; readonly seq: number };

interface Pending {
  readonly seq: number;
  readonly op: KvOperation;
  readonly invokedMs: number;
  readonly deadline: TimerId;
  attempts: number;
  redirects: number;
  attemptTimer: TimerId | undefined;
}

const NEXT: RaftClientTimer = Object.freeze({ type: "next" });

/**
 * A key-value client with a session: operations numbered 1, 2, 3, ..., one at a time.
 *
 * @example
 * ```ts
 * import { HistoryRecorder } from "../history/mod.ts";
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const recorder = new HistoryRecorder({ now: () => sim.now });
 * sim.addNode("c1", (ctx) => new RaftClient(ctx, {
 *   servers: ["n1", "n2", "n3"], recorder, workload: { operations: 20, keys: ["x", "y"] },
 * }));
 * ```
 */
export class RaftClient implements Node<RaftMessage, RaftClientTimer> {
  readonly #ctx: NodeContext<RaftMessage, RaftClientTimer>;
  readonly #options: RaftClientOptions;
  readonly #recorder: HistoryRecorder;
  readonly #completions: RaftClientCompletion[] = [];
  readonly #lastSeen = new Map<string, KvValue>();
  #target: NodeId;
  #seq = 0;
  #issued = 0;
  #pending: Pending | undefined;

  /** A client acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<RaftMessage, RaftClientTimer>, options: RaftClientOptionsInput) {
    this.#ctx = ctx;
    this.#options = parseConfig(RaftClientOptionsSchema, options, "client");
    this.#recorder = this.#options.recorder ?? new HistoryRecorder();
    this.#target = ctx.random.pick(this.#options.servers);
  }

  /** The client's id (its session id). */
  get id(): string {
    return this.#ctx.id;
  }

  /** Every completed operation, in order. */
  get completions(): readonly RaftClientCompletion[] {
    return this.#completions;
  }

  /** Whether an operation is in progress. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Whether the workload (if any) has issued all its operations and the last has ended. */
  get done(): boolean {
    const planned = this.#options.workload?.operations ?? 0;
    return this.#pending === undefined && this.#issued >= planned;
  }

  /** The server the client will try first. */
  get target(): NodeId {
    return this.#target;
  }

  /** Starts the workload, if any. */
  start(): void {
    if ((this.#options.workload?.operations ?? 0) > 0) this.#pause();
  }

  /**
   * Issues `op` now (to `options.to` first, if given) and returns its sequence number.
   * Throws a ConfigError naming the field of a malformed operation ("op.expected: is
   * required"), and a RangeError while another operation is in progress.
   */
  submit(op: KvOperation, options: { readonly to?: NodeId } = {}): number {
    parseConfig(KvOperationSchema, op, "op");
    if (this.#pending !== undefined) {
      throw new RangeError(
        `Cannot submit ${op.f} on ${this.id}: operation ${this.#pending.seq} is in progress`,
      );
    }
    if (options.to !== undefined) this.#target = options.to;
    const seq = ++this.#seq;
    const recorded = op.f === "read" ? null : op.f === "cas" ? [op.expected, op.value] : op.value;
    this.#recorder.invoke(this.id, op.f, recorded, { key: op.key });
    this.#pending = {
      seq,
      op,
      invokedMs: this.#ctx.now(),
      deadline: this.#ctx.setTimer(this.#options.operationTimeoutMs, { type: "deadline", seq }),
      attempts: 0,
      redirects: 0,
      attemptTimer: undefined,
    };
    this.#attempt();
    return seq;
  }

  /** Handles a server's answer. */
  onMessage(from: NodeId, message: RaftMessage): void {
    if (message.type !== "ClientReply") return;
    const pending = this.#pending;
    if (pending === undefined || message.seq !== pending.seq || message.clientId !== this.id) {
      return;
    }
    this.#cancelAttempt(pending);
    if (message.status === "not-leader") {
      pending.redirects++;
      const hint = message.leaderHint;
      if (hint !== null && hint !== from && pending.redirects <= this.#options.servers.length) {
        this.#target = hint;
        this.#attempt();
      } else {
        // Nobody knows a leader (an election is on): wait a little, then try another.
        this.#target = this.#nextServer(from);
        pending.attemptTimer = this.#ctx.setTimer(this.#options.retryDelayMs, {
          type: "retry",
          seq: pending.seq,
          attempt: pending.attempts,
        });
      }
      return;
    }
    this.#target = from;
    // A cas that found another value is a definite "no": recorded as fail.
    this.#complete(message.result?.ok === false ? "fail" : "ok", message);
  }

  /** Retries, gives up, or issues the next workload operation. */
  onTimer(timer: RaftClientTimer): void {
    const pending = this.#pending;
    switch (timer.type) {
      case "next":
        this.#issueRandom();
        return;
      case "attempt":
        if (pending?.seq !== timer.seq || pending.attempts !== timer.attempt) return;
        pending.attemptTimer = undefined;
        this.#target = this.#nextServer(this.#target);
        this.#attempt();
        return;
      case "retry":
        if (pending?.seq !== timer.seq || pending.attempts !== timer.attempt) return;
        pending.attemptTimer = undefined;
        this.#attempt();
        return;
      case "deadline":
        if (pending?.seq !== timer.seq) return;
        this.#complete("info", undefined);
        return;
    }
  }

  #attempt(): void {
    const pending = this.#pending!;
    pending.attempts++;
    this.#ctx.send(this.#target, {
      type: "ClientRequest",
      clientId: this.id,
      seq: pending.seq,
      op: pending.op,
    });
    pending.attemptTimer = this.#ctx.setTimer(this.#options.attemptTimeoutMs, {
      type: "attempt",
      seq: pending.seq,
      attempt: pending.attempts,
    });
  }

  #cancelAttempt(pending: Pending): void {
    if (pending.attemptTimer !== undefined) this.#ctx.cancelTimer(pending.attemptTimer);
    pending.attemptTimer = undefined;
  }

  #complete(status: "ok" | "fail" | "info", reply: ClientReplyMessage | undefined): void {
    const pending = this.#pending!;
    this.#cancelAttempt(pending);
    this.#ctx.cancelTimer(pending.deadline);
    this.#pending = undefined;
    const op = pending.op;
    const value = reply?.result?.value ?? null;
    if (status === "ok") {
      if (op.f === "read") this.#recorder.ok(this.id, value);
      else this.#recorder.ok(this.id);
      this.#lastSeen.set(op.key, op.f === "read" ? value : op.value);
    } else if (status === "fail") {
      this.#recorder.fail(this.id);
      this.#lastSeen.set(op.key, value);
    } else {
      this.#recorder.info(this.id);
    }
    const completion: RaftClientCompletion = {
      clientId: this.id,
      seq: pending.seq,
      op,
      status,
      value: status === "info" ? null : value,
      invokedMs: pending.invokedMs,
      completedMs: this.#ctx.now(),
      attempts: pending.attempts,
    };
    this.#completions.push(completion);
    this.#options.onComplete?.(completion);
    if (this.#issued < (this.#options.workload?.operations ?? 0)) this.#pause();
  }

  #pause(): void {
    const thinkMs = this.#options.workload?.thinkMs ?? 0;
    this.#ctx.setTimer(thinkMs > 0 ? this.#ctx.random.uniform(0, thinkMs) : 0, NEXT);
  }

  #issueRandom(): void {
    const workload = this.#options.workload;
    if (workload === undefined || this.#pending !== undefined) return;
    if (this.#issued >= workload.operations) return;
    this.#issued++;
    const random = this.#ctx.random;
    const key = random.pick(workload.keys);
    const roll = random.next();
    // Every written value is unique to this client and operation: the checker then never
    // has to guess which write a read saw.
    const fresh = `${this.id}:${this.#seq + 1}`;
    let op: KvOperation;
    if (roll < workload.readFraction) op = { f: "read", key };
    else if (roll < workload.readFraction + workload.casFraction) {
      op = { f: "cas", key, expected: this.#lastSeen.get(key) ?? null, value: fresh };
    } else op = { f: "write", key, value: fresh };
    this.submit(op);
  }

  #nextServer(after: NodeId): NodeId {
    const servers = this.#options.servers;
    const at = servers.indexOf(after);
    return servers[(at + 1) % servers.length]!;
  }
}
