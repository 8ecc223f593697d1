/**
 * CQRS (command-query responsibility segregation): commands go to the write side, which
 * appends events to the {@link EventStore}; queries go to **read models** that
 * projections build from those events, asynchronously. A read model is behind the
 * store by its **lag**: the time from an event's append to its projection.
 *
 * The lag creates the **read-your-writes** problem: a client that deposits and at once
 * reads its balance from a read model may not see its own deposit. The session fix (the
 * session guarantees of chapter 09): the write returns the event's global position, the
 * client sends it with its reads, and a read model answers only once it has projected
 * that position.
 *
 * The `cqrs-lag` trial measures the lag's distribution and counts stale reads, with and
 * without the session fix.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { networkFromParams, networkParams } from "../sim/network_params.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { quantile } from "../viz/stats.ts";
import { defineTrial, invariant, nemesisFromParams, nemesisParams } from "../testing/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import {
  type AccountState,
  accountUpcasters,
  EMPTY_ACCOUNT,
  EventStore,
  evolveAccount,
  handleAccountCommand,
  type StoredEvent,
} from "./event_sourcing.ts";

/** Messages between clients, the write side and the read models. */
export type CqrsMessage =
  | {
    readonly type: "Deposit";
    readonly id: string;
    readonly account: string;
    readonly cents: number;
  }
  | { readonly type: "Deposited"; readonly id: string; readonly position: number }
  | { readonly type: "FetchEvents"; readonly after: number }
  | { readonly type: "Events"; readonly events: readonly StoredEvent[] }
  | {
    readonly type: "Query";
    readonly id: string;
    readonly account: string;
    readonly minPosition: number;
  }
  | {
    readonly type: "QueryResult";
    readonly id: string;
    readonly balanceCents: number;
    readonly position: number;
  };

/** The write side: an event store that takes deposits and serves events to projections. */
export class WriteService implements Node<CqrsMessage> {
  readonly #ctx: NodeContext<CqrsMessage>;
  /** The event store. */
  readonly store: EventStore = new EventStore();
  readonly #done = new Map<string, number>();

  /** A write service acting through `ctx`. */
  constructor(ctx: NodeContext<CqrsMessage>) {
    this.#ctx = ctx;
  }

  /** Handles deposits (once per id: a resend gets the first answer) and event fetches. */
  onMessage(from: NodeId, message: CqrsMessage): void {
    if (message.type === "Deposit") {
      let position = this.#done.get(message.id);
      if (position === undefined) {
        const stream = `account-${message.account}`;
        if (this.store.version(stream) === 0) {
          handleAccountCommand(this.store, stream, { kind: "open", owner: message.account }, {
            atMs: this.#ctx.now(),
          });
        }
        const [event] = handleAccountCommand(this.store, stream, {
          kind: "deposit",
          amountCents: message.cents,
        }, { atMs: this.#ctx.now() });
        position = event!.position;
        this.#done.set(message.id, position);
      }
      this.#ctx.send(from, { type: "Deposited", id: message.id, position });
      return;
    }
    if (message.type === "FetchEvents") {
      this.#ctx.send(from, { type: "Events", events: this.store.readAll(message.after, 50) });
    }
  }
}

/** Options of {@link Projection}. */
export interface ProjectionOptions {
  /** The write service's id. */
  readonly writer: NodeId;
  /** How often it asks for new events when idle, in ms. */
  readonly pollMs: number;
  /** Time to project one event, in ms. */
  readonly applyMs: number;
  /** Called with each event as it is projected (the trial measures lag with it). */
  readonly onProjected?: (event: StoredEvent) => void;
  /** Broken variant: answer every query at once, ignoring its minimum position. */
  readonly ignoreMinPosition?: boolean;
}

/** A projection's timer. */
export type ProjectionTimer = "poll" | "applied";

/**
 * A read model: balances per account, built by projecting the store's events in order.
 * A query waits until the model has projected the query's `minPosition`.
 */
export class Projection implements Node<CqrsMessage, ProjectionTimer> {
  readonly #ctx: NodeContext<CqrsMessage, ProjectionTimer>;
  readonly #options: ProjectionOptions;
  readonly #balances = new Map<string, AccountState>();
  readonly #pending: { from: NodeId; query: Extract<CqrsMessage, { type: "Query" }> }[] = [];
  #queue: StoredEvent[] = [];
  #position = 0;
  #applying = false;

  /** A projection acting through `ctx`. */
  constructor(ctx: NodeContext<CqrsMessage, ProjectionTimer>, options: ProjectionOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** The last global position projected. */
  get position(): number {
    return this.#position;
  }

  /** Starts polling. */
  start(): void {
    this.#ctx.setTimer(0, "poll");
  }

  /** Takes events and queries. */
  onMessage(from: NodeId, message: CqrsMessage): void {
    if (message.type === "Events") {
      const next = message.events.filter((e) => e.position > this.#position + this.#queue.length);
      if (next[0]?.position === this.#position + this.#queue.length + 1) {
        this.#queue.push(...next);
        this.#applyNext();
      }
      return;
    }
    if (message.type === "Query") {
      this.#pending.push({ from, query: message });
      this.#answer();
    }
  }

  /** Polls the writer, or finishes projecting an event. */
  onTimer(timer: ProjectionTimer): void {
    if (timer === "poll") {
      if (!this.#applying && this.#queue.length === 0) {
        this.#ctx.send(this.#options.writer, { type: "FetchEvents", after: this.#position });
      }
      this.#ctx.setTimer(this.#options.pollMs, "poll");
      return;
    }
    const event = this.#queue.shift()!;
    this.#applying = false;
    const account = event.streamId;
    const state = this.#balances.get(account) ?? EMPTY_ACCOUNT;
    this.#balances.set(account, evolveAccount(state, accountUpcasters.upcast(event)));
    this.#position = event.position;
    this.#options.onProjected?.(event);
    this.#answer();
    this.#applyNext();
    // Caught up on this batch: fetch the next without waiting for the poll.
    if (this.#queue.length === 0) {
      this.#ctx.send(this.#options.writer, { type: "FetchEvents", after: this.#position });
    }
  }

  #applyNext(): void {
    if (this.#applying || this.#queue.length === 0) return;
    this.#applying = true;
    this.#ctx.setTimer(this.#options.applyMs, "applied");
  }

  #answer(): void {
    for (let i = 0; i < this.#pending.length;) {
      const { from, query } = this.#pending[i]!;
      if (this.#options.ignoreMinPosition !== true && query.minPosition > this.#position) {
        i++;
        continue;
      }
      this.#pending.splice(i, 1);
      this.#ctx.send(from, {
        type: "QueryResult",
        id: query.id,
        balanceCents: this.#balances.get(`account-${query.account}`)?.balanceCents ?? 0,
        position: this.#position,
      });
    }
  }
}

/** One read a client made after its own write. */
export interface ReadOutcome {
  /** The client. */
  readonly client: NodeId;
  /** The position of the client's last write. */
  readonly wrotePosition: number;
  /** The position of the read model that answered. */
  readonly readPosition: number;
  /** From sending the read to its answer, in ms. */
  readonly waitMs: number;
}

/** Options of {@link CqrsClient}. */
export interface CqrsClientOptions {
  /** The write service. */
  readonly writer: NodeId;
  /** The read models (one is picked at random for each read). */
  readonly readers: readonly NodeId[];
  /** Deposits to make. */
  readonly deposits: number;
  /** Time between finishing one deposit-and-read and starting the next, in ms. */
  readonly thinkMs: number;
  /** Send the last written position with reads (the session fix). */
  readonly session: boolean;
  /** Resend a request unanswered this long, in ms. */
  readonly resendMs: number;
  /** Called with each read's outcome. */
  readonly onRead?: (outcome: ReadOutcome) => void;
  /** Virtual time, for waiting times (true time). */
  readonly now: () => number;
}

/** A client timer. */
export type CqrsClientTimer = "next" | "resend";

/** Deposits to its own account, and after each reads its balance back. */
export class CqrsClient implements Node<CqrsMessage, CqrsClientTimer> {
  readonly #ctx: NodeContext<CqrsMessage, CqrsClientTimer>;
  readonly #options: CqrsClientOptions;
  #made = 0;
  #step: "deposit" | "query" | "idle" = "idle";
  #lastWritten = 0;
  #queryAtMs = 0;
  #request: CqrsMessage | undefined;
  #target: NodeId = "";

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<CqrsMessage, CqrsClientTimer>, options: CqrsClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Whether it has made all its deposits and reads. */
  get done(): boolean {
    return this.#made >= this.#options.deposits && this.#step === "idle";
  }

  /** Starts. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.thinkMs), "next");
    this.#ctx.setTimer(this.#options.resendMs, "resend");
  }

  /** Handles the write's answer (then reads) and the read's answer. */
  onMessage(_from: NodeId, message: CqrsMessage): void {
    if (message.type === "Deposited" && this.#step === "deposit") {
      if (this.#request?.type !== "Deposit" || message.id !== this.#request.id) return;
      this.#lastWritten = message.position;
      this.#step = "query";
      this.#queryAtMs = this.#options.now();
      this.#target = this.#ctx.random.pick(this.#options.readers);
      this.#send(this.#target, {
        type: "Query",
        id: `${this.#ctx.id}-q${this.#made}`,
        account: this.#ctx.id,
        minPosition: this.#options.session ? this.#lastWritten : 0,
      });
      return;
    }
    if (message.type === "QueryResult" && this.#step === "query") {
      if (this.#request?.type !== "Query" || message.id !== this.#request.id) return;
      this.#options.onRead?.({
        client: this.#ctx.id,
        wrotePosition: this.#lastWritten,
        readPosition: message.position,
        waitMs: this.#options.now() - this.#queryAtMs,
      });
      this.#step = "idle";
      this.#request = undefined;
      this.#ctx.setTimer(this.#options.thinkMs, "next");
    }
  }

  /** Starts the next deposit, or resends an unanswered request. */
  onTimer(timer: CqrsClientTimer): void {
    if (timer === "resend") {
      if (this.#request !== undefined) {
        this.#ctx.send(
          this.#request.type === "Query" ? this.#target : this.#options.writer,
          this.#request,
        );
      }
      this.#ctx.setTimer(this.#options.resendMs, "resend");
      return;
    }
    if (this.#step !== "idle" || this.#made >= this.#options.deposits) return;
    this.#made++;
    this.#step = "deposit";
    this.#send(this.#options.writer, {
      type: "Deposit",
      id: `${this.#ctx.id}-d${this.#made}`,
      account: this.#ctx.id,
      cents: 100 * this.#made,
    });
  }

  #send(to: NodeId, message: CqrsMessage): void {
    this.#request = message;
    this.#ctx.send(to, message);
  }
}

/** Zod schema of the `cqrs-lag` parameters. */
export const CqrsLagParamsSchema = z.strictObject({
  session: z.boolean().default(false)
    .describe("Reads carry the client's last written position and wait for it (the session fix)"),
  ignoreMinPosition: z.boolean().default(false)
    .describe("Broken variant: read models answer at once, ignoring the position a read asks for"),
  clients: integerAtLeast(1).default(4).describe("Clients, each depositing and reading back"),
  deposits: integerAtLeast(1).default(25).describe("Deposits per client"),
  thinkMs: positiveMs().default(20).describe("A client's pause between rounds, in ms"),
  pollMs: positiveMs().default(25).describe("How often an idle read model polls for events, in ms"),
  applyMs: positiveMs().default(1).describe("Time to project one event, in ms"),
  readModels: integerAtLeast(2).default(2).describe("Read models (projections) serving reads"),
  ...networkParams({ lossProbability: 0.01, latency: { kind: "uniform", minMs: 1, maxMs: 8 } }),
  ...nemesisParams({
    faultsPerSecond: 2,
    faultsUntilMs: 1_500,
    meanFaultDurationMs: 80,
    faultKinds: ["pause"],
    concurrentNodeFaults: 1,
  }),
});

/** The `cqrs-lag` parameters, with defaults applied. */
export type CqrsLagParams = z.output<typeof CqrsLagParamsSchema>;

/** What one cqrs-lag trial builds. */
export interface CqrsLagSystem {
  /** The simulation. */
  readonly simulation: Simulation<CqrsMessage>;
  /** The read models' ids. */
  readonly readModels: readonly NodeId[];
  /** The clients' ids. */
  readonly clients: readonly NodeId[];
  /** Lag of each event at each read model, in ms. */
  readonly lagsMs: number[];
  /** Every read's outcome. */
  readonly reads: ReadOutcome[];
  /** Whether reads are meant to see their own writes. */
  readonly session: boolean;
}

/** Builds one run: the write service, the read models, the clients. */
export function buildCqrsLag(
  params: CqrsLagParams,
  seed: number,
  options: { record?: boolean; replay?: string } = {},
): CqrsLagSystem {
  const simulation = new Simulation<CqrsMessage>({
    seed,
    record: options.record ?? false,
    ...(options.replay === undefined ? {} : { replay: options.replay }),
    network: networkFromParams(params),
  });
  const lagsMs: number[] = [];
  const reads: ReadOutcome[] = [];
  simulation.addNode("writer", (ctx) => new WriteService(ctx));
  const readModels = Array.from({ length: params.readModels }, (_, i) => `r${i + 1}`);
  simulation.addNodes<ProjectionTimer>(readModels, (ctx) =>
    new Projection(ctx, {
      writer: "writer",
      pollMs: params.pollMs,
      applyMs: params.applyMs,
      ignoreMinPosition: params.ignoreMinPosition,
      onProjected: (event) => lagsMs.push(simulation.now - event.recordedAtMs),
    }));
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  simulation.addNodes<CqrsClientTimer>(clients, (ctx) =>
    new CqrsClient(ctx, {
      writer: "writer",
      readers: readModels,
      deposits: params.deposits,
      thinkMs: params.thinkMs,
      session: params.session,
      resendMs: 100,
      onRead: (outcome) => reads.push(outcome),
      now: () => simulation.now,
    }));
  return { simulation, readModels, clients, lagsMs, reads, session: params.session };
}

/** A row of the `cqrs-lag` experiment. */
export type CqrsLagRow = {
  /** Whether reads used the session fix. */
  readonly session: boolean;
  /** Events projected, over all read models. */
  readonly projected: number;
  /** Median projection lag, in ms. */
  readonly p50LagMs: number;
  /** 90th percentile of the lag, in ms. */
  readonly p90LagMs: number;
  /** 99th percentile of the lag, in ms. */
  readonly p99LagMs: number;
  /** Largest lag, in ms. */
  readonly maxLagMs: number;
  /** Reads made (each right after the client's own write). */
  readonly reads: number;
  /** Reads that did not see the client's own last write. */
  readonly staleReads: number;
  /** Mean time a read took, in ms (waiting included). */
  readonly meanReadMs: number;
  /** The invariant that failed, or null. */
  readonly failure: string | null;
};

/** Lag percentiles of a run, rounded to 0.1 ms. */
export function lagPercentiles(lagsMs: readonly number[]): {
  p50LagMs: number;
  p90LagMs: number;
  p99LagMs: number;
  maxLagMs: number;
} {
  const round = (x: number) => Number.isNaN(x) ? 0 : Math.round(x * 10) / 10;
  return {
    p50LagMs: round(quantile(lagsMs, 0.5)),
    p90LagMs: round(quantile(lagsMs, 0.9)),
    p99LagMs: round(quantile(lagsMs, 0.99)),
    maxLagMs: round(lagsMs.length === 0 ? 0 : Math.max(...lagsMs)),
  };
}

/**
 * The cqrs-lag trial. Invariant: with the session fix, every read sees the client's own
 * last write. The clients must finish their rounds once the faults heal.
 */
export const cqrsLagTrial = defineTrial({
  name: "cqrs-lag",
  params: CqrsLagParamsSchema,
  build: ({ params, seed, record, replay }) => buildCqrsLag(params, seed, { record, replay }),
  nemesis: (system, { params }) => nemesisFromParams(params, system.readModels),
  invariants: [
    invariant("with sessions, a client reads its own writes", (s: CqrsLagSystem) => {
      if (!s.session) return undefined;
      const stale = s.reads.find((r) => r.readPosition < r.wrotePosition);
      return stale === undefined ? undefined : `${stale.client} wrote position ` +
        `${stale.wrotePosition} and then read a model at position ${stale.readPosition}`;
    }),
  ],
  liveness: {
    name: "every client finishes its rounds",
    withinMs: () => 10_000,
    holds: (s: CqrsLagSystem) =>
      s.clients.every((id) => s.simulation.node<CqrsClient>(id)?.done ?? false),
  },
  history: false,
  row: ({ params, system, failure }): CqrsLagRow => ({
    session: params.session,
    projected: system.lagsMs.length,
    ...lagPercentiles(system.lagsMs),
    reads: system.reads.length,
    staleReads: system.reads.filter((r) => r.readPosition < r.wrotePosition).length,
    meanReadMs: system.reads.length === 0 ? 0 : Math.round(
      system.reads.reduce((s, r) => s + r.waitMs, 0) / system.reads.length * 10,
    ) / 10,
    failure: failure?.invariant ?? null,
  }),
});

/** The `cqrs-lag` experiment: {@link cqrsLagTrial}, one row per seed. */
export const cqrsLag = trialExperiment(cqrsLagTrial, {
  title: "Projection lag of CQRS read models, and reads that miss the reader's own write",
  description: "Four clients each deposit 25 times and read their balance back at once from " +
    "one of two read models that project the event store by polling, with 1% message loss " +
    "and read models pausing. Rows give the lag percentiles and the stale reads, with or " +
    "without the session fix.",
  chapter: "20_messaging",
});
