/**
 * A client that uses a lease lock to increment a shared counter: acquire the lease (a
 * Raft command to the lock service), read the counter from the storage, work on it for a
 * while, write it back plus one, release the lease, and again. It checks its lease on its
 * own clock before it starts (measured from when it asked, so never longer than the
 * service's), and only then: a process pause or a slow clock between that check and the
 * write is exactly what a lease cannot prevent.
 *
 * @module
 */
import type { RaftMessage } from "../consensus/raft_messages.ts";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { StorageMessage } from "./fenced_storage.ts";
import type { LeaseCommand, LeaseResult } from "./lease_lock_service.ts";

/** Every message of the lease-lock system: Raft's (for the lock service) and the storage's. */
export type LeaseLockMessage = RaftMessage<LeaseCommand, LeaseResult> | StorageMessage;

/** The client's timers. */
export type LeaseClientTimer =
  | { readonly type: "attempt"; readonly seq: number; readonly attempt: number }
  | { readonly type: "next" }
  | { readonly type: "work"; readonly request: number }
  | { readonly type: "storage-timeout"; readonly request: number };

/** One time the client held the lease, as it saw it. */
export interface LeaseHolding {
  /** The client. */
  readonly owner: NodeId;
  /** The fencing token of the grant. */
  readonly token: number;
  /** When the grant reached the client, in true ms. */
  readonly fromMs: number;
}

/** Options of {@link LeaseClient}. */
export interface LeaseClientOptions {
  /** The lock service's servers. */
  readonly servers: readonly NodeId[];
  /** The storage node. */
  readonly storage: NodeId;
  /** The lease to ask for, in ms. */
  readonly leaseMs: number;
  /** Time between reading the counter and writing it back, in ms (on the client's clock). */
  readonly workMs: number;
  /** Pause between one holding and the next attempt, drawn uniformly up to this, in ms. */
  readonly thinkMs: number;
  /** True time, for the record of holdings (the simulation's `now`). */
  readonly now: () => number;
}

/** How long the client waits for one server before trying the next, in ms. */
const ATTEMPT_MS = 40;
/** How long the client waits for the storage before giving up on this holding, in ms. */
const STORAGE_TIMEOUT_MS = 200;
/** The one lock the clients share. */
const LOCK = "L";

/**
 * The client node.
 *
 * @example
 * ```ts
 * import { RaftNode } from "../consensus/raft_node.ts";
 * import { Simulation } from "../sim/mod.ts";
 * import { fenceByToken, FencedStorage } from "./fenced_storage.ts";
 * import { LeaseLockService } from "./lease_lock_service.ts";
 *
 * const simulation = new Simulation({ seed: 1 });
 * const servers = ["l1", "l2", "l3"];
 * simulation.addNodes(servers, (ctx) =>
 *   new RaftNode<LeaseLockService>(ctx, { servers, stateMachine: () => new LeaseLockService() }));
 * simulation.addNode("s", (ctx) => new FencedStorage(ctx, { rule: fenceByToken, now: () => simulation.now }));
 * simulation.addNode("c1", (ctx) => new LeaseClient(ctx, { servers, storage: "s",
 *   leaseMs: 100, workMs: 10, thinkMs: 20, now: () => simulation.now }));
 * simulation.runUntil(2_000);
 * simulation.node<LeaseClient>("c1")?.holdings.length; // the leases c1 was granted
 * ```
 */
export class LeaseClient implements Node<LeaseLockMessage, LeaseClientTimer> {
  /** Every grant it received. */
  readonly holdings: LeaseHolding[] = [];
  /** Increments the storage acknowledged. */
  incrementsAcknowledged = 0;
  /** Requests the storage refused (stale token). */
  refused = 0;
  readonly #ctx: NodeContext<LeaseLockMessage, LeaseClientTimer>;
  readonly #options: LeaseClientOptions;
  #seq = 0;
  #attempt = 0;
  #command: LeaseCommand | undefined;
  #askedAtMs = 0;
  #target: NodeId;
  #request = 0;
  #token = 0;
  #pending: "read" | "write" | undefined;
  #readValue = 0;

  /** A client that starts by asking for the lease. */
  constructor(
    ctx: NodeContext<LeaseLockMessage, LeaseClientTimer>,
    options: LeaseClientOptions,
  ) {
    this.#ctx = ctx;
    this.#options = options;
    this.#target = options.servers[0]!;
  }

  /** Starts after a short random delay, so clients do not all ask at once. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, 20), { type: "next" });
  }

  /** Handles the lock service's replies and the storage's. */
  onMessage(from: NodeId, message: LeaseLockMessage): void {
    if (message.type === "StorageReply") return this.#onStorage(message);
    if (message.type !== "ClientReply" || message.seq !== this.#seq || !this.#command) return;
    if (message.status === "not-leader") {
      const hint = message.leaderHint;
      if (hint !== null && hint !== from) {
        this.#target = hint;
        this.#send();
      }
      return;
    }
    const command = this.#command, result = message.result!;
    this.#command = undefined;
    this.#target = from;
    if (command.op !== "acquire" || !result.ok || result.holder !== this.#ctx.id) {
      return this.#think();
    }
    this.holdings.push({ owner: this.#ctx.id, token: result.token, fromMs: this.#options.now() });
    // The lease as the client can know it: from when it asked, on its own clock. The
    // service's lease started later (at the leader's stamp), so this one ends first,
    // provided the two clocks run at the same rate.
    const leaseEndsMs = this.#askedAtMs + this.#options.leaseMs;
    if (this.#ctx.now() + this.#options.workMs >= leaseEndsMs) return this.#release();
    this.#token = result.token;
    this.#storage({ type: "StorageRead", id: ++this.#request, token: this.#token }, "read");
  }

  /** Retries, next steps, the end of work, storage timeouts. */
  onTimer(timer: LeaseClientTimer): void {
    switch (timer.type) {
      case "next":
        this.#issue({
          op: "acquire",
          lock: LOCK,
          owner: this.#ctx.id,
          leaseMs: this.#options.leaseMs,
        });
        return;
      case "attempt":
        if (timer.seq !== this.#seq || timer.attempt !== this.#attempt || !this.#command) return;
        this.#target = this.#options.servers[
          (this.#options.servers.indexOf(this.#target) + 1) % this.#options.servers.length
        ]!;
        this.#send();
        return;
      case "work":
        // No second look at the lease here: it was checked before the read, and the
        // work is far shorter than the lease. A pause during the work breaks that.
        if (timer.request !== this.#request) return;
        this.#storage({
          type: "StorageWrite",
          id: ++this.#request,
          token: this.#token,
          value: this.#readValue + 1,
        }, "write");
        return;
      case "storage-timeout":
        if (timer.request !== this.#request || this.#pending === undefined) return;
        this.#pending = undefined;
        this.#think();
        return;
    }
  }

  #onStorage(reply: Extract<StorageMessage, { type: "StorageReply" }>): void {
    if (reply.id !== this.#request || this.#pending === undefined) return;
    const pending = this.#pending;
    this.#pending = undefined;
    if (!reply.ok) {
      // Fenced off: a newer holder has used the storage; this holding is over.
      this.refused++;
      return this.#think();
    }
    if (pending === "read") {
      this.#readValue = reply.value;
      this.#ctx.setTimer(this.#options.workMs, { type: "work", request: this.#request });
      return;
    }
    this.incrementsAcknowledged++;
    this.#release();
  }

  #storage(
    request: Extract<StorageMessage, { type: "StorageRead" | "StorageWrite" }>,
    kind: "read" | "write",
  ): void {
    this.#pending = kind;
    this.#ctx.send(this.#options.storage, request);
    this.#ctx.setTimer(STORAGE_TIMEOUT_MS, { type: "storage-timeout", request: request.id });
  }

  #release(): void {
    this.#issue({ op: "release", lock: LOCK, owner: this.#ctx.id });
  }

  #think(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(1, this.#options.thinkMs), { type: "next" });
  }

  #issue(command: LeaseCommand): void {
    this.#seq++;
    this.#command = command;
    this.#askedAtMs = this.#ctx.now();
    this.#send();
  }

  #send(): void {
    this.#attempt++;
    this.#ctx.send(this.#target, {
      type: "ClientRequest",
      clientId: this.#ctx.id,
      seq: this.#seq,
      op: this.#command!,
    });
    this.#ctx.setTimer(ATTEMPT_MS, { type: "attempt", seq: this.#seq, attempt: this.#attempt });
  }
}
