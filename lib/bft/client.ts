/**
 * A PBFT client (§4.1): sends its request to the primary it believes in, waits for
 * f + 1 replies from distinct replicas with the same result (at least one of them is
 * correct, so the result is right), and on a timeout sends the request to every
 * replica. One request at a time.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { PbftMessage, Reply, Request } from "./messages.ts";
import type { Signer, Verifier } from "./signatures.ts";

/** How many matching replies a client waits for: the paper's f + 1, or a broken 1. */
export type AcceptRule = "f+1" | "first";

/** A result the client accepted, with the replicas whose replies matched it. */
export interface AcceptedResult {
  /** The request's number. */
  readonly timestamp: number;
  /** The amount it added. */
  readonly amount: number;
  /** The result accepted. */
  readonly result: number;
  /** Replicas that replied with this result (distinct, signatures checked). */
  readonly repliers: readonly NodeId[];
  /** When it was sent, and accepted, on the client's clock (ms). */
  readonly sentMs: number;
  /** When the result was accepted (ms). */
  readonly acceptedMs: number;
}

/** Options of a {@link PbftClient}. */
export interface PbftClientOptions {
  /** The replicas, in order (replica v mod n is the primary of view v). */
  readonly replicas: readonly NodeId[];
  /** This client's signer. */
  readonly signer: Signer;
  /** Checks replicas' signatures. */
  readonly verifier: Verifier;
  /** Requests to send. */
  readonly requests: number;
  /** Longest pause before each request, in ms (uniform from 0). Default 20. */
  readonly thinkMs?: number;
  /** Resend to every replica after this long without a result, in ms. Default 100. */
  readonly retryMs?: number;
  /** Matching replies needed. Default "f+1". */
  readonly accept?: AcceptRule;
  /** Wait for `start()` instead of starting at once. Default false. */
  readonly manual?: boolean;
}

/** The client's timers. */
export type PbftClientTimer = "next" | "retry";

/** A client; see the module doc. */
export class PbftClient implements Node<PbftMessage, PbftClientTimer> {
  /** Results accepted, in order. */
  readonly accepted: AcceptedResult[] = [];
  readonly #ctx: NodeContext<PbftMessage, PbftClientTimer>;
  readonly #options: PbftClientOptions;
  readonly #needed: number;
  #view = 0;
  #current: Request | undefined;
  #sentMs = 0;
  #replies = new Map<NodeId, Reply>();
  #retry: number | undefined;
  #started = false;

  /** A client over `ctx`. */
  constructor(ctx: NodeContext<PbftMessage, PbftClientTimer>, options: PbftClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
    const f = Math.floor((options.replicas.length - 1) / 3);
    this.#needed = (options.accept ?? "f+1") === "f+1" ? f + 1 : 1;
  }

  /** Whether every request has a result. */
  get done(): boolean {
    return this.accepted.length >= this.#options.requests;
  }

  /** Starts sending (when not manual, at once). */
  start(): void {
    if (this.#options.manual && !this.#started) return;
    this.#next();
  }

  /** Starts a manual client. */
  begin(): void {
    this.#started = true;
    this.#next();
  }

  /** Handles replies. */
  onMessage(_from: NodeId, message: PbftMessage): void {
    if (message.type !== "Reply" || this.#current === undefined) return;
    if (message.timestamp !== this.#current.timestamp || message.client !== this.#ctx.id) return;
    if (!this.#options.replicas.includes(message.from) || message.sig?.by !== message.from) return;
    if (!this.#options.verifier.verify(message)) return;
    if (!this.#replies.has(message.from)) this.#replies.set(message.from, message);
    const repliers = [...this.#replies.values()].filter((r) => r.result === message.result);
    if (repliers.length < this.#needed) return;
    this.accepted.push({
      timestamp: message.timestamp,
      amount: this.#current.amount,
      result: message.result,
      repliers: repliers.map((r) => r.from),
      sentMs: this.#sentMs,
      acceptedMs: this.#ctx.now(),
    });
    this.#view = Math.max(this.#view, ...repliers.map((r) => r.view));
    this.#current = undefined;
    if (this.#retry !== undefined) this.#ctx.cancelTimer(this.#retry);
    this.#retry = undefined;
    if (!this.done) {
      this.#ctx.setTimer(this.#ctx.random.next() * (this.#options.thinkMs ?? 20), "next");
    }
  }

  /** Sends the next request, or resends the current one to every replica. */
  onTimer(payload: PbftClientTimer): void {
    if (payload === "next") return this.#next();
    this.#retry = undefined;
    if (this.#current === undefined) return;
    for (const replica of this.#options.replicas) this.#ctx.send(replica, this.#current);
    this.#retry = this.#ctx.setTimer(this.#options.retryMs ?? 100, "retry");
  }

  #next(): void {
    if (this.done || this.#current !== undefined) return;
    const timestamp = this.accepted.length + 1;
    this.#current = this.#options.signer.sign({
      type: "Request",
      client: this.#ctx.id,
      timestamp,
      amount: this.#ctx.random.int(1, 10),
    }) as Request;
    this.#replies = new Map();
    this.#sentMs = this.#ctx.now();
    const primary = this.#options.replicas[this.#view % this.#options.replicas.length]!;
    this.#ctx.send(primary, this.#current);
    this.#retry = this.#ctx.setTimer(this.#options.retryMs ?? 100, "retry");
  }
}
