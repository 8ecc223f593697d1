/**
 * Byzantine replicas as plug-ins. A Byzantine replica runs the correct protocol inside
 * (so it knows what a correct replica would say) and a behaviour filters and adds to
 * what it sends. It holds only its own signer: whatever it claims in its own name
 * verifies, and whatever it claims in another's name does not.
 *
 * - `silent`: receives everything, sends nothing.
 * - `equivocate`: as primary, assigns one sequence number to two different requests,
 *   one to each half of the backups, and tries to forge the prepares and commits that
 *   would make each half commit; as a backup colluding with an equivocating primary, it
 *   prepares and commits each half's request to that half.
 * - `lie`: prepares and commits digests it never saw, answers clients with wrong
 *   results, claims forged prepared certificates in view changes, and as a new primary
 *   leaves prepared requests out of NEW-VIEW.
 * - `replay`: behaves, and also sends again old messages signed by others (and itself)
 *   to random replicas: stale views, old requests, old commits.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import {
  type Commit,
  type NewView,
  NULL_DIGEST,
  type PbftMessage,
  type Prepare,
  type PrePrepare,
  type Reply,
  type Request,
  requestDigest,
  type ViewChange,
} from "./messages.ts";
import { PbftReplica, type PbftReplicaOptions, type PbftTimer } from "./replica.ts";
import { forge, type Signer } from "./signatures.ts";

/** The Byzantine behaviours. */
export const BYZANTINE_BEHAVIORS = ["silent", "equivocate", "lie", "replay"] as const;

/** One Byzantine behaviour. */
export type ByzantineBehavior = typeof BYZANTINE_BEHAVIORS[number];

/**
 * What colluding Byzantine replicas share: for each (view, sequence number) the primary
 * equivocated on, which pre-prepare each replica was sent.
 */
export class Collusion {
  /** Pre-prepares sent, by "view:seq", then by recipient. */
  readonly split: Map<string, Map<NodeId, PrePrepare>> = new Map();
}

/** Options of a {@link ByzantineReplica}. */
export interface ByzantineReplicaOptions extends PbftReplicaOptions {
  /** What it does. */
  readonly behavior: ByzantineBehavior;
  /** What it shares with the other Byzantine replicas. */
  readonly collusion: Collusion;
  /** How often a replaying replica replays, in ms. Default 30. */
  readonly replayIntervalMs?: number;
}

/** A Byzantine replica; see the module doc. */
export class ByzantineReplica implements Node<PbftMessage, PbftTimer> {
  /** The correct replica inside, whose sends the behaviour filters. */
  readonly inner: PbftReplica;
  /** Always true: invariants skip Byzantine replicas. */
  readonly byzantine = true;
  readonly #ctx: NodeContext<PbftMessage, PbftTimer>;
  readonly #options: ByzantineReplicaOptions;
  readonly #signer: Signer;
  readonly #others: NodeId[];
  readonly #heard: PbftMessage[] = [];
  readonly #requests = new Map<string, Request>();

  /** A Byzantine replica over `ctx`. */
  constructor(ctx: NodeContext<PbftMessage, PbftTimer>, options: ByzantineReplicaOptions) {
    this.#ctx = ctx;
    this.#options = options;
    this.#signer = options.signer;
    this.#others = options.replicas.filter((r) => r !== ctx.id);
    // The same context, except that what the replica inside sends goes through the
    // behaviour first.
    const filtered: NodeContext<PbftMessage, PbftTimer> = {
      id: ctx.id,
      nodeIds: ctx.nodeIds,
      peers: ctx.peers,
      incarnation: ctx.incarnation,
      random: ctx.random,
      storage: ctx.storage,
      now: () => ctx.now(),
      send: (to, message) => this.#outgoing(to, message),
      setTimer: (delayMs, payload) => ctx.setTimer(delayMs, payload),
      cancelTimer: (id) => ctx.cancelTimer(id),
      log: (text, data) => ctx.log(text, data),
    };
    this.inner = new PbftReplica(filtered, options);
  }

  /** Starts replaying, for the replay behaviour. */
  start(): void {
    if (this.#options.behavior === "replay") {
      this.#ctx.setTimer(this.#options.replayIntervalMs ?? 30, { kind: "byzantine" });
    }
  }

  /** Hands the message to the replica inside, after noting what it learns. */
  onMessage(from: NodeId, message: PbftMessage): void {
    if (message.type === "Request") this.#requests.set(requestDigest(message), message);
    if (message.type === "PrePrepare" && message.request !== null) {
      this.#requests.set(message.digest, message.request);
    }
    if (this.#options.behavior === "replay" && this.#heard.length < 2000) {
      this.#heard.push(message);
    }
    this.inner.onMessage(from, message);
    if (this.#options.behavior === "equivocate" && message.type === "PrePrepare") {
      this.#collude(message);
    }
  }

  /** Replays, or passes the timer to the replica inside. */
  onTimer(payload: PbftTimer): void {
    if (payload.kind !== "byzantine") return this.inner.onTimer(payload);
    const random = this.#ctx.random;
    for (let i = 0; i < 3 && this.#heard.length > 0; i++) {
      this.#ctx.send(random.pick(this.#others), random.pick(this.#heard));
    }
    this.#ctx.setTimer(this.#options.replayIntervalMs ?? 30, { kind: "byzantine" });
  }

  #outgoing(to: NodeId, message: PbftMessage): void {
    switch (this.#options.behavior) {
      case "silent":
        return;
      case "equivocate":
        return this.#equivocate(to, message);
      case "lie":
        return this.#lie(to, message);
      case "replay":
        if (this.#heard.length < 2000) this.#heard.push(message);
        return this.#ctx.send(to, message);
    }
  }

  // ---- equivocation -------------------------------------------------------------------

  #equivocate(to: NodeId, message: PbftMessage): void {
    if (message.type === "PrePrepare" && message.request !== null) {
      const key = `${message.view}:${message.seq}`;
      let split = this.#options.collusion.split.get(key);
      if (split === undefined) {
        split = this.#splitFor(message);
        if (split !== undefined) this.#options.collusion.split.set(key, split);
      }
      const mine = split?.get(to);
      if (split === undefined || mine === undefined) return this.#ctx.send(to, message);
      this.#ctx.send(to, mine);
      this.#support(to, mine, true);
      return;
    }
    if (message.type === "Prepare" || message.type === "Commit") {
      // Its own votes on an equivocated slot go out per recipient (see #collude).
      if (this.#options.collusion.split.has(`${message.view}:${message.seq}`)) return;
    }
    this.#ctx.send(to, message);
  }

  /** Two pre-prepares for one slot: the request to the first half, another to the rest. */
  #splitFor(message: PrePrepare): Map<NodeId, PrePrepare> | undefined {
    const other =
      [...this.#requests.values()].find((r) =>
        requestDigest(r) !== message.digest && !this.#ordered(r)
      ) ?? [...this.#requests.values()].find((r) => requestDigest(r) !== message.digest);
    if (other === undefined) return undefined;
    const alternative = this.#signer.sign({
      type: "PrePrepare",
      view: message.view,
      seq: message.seq,
      digest: requestDigest(other),
      request: other,
      from: this.#ctx.id,
    }) as PrePrepare;
    const split = new Map<NodeId, PrePrepare>();
    const half = Math.ceil(this.#others.length / 2);
    this.#others.forEach((r, i) => split.set(r, i < half ? message : alternative));
    return split;
  }

  #ordered(request: Request): boolean {
    for (const split of this.#options.collusion.split.values()) {
      for (const pp of split.values()) if (pp.digest === requestDigest(request)) return true;
    }
    return false;
  }

  /**
   * Sends `to` what would make it commit `prePrepare`: its own commit (and prepare, when
   * a backup), and, as the primary, prepares and commits forged in the other replicas'
   * names. Verification throws the forgeries away.
   */
  #support(to: NodeId, prePrepare: PrePrepare, forgeOthers: boolean): void {
    const vote = { view: prePrepare.view, seq: prePrepare.seq, digest: prePrepare.digest };
    const primary = prePrepare.from;
    if (this.#ctx.id !== primary) {
      this.#ctx.send(
        to,
        this.#signer.sign({ type: "Prepare", ...vote, from: this.#ctx.id }) as Prepare,
      );
    }
    this.#ctx.send(
      to,
      this.#signer.sign({ type: "Commit", ...vote, from: this.#ctx.id }) as Commit,
    );
    if (!forgeOthers) return;
    for (const other of this.#others) {
      if (other === to) continue;
      this.#ctx.send(
        to,
        forge(this.#signer, { type: "Prepare", ...vote, from: other }, other) as Prepare,
      );
      this.#ctx.send(
        to,
        forge(this.#signer, { type: "Commit", ...vote, from: other }, other) as Commit,
      );
    }
  }

  /** A colluding backup backs each half of an equivocating primary's split. */
  #collude(message: PrePrepare): void {
    const split = this.#options.collusion.split.get(`${message.view}:${message.seq}`);
    if (split === undefined) return;
    for (const [to, prePrepare] of split) {
      if (to !== this.#ctx.id) this.#support(to, prePrepare, false);
    }
  }

  // ---- lies ---------------------------------------------------------------------------

  #lie(to: NodeId, message: PbftMessage): void {
    switch (message.type) {
      case "Prepare":
      case "Commit": {
        // A vote for a digest nobody proposed.
        const digest = `forged-${message.digest}`;
        return this.#ctx.send(to, this.#signer.sign({ ...message, digest }) as Prepare | Commit);
      }
      case "Reply":
        return this.#ctx.send(
          to,
          this.#signer.sign({ ...message, result: message.result + 1000 }) as Reply,
        );
      case "ViewChange":
        return this.#ctx.send(to, this.#fakeCertificates(message));
      case "NewView":
        return this.#ctx.send(to, this.#dropPrepared(message));
      default:
        return this.#ctx.send(to, message);
    }
  }

  /** Claims to have prepared, in the last view, a request it merely saw. */
  #fakeCertificates(message: ViewChange): ViewChange {
    const request = [...this.#requests.values()].at(-1);
    if (request === undefined || message.view === 0) return message;
    const seq = this.inner.lastExecuted + 1;
    const view = message.view - 1;
    const digest = requestDigest(request);
    const primary = this.#options.replicas[view % this.#options.replicas.length]!;
    const prePrepare = forge(
      this.#signer,
      { type: "PrePrepare" as const, view, seq, digest, request, from: primary },
      primary,
    ) as PrePrepare;
    const prepares = this.#others.map((other) =>
      forge(
        this.#signer,
        { type: "Prepare" as const, view, seq, digest, from: other },
        other,
      ) as Prepare
    );
    const prepared = [
      ...message.prepared.filter((c) => c.seq !== seq),
      { seq, view, digest, prePrepare, prepares },
    ].sort((a, b) => a.seq - b.seq);
    return this.#signer.sign({ ...message, prepared }) as ViewChange;
  }

  /** A NEW-VIEW whose O proposes null everywhere, dropping prepared requests. */
  #dropPrepared(message: NewView): NewView {
    const prePrepares = message.prePrepares.map((p) =>
      this.#signer.sign({ ...p, digest: NULL_DIGEST, request: null }) as PrePrepare
    );
    return this.#signer.sign({ ...message, prePrepares }) as NewView;
  }
}
