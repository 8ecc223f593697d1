/**
 * A PBFT replica (Castro and Liskov, OSDI 1999): n = 3f + 1 replicas tolerate f
 * Byzantine ones. The primary of view v (replica v mod n) orders requests with
 * PRE-PREPARE; backups PREPARE; a replica that has the pre-prepare and 2f matching
 * prepares is *prepared* and sends COMMIT; with 2f + 1 matching commits it is
 * *committed-local* and executes in sequence-number order, replying to the client. A
 * backup that waits too long for a request to execute starts a view change; the new
 * primary collects 2f + 1 VIEW-CHANGE messages and sends NEW-VIEW, re-proposing every
 * request prepared in an earlier view and null requests for the gaps.
 *
 * Simplified, and said so: no checkpoints or garbage collection (view changes carry
 * every prepared certificate since the start, and a replica that fell behind is sent
 * committed certificates instead of a state transfer); no water marks; a crash is not
 * modelled (the nemesis pauses and isolates replicas instead), so the log lives in
 * memory.
 *
 * @module
 */
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";
import { Ledger } from "./ledger.ts";
import {
  type Commit,
  type Committed,
  type NewView,
  NULL_DIGEST,
  type PbftMessage,
  type Prepare,
  type PreparedCertificate,
  type PrePrepare,
  type Reply,
  type Request,
  requestDigest,
  type Status,
  type ViewChange,
} from "./messages.ts";
import type { Signed, Signer, Verifier } from "./signatures.ts";

/**
 * How many replicas a quorum needs: the paper's 2f + 1 (for n = 3f + 1; in general
 * ⌈(n + f + 1) / 2⌉, so that two quorums share f + 1 replicas), or a broken f + 1.
 */
export type QuorumRule = "2f+1" | "f+1";

/** What a new primary does with the prepared certificates in VIEW-CHANGE messages. */
export type NewViewRule = "prepared" | "ignore-prepared";

/** A replica's timers. */
export type PbftTimer =
  | { readonly kind: "request" }
  | { readonly kind: "view-change"; readonly view: number }
  | { readonly kind: "byzantine" };

/** Watches a replica execute (for invariants and figures). */
export interface PbftObserver {
  /**
   * Replica `replica` executed `digest` at `seq`; `result` is what it answered (null
   * for a null request or a duplicate it did not run again).
   */
  executed?(
    replica: NodeId,
    seq: number,
    digest: string,
    request: Request | null,
    result: number | null,
  ): void;
  /** Replica `replica` entered `view`. */
  enteredView?(replica: NodeId, view: number): void;
}

/** What a prepared predicate is given: one slot's pre-prepare and every prepare it holds. */
export interface PreparedInput {
  /** The pre-prepare accepted for the slot, if any. */
  readonly prePrepare: PrePrepare | undefined;
  /** Every prepare received for the slot's view and number, one per sender, any digest. */
  readonly prepares: readonly Prepare[];
  /** Byzantine replicas tolerated: ⌊(n − 1) / 3⌋. */
  readonly f: number;
  /** The primary of the slot's view. */
  readonly primary: NodeId;
}

/** A replacement for the paper's `prepared` predicate (to try one's own). */
export type PreparedRule = (input: PreparedInput) => boolean;

/** Options of a {@link PbftReplica}. */
export interface PbftReplicaOptions {
  /** Every replica, in order: replica i is the primary of views i, i + n, ... */
  readonly replicas: readonly NodeId[];
  /** This replica's signer. */
  readonly signer: Signer;
  /** Checks everyone's signatures. */
  readonly verifier: Verifier;
  /** Quorum size. Default "2f+1". */
  readonly quorum?: QuorumRule;
  /** Check signatures (false: a broken replica that believes any `from`). Default true. */
  readonly verifySignatures?: boolean;
  /** How a new primary builds NEW-VIEW. Default "prepared". */
  readonly newViewRule?: NewViewRule;
  /** A backup starts a view change when a request waits this long, in ms. Default 150. */
  readonly viewChangeTimeoutMs?: number;
  /** Watches executions. */
  readonly observer?: PbftObserver;
  /** The prepared predicate. Default {@link isPrepared} with 2f (or f, for quorums of f + 1). */
  readonly prepared?: PreparedRule;
}

/** The largest number of Byzantine replicas n replicas tolerate: ⌊(n − 1) / 3⌋. */
export function faultsTolerated(n: number): number {
  return Math.floor((n - 1) / 3);
}

/** What one (view, sequence number) slot of the log holds. */
interface Slot {
  prePrepare: PrePrepare | undefined;
  readonly prepares: Map<NodeId, Prepare>;
  readonly commits: Map<NodeId, Commit>;
  sentCommit: boolean;
}

/**
 * The paper's `prepared(m, v, n, i)` predicate: the slot has a pre-prepare and at least
 * `needed` prepares from distinct backups (not the primary) that match its view,
 * sequence number and digest.
 */
export function isPrepared(
  prePrepare: PrePrepare | undefined,
  prepares: Iterable<Prepare>,
  needed: number,
  primary: NodeId,
): boolean {
  if (prePrepare === undefined) return false;
  const from = new Set<NodeId>();
  for (const p of prepares) {
    if (
      p.view === prePrepare.view && p.seq === prePrepare.seq &&
      p.digest === prePrepare.digest && p.from !== primary
    ) from.add(p.from);
  }
  return from.size >= needed;
}

/** A PBFT replica; see the module doc. */
export class PbftReplica implements Node<PbftMessage, PbftTimer> {
  /** The current view. */
  view = 0;
  /** Whether it is between views (sent VIEW-CHANGE, no NEW-VIEW accepted yet). */
  inViewChange = false;
  /** The last sequence number executed. */
  lastExecuted = 0;
  /** What was executed at each sequence number: the request's digest. */
  readonly executed: Map<number, string> = new Map();
  /** The ledger this replica runs. */
  readonly ledger: Ledger = new Ledger();
  /** Number of replicas. */
  readonly n: number;
  /** Byzantine replicas tolerated. */
  readonly f: number;

  readonly #ctx: NodeContext<PbftMessage, PbftTimer>;
  readonly #replicas: readonly NodeId[];
  readonly #signer: Signer;
  readonly #verifier: Verifier;
  readonly #verify: boolean;
  readonly #newViewRule: NewViewRule;
  readonly #timeoutMs: number;
  readonly #observer: PbftObserver | undefined;
  readonly #preparedRule: PreparedRule | undefined;
  /** Matching commits needed (2f + 1 when n = 3f + 1); matching prepares are one fewer. */
  readonly #quorum: number;
  #nextSeq = 0;
  readonly #slots = new Map<string, Slot>();
  readonly #committed = new Map<number, Committed>();
  readonly #prepared = new Map<number, PreparedCertificate>();
  readonly #clients = new Map<NodeId, { timestamp: number; reply: Reply }>();
  readonly #pending = new Map<string, Request>();
  readonly #assigned = new Map<string, PrePrepare>();
  readonly #viewChanges = new Map<number, Map<NodeId, ViewChange>>();
  readonly #newViews = new Map<number, NewView>();
  readonly #seenRequests = new Set<string>();
  /** Normal-case messages of a view not entered yet (they may overtake its NEW-VIEW). */
  #early: (PrePrepare | Prepare | Commit)[] = [];
  /** Peers that said they are behind, and how far they had executed (answered once). */
  readonly #behind = new Map<NodeId, number>();
  /** The sequence number this replica last asked to catch up at. */
  #askedAt = 0;
  #requestTimer: TimerId | undefined;
  #viewTimer: TimerId | undefined;
  #attempts = 0;

  /** A replica over `ctx`. */
  constructor(ctx: NodeContext<PbftMessage, PbftTimer>, options: PbftReplicaOptions) {
    this.#ctx = ctx;
    this.#replicas = options.replicas;
    this.n = options.replicas.length;
    this.f = faultsTolerated(this.n);
    this.#signer = options.signer;
    this.#verifier = options.verifier;
    this.#verify = options.verifySignatures ?? true;
    this.#newViewRule = options.newViewRule ?? "prepared";
    this.#timeoutMs = options.viewChangeTimeoutMs ?? 150;
    this.#observer = options.observer;
    this.#preparedRule = options.prepared;
    // 2f + 1 when n = 3f + 1. With more replicas than that, 2f + 1 is too small: two
    // quorums of ⌈(n + f + 1) / 2⌉ still share f + 1 replicas, one of them correct.
    this.#quorum = (options.quorum ?? "2f+1") === "2f+1"
      ? Math.ceil((this.n + this.f + 1) / 2)
      : this.f + 1;
    if (!options.replicas.includes(ctx.id)) {
      throw new RangeError(`Cannot start replica ${ctx.id}: it is not among the replicas`);
    }
  }

  /** This replica's id. */
  get id(): NodeId {
    return this.#ctx.id;
  }

  /** The primary of `view`: replica view mod n. */
  primaryOf(view: number): NodeId {
    return this.#replicas[view % this.n]!;
  }

  /** Whether this replica is the primary of its current view. */
  get isPrimary(): boolean {
    return this.primaryOf(this.view) === this.#ctx.id;
  }

  /** Prepared certificates this replica holds, by sequence number (its P set). */
  get preparedCertificates(): ReadonlyMap<number, PreparedCertificate> {
    return this.#prepared;
  }

  /** Requests it knows (valid client signatures), in the order it saw them. */
  get knownRequests(): Request[] {
    const seen = new Map<string, Request>();
    for (const slot of this.#slots.values()) {
      const r = slot.prePrepare?.request;
      if (r) seen.set(requestDigest(r), r);
    }
    for (const r of this.#pending.values()) seen.set(requestDigest(r), r);
    return [...seen.values()];
  }

  /** Handles a message (every kind is signed; unsigned or forged ones are dropped). */
  onMessage(_from: NodeId, message: PbftMessage): void {
    if (!this.#authentic(message)) return;
    switch (message.type) {
      case "Request":
        return this.#onRequest(message);
      case "PrePrepare":
        return this.#onPrePrepare(message);
      case "Prepare":
        return this.#onPrepare(message);
      case "Commit":
        return this.#onCommit(message);
      case "ViewChange":
        return this.#onViewChange(message);
      case "NewView":
        return this.#onNewView(message);
      case "Status":
        return this.#onStatus(message);
      case "Committed":
        return this.#onCommitted(message);
      default:
        return;
    }
  }

  /** Handles its timers. */
  onTimer(payload: PbftTimer): void {
    if (payload.kind === "request") {
      this.#requestTimer = undefined;
      if (!this.inViewChange && this.#pending.size > 0) this.#startViewChange(this.view + 1);
    } else if (payload.kind === "view-change") {
      this.#viewTimer = undefined;
      // No NEW-VIEW in time: the next view's primary may be faulty too (§4.5.2).
      if (this.inViewChange && payload.view === this.view) this.#startViewChange(this.view + 1);
    }
  }

  // ---- authentication ------------------------------------------------------------------

  /** A signature that checks out and names the message's own sender or client. */
  #authentic(message: PbftMessage): boolean {
    const author = message.type === "Request" ? message.client : message.from;
    if (message.sig?.by !== author) return false;
    return this.#valid(message);
  }

  #valid(value: Signed): boolean {
    return !this.#verify || this.#verifier.verify(value);
  }

  #sign<V extends object>(value: V): V & Signed {
    return this.#signer.sign(value);
  }

  #broadcast(message: PbftMessage): void {
    for (const peer of this.#replicas) if (peer !== this.#ctx.id) this.#ctx.send(peer, message);
  }

  #slot(view: number, seq: number): Slot {
    const key = `${view}:${seq}`;
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { prePrepare: undefined, prepares: new Map(), commits: new Map(), sentCommit: false };
      this.#slots.set(key, slot);
    }
    return slot;
  }

  // ---- normal case (§4.2) ------------------------------------------------------------

  #onRequest(request: Request): void {
    const known = this.#clients.get(request.client);
    if (known !== undefined && request.timestamp <= known.timestamp) {
      // Executed already: the client lost replies, so send ours again.
      if (request.timestamp === known.timestamp) this.#ctx.send(request.client, known.reply);
      return;
    }
    const digest = requestDigest(request);
    const again = this.#seenRequests.has(digest);
    this.#seenRequests.add(digest);
    this.#pending.set(digest, request);
    if (this.isPrimary && !this.inViewChange) {
      const assigned = this.#assigned.get(digest);
      if (assigned !== undefined) {
        this.#broadcast(assigned);
      } else {
        this.#propose(request);
      }
    } else if (!this.inViewChange) {
      this.#ctx.send(this.primaryOf(this.view), request);
      if (again) this.#retransmit(digest);
    }
    // A retransmitted request means someone waits: say how far we got, to catch up.
    if (again) {
      this.#broadcast(
        this.#sign({
          type: "Status",
          lastExecuted: this.lastExecuted,
          from: this.#ctx.id,
        }) as Status,
      );
    }
    this.#armRequestTimer();
  }

  #propose(request: Request): void {
    const seq = ++this.#nextSeq;
    const prePrepare = this.#sign({
      type: "PrePrepare",
      view: this.view,
      seq,
      digest: requestDigest(request),
      request,
      from: this.#ctx.id,
    }) as PrePrepare;
    this.#assigned.set(prePrepare.digest, prePrepare);
    this.#broadcast(prePrepare);
    this.#accept(prePrepare);
  }

  /** Resends what this replica said about the slot holding `digest` in this view. */
  #retransmit(digest: string): void {
    for (let seq = this.lastExecuted + 1; seq <= this.lastExecuted + 64; seq++) {
      const slot = this.#slots.get(`${this.view}:${seq}`);
      if (slot === undefined) break;
      if (slot.prePrepare?.digest !== digest) continue;
      const mine = slot.prepares.get(this.#ctx.id);
      if (mine !== undefined) this.#broadcast(mine);
      const commit = slot.commits.get(this.#ctx.id);
      if (commit !== undefined) this.#broadcast(commit);
    }
  }

  /** Keeps a message of a later view (or of the view being changed to) for later. */
  #holdEarly(message: PrePrepare | Prepare | Commit): boolean {
    const early = message.view > this.view || (message.view === this.view && this.inViewChange);
    if (early && this.#early.length < MAX_EARLY_MESSAGES) this.#early.push(message);
    return early;
  }

  #onPrePrepare(message: PrePrepare): void {
    if (message.from !== this.primaryOf(message.view)) return;
    if (this.#holdEarly(message)) return;
    if (message.view !== this.view || this.inViewChange || message.seq < 1) return;
    // In the normal case a pre-prepare carries a client's signed request.
    if (message.request === null || !this.#valid(message.request)) return;
    if (requestDigest(message.request) !== message.digest) return;
    const slot = this.#slot(message.view, message.seq);
    if (slot.prePrepare !== undefined) {
      // A second pre-prepare for the slot: the same one again (resend our prepare), or
      // a conflicting one from an equivocating primary (ignored: the first one stands).
      if (slot.prePrepare.digest === message.digest) {
        const mine = slot.prepares.get(this.#ctx.id);
        if (mine !== undefined) this.#ctx.send(message.from, mine);
      }
      return;
    }
    this.#accept(message);
  }

  /** Accepts a pre-prepare into its slot; a backup prepares it. */
  #accept(prePrepare: PrePrepare): void {
    const slot = this.#slot(prePrepare.view, prePrepare.seq);
    slot.prePrepare = prePrepare;
    if (prePrepare.request !== null) {
      const known = this.#clients.get(prePrepare.request.client);
      if (known === undefined || prePrepare.request.timestamp > known.timestamp) {
        this.#pending.set(prePrepare.digest, prePrepare.request);
        this.#seenRequests.add(prePrepare.digest);
      }
    }
    if (this.primaryOf(prePrepare.view) !== this.#ctx.id) {
      const prepare = this.#sign({
        type: "Prepare",
        view: prePrepare.view,
        seq: prePrepare.seq,
        digest: prePrepare.digest,
        from: this.#ctx.id,
      }) as Prepare;
      slot.prepares.set(this.#ctx.id, prepare);
      this.#broadcast(prepare);
    }
    this.#armRequestTimer();
    this.#progress(prePrepare.view, prePrepare.seq);
  }

  #onPrepare(message: Prepare): void {
    if (this.#holdEarly(message)) return;
    if (message.view !== this.view || message.from === this.primaryOf(message.view)) return;
    const slot = this.#slot(message.view, message.seq);
    if (!slot.prepares.has(message.from)) slot.prepares.set(message.from, message);
    this.#progress(message.view, message.seq);
  }

  #onCommit(message: Commit): void {
    if (this.#holdEarly(message)) return;
    if (message.view !== this.view) return;
    const slot = this.#slot(message.view, message.seq);
    if (!slot.commits.has(message.from)) slot.commits.set(message.from, message);
    this.#progress(message.view, message.seq);
    // f + 1 replicas, so at least one correct, prepared a request here that this replica
    // has not (an equivocating primary sent it another one): it asks, once, to be sent the
    // committed certificate when there is one.
    const next = this.lastExecuted + 1;
    if (message.seq === next && !this.#committed.has(next) && this.#askedAt < next) {
      const matching = [...slot.commits.values()].filter((c) => c.digest === message.digest);
      if (matching.length >= this.f + 1 && slot.prePrepare?.digest !== message.digest) {
        this.#askedAt = next;
        this.#broadcast(
          this.#sign({
            type: "Status",
            lastExecuted: this.lastExecuted,
            from: this.#ctx.id,
          }) as Status,
        );
      }
    }
  }

  /** Prepared → send COMMIT; committed-local → execute what can be executed. */
  #progress(view: number, seq: number): void {
    const slot = this.#slot(view, seq);
    const prePrepare = slot.prePrepare;
    if (prePrepare === undefined) return;
    const all = [...slot.prepares.values()];
    const primary = this.primaryOf(view);
    const prepared = this.#preparedRule === undefined
      ? isPrepared(prePrepare, all, this.#quorum - 1, primary)
      : this.#preparedRule({ prePrepare, prepares: all, f: this.f, primary });
    if (!prepared) return;
    const matching = all.filter((p) => p.digest === prePrepare.digest && p.from !== primary);
    if (!slot.sentCommit) {
      slot.sentCommit = true;
      const held = this.#prepared.get(seq);
      if (held === undefined || held.view <= view) {
        this.#prepared.set(
          seq,
          Object.freeze({
            seq,
            view,
            digest: prePrepare.digest,
            prePrepare,
            prepares: Object.freeze(matching.slice(0, this.#quorum - 1)),
          }),
        );
      }
      const commit = this.#sign({
        type: "Commit",
        view,
        seq,
        digest: prePrepare.digest,
        from: this.#ctx.id,
      }) as Commit;
      slot.commits.set(this.#ctx.id, commit);
      this.#broadcast(commit);
    }
    const commits = [...slot.commits.values()].filter((c) => c.digest === prePrepare.digest);
    if (commits.length < this.#quorum || this.#committed.has(seq)) return;
    this.#committed.set(seq, {
      type: "Committed",
      seq,
      view,
      digest: prePrepare.digest,
      request: prePrepare.request,
      commits: commits.slice(0, this.#quorum),
      from: this.#ctx.id,
      sig: { by: this.#ctx.id, mac: "" },
    });
    for (const [peer, executed] of this.#behind) {
      if (executed + 1 !== seq) continue;
      this.#behind.delete(peer);
      this.#sendCommitted(peer, executed);
    }
    this.#execute();
  }

  /** Executes committed requests in sequence-number order (§4.2), replying to clients. */
  #execute(): void {
    for (;;) {
      const next = this.#committed.get(this.lastExecuted + 1);
      if (next === undefined) break;
      this.lastExecuted++;
      this.executed.set(next.seq, next.digest);
      const request = next.request;
      let answered: number | null = null;
      if (request !== null) {
        this.#pending.delete(next.digest);
        const known = this.#clients.get(request.client);
        if (known === undefined || request.timestamp > known.timestamp) {
          const result = this.ledger.apply(request.amount);
          answered = result;
          const reply = this.#sign({
            type: "Reply",
            view: this.view,
            client: request.client,
            timestamp: request.timestamp,
            result,
            from: this.#ctx.id,
          }) as Reply;
          this.#clients.set(request.client, { timestamp: request.timestamp, reply });
          this.#ctx.send(request.client, reply);
        }
        // Requests the client has since replaced are no longer waited for.
        for (const [digest, waiting] of this.#pending) {
          if (waiting.client === request.client && waiting.timestamp <= request.timestamp) {
            this.#pending.delete(digest);
          }
        }
      }
      this.#observer?.executed?.(this.#ctx.id, next.seq, next.digest, request, answered);
    }
    this.#rearmRequestTimer();
  }

  #armRequestTimer(): void {
    if (this.#requestTimer !== undefined || this.inViewChange || this.#pending.size === 0) return;
    this.#requestTimer = this.#ctx.setTimer(this.#timeoutMs, { kind: "request" });
  }

  #rearmRequestTimer(): void {
    if (this.#requestTimer !== undefined) this.#ctx.cancelTimer(this.#requestTimer);
    this.#requestTimer = undefined;
    this.#armRequestTimer();
  }

  // ---- catching up ------------------------------------------------------------------

  #onStatus(message: Status): void {
    if (!this.#committed.has(message.lastExecuted + 1)) {
      // Not committed here yet either: answer when it is.
      this.#behind.set(message.from, message.lastExecuted);
      return;
    }
    this.#sendCommitted(message.from, message.lastExecuted);
  }

  #sendCommitted(to: NodeId, lastExecuted: number): void {
    for (let seq = lastExecuted + 1; seq <= lastExecuted + 16; seq++) {
      const committed = this.#committed.get(seq);
      if (committed === undefined) break;
      this.#ctx.send(to, this.#sign({ ...committed, from: this.#ctx.id }) as Committed);
    }
  }

  #onCommitted(message: Committed): void {
    if (this.#committed.has(message.seq) || message.seq <= this.lastExecuted) return;
    if (!this.#validCommitted(message)) return;
    this.#committed.set(message.seq, message);
    this.#execute();
  }

  /** A committed certificate: 2f + 1 valid commits from distinct replicas that match. */
  #validCommitted(message: Committed): boolean {
    if (requestDigest(message.request) !== message.digest) return false;
    if (message.request !== null && !this.#valid(message.request)) return false;
    const from = new Set<NodeId>();
    for (const c of message.commits) {
      if (c.view !== message.view || c.seq !== message.seq || c.digest !== message.digest) continue;
      if (!this.#replicas.includes(c.from) || c.sig?.by !== c.from || !this.#valid(c)) continue;
      from.add(c.from);
    }
    return from.size >= this.#quorum;
  }

  // ---- view change (§4.4) -----------------------------------------------------------

  #startViewChange(view: number): void {
    if (view <= this.view) return;
    this.view = view;
    this.inViewChange = true;
    this.#attempts++;
    if (this.#requestTimer !== undefined) this.#ctx.cancelTimer(this.#requestTimer);
    this.#requestTimer = undefined;
    if (this.#viewTimer !== undefined) this.#ctx.cancelTimer(this.#viewTimer);
    // Each failed view waits longer for the next (§4.5.2), so the correct replicas end
    // up in one view long enough to finish it.
    const waitMs = this.#timeoutMs * 2 ** Math.min(this.#attempts, 6);
    this.#viewTimer = this.#ctx.setTimer(waitMs, { kind: "view-change", view });
    const message = this.#sign({
      type: "ViewChange",
      view,
      lastExecuted: this.lastExecuted,
      prepared: [...this.#prepared.values()].sort((a, b) => a.seq - b.seq),
      from: this.#ctx.id,
    }) as ViewChange;
    this.#ctx.log(`view change to ${view}`, { view });
    this.#record(message);
    this.#broadcast(message);
    this.#tryNewView(view);
  }

  #record(message: ViewChange): void {
    let forView = this.#viewChanges.get(message.view);
    if (forView === undefined) this.#viewChanges.set(message.view, forView = new Map());
    if (!forView.has(message.from)) forView.set(message.from, message);
  }

  #onViewChange(message: ViewChange): void {
    if (!this.#validViewChange(message)) return;
    if (message.view < this.view) return;
    this.#record(message);
    const sent = this.#newViews.get(message.view);
    if (sent !== undefined) {
      // It missed our NEW-VIEW: send it again.
      this.#ctx.send(message.from, sent);
      return;
    }
    // f + 1 replicas want a later view: at least one is correct, so join (§4.5.2).
    const wanting = new Map<NodeId, number>();
    for (const [view, senders] of this.#viewChanges) {
      if (view <= this.view) continue;
      for (const from of senders.keys()) {
        wanting.set(from, Math.min(wanting.get(from) ?? Infinity, view));
      }
    }
    wanting.delete(this.#ctx.id);
    if (wanting.size >= this.f + 1) {
      this.#startViewChange(Math.min(...wanting.values()));
    }
    if (message.view === this.view && this.inViewChange) this.#tryNewView(this.view);
  }

  /** A VIEW-CHANGE whose every prepared certificate checks out. */
  #validViewChange(message: ViewChange): boolean {
    return message.prepared.every((cert) => this.#validCertificate(cert, message.view));
  }

  /** A prepared certificate: a primary's pre-prepare and 2f matching prepares, all signed. */
  #validCertificate(cert: PreparedCertificate, beforeView: number): boolean {
    const pp = cert.prePrepare;
    if (cert.view >= beforeView) return false;
    if (pp.view !== cert.view || pp.seq !== cert.seq || pp.digest !== cert.digest) return false;
    const primary = this.primaryOf(cert.view);
    if (pp.from !== primary || pp.sig?.by !== primary || !this.#valid(pp)) return false;
    if (requestDigest(pp.request) !== pp.digest) return false;
    const valid = cert.prepares.filter((p) =>
      this.#replicas.includes(p.from) && p.sig?.by === p.from && this.#valid(p)
    );
    return isPrepared(pp, valid, this.#quorum - 1, primary);
  }

  #tryNewView(view: number): void {
    if (this.primaryOf(view) !== this.#ctx.id || this.#newViews.has(view)) return;
    if (view !== this.view || !this.inViewChange) return;
    const received = this.#viewChanges.get(view);
    if (received === undefined || received.size < this.#quorum) return;
    const chosen = [...received.values()].slice(0, this.#quorum);
    const prePrepares = this.#newViewRule === "prepared"
      ? reproposals(chosen, view).map((p) =>
        this.#sign({ type: "PrePrepare", ...p, from: this.#ctx.id }) as PrePrepare
      )
      : [];
    const message = this.#sign({
      type: "NewView",
      view,
      viewChanges: chosen,
      prePrepares,
      from: this.#ctx.id,
    }) as NewView;
    this.#newViews.set(view, message);
    this.#broadcast(message);
    this.#enterView(message);
  }

  #onNewView(message: NewView): void {
    if (message.from !== this.primaryOf(message.view)) return;
    if (message.view < this.view || (message.view === this.view && !this.inViewChange)) return;
    if (this.#newViewRule === "prepared") {
      // Check the proof: 2f + 1 valid VIEW-CHANGE messages for this view from distinct
      // replicas, and O exactly as we would compute it from them (§4.4).
      const senders = new Set<NodeId>();
      for (const vc of message.viewChanges) {
        if (vc.view !== message.view || vc.sig?.by !== vc.from) return;
        if (!this.#replicas.includes(vc.from) || !this.#valid(vc)) return;
        if (!this.#validViewChange(vc)) return;
        senders.add(vc.from);
      }
      if (senders.size < this.#quorum) return;
      const expected = reproposals(message.viewChanges, message.view);
      if (expected.length !== message.prePrepares.length) return;
      for (let i = 0; i < expected.length; i++) {
        const want = expected[i]!;
        const got = message.prePrepares[i]!;
        if (got.view !== want.view || got.seq !== want.seq || got.digest !== want.digest) return;
        if (got.from !== message.from || requestDigest(got.request) !== got.digest) return;
      }
    }
    this.#enterView(message);
  }

  /** Enters the new view: accepts O's pre-prepares, then orders what still waits. */
  #enterView(message: NewView): void {
    this.view = message.view;
    this.inViewChange = false;
    this.#attempts = 0;
    if (this.#viewTimer !== undefined) this.#ctx.cancelTimer(this.#viewTimer);
    this.#viewTimer = undefined;
    this.#assigned.clear();
    this.#ctx.log(`entered view ${message.view}`, { view: message.view });
    this.#observer?.enteredView?.(this.#ctx.id, message.view);
    let highest = 0;
    for (const prePrepare of message.prePrepares) {
      highest = Math.max(highest, prePrepare.seq);
      if (prePrepare.seq <= this.lastExecuted) continue;
      if (prePrepare.request !== null) this.#assigned.set(prePrepare.digest, prePrepare);
      this.#accept(prePrepare);
    }
    if (this.isPrimary) {
      this.#nextSeq = this.#newViewRule === "prepared" ? highest : this.lastExecuted;
      for (const [digest, request] of [...this.#pending]) {
        if (!this.#assigned.has(digest) && this.#pending.has(digest)) this.#propose(request);
      }
    }
    // Messages of this view that arrived before its NEW-VIEW.
    const early = this.#early;
    this.#early = early.filter((m) => m.view > this.view);
    for (const m of early) if (m.view === this.view) this.onMessage(m.from, m);
    this.#rearmRequestTimer();
  }
}

/** Most messages of views not yet entered that a replica keeps. */
const MAX_EARLY_MESSAGES = 1000;

/**
 * The O set of NEW-VIEW (§4.4), without signatures: for every sequence number up to the
 * highest in any prepared certificate of `viewChanges`, the request prepared in the
 * highest view, or the null request when none prepared there.
 */
export function reproposals(
  viewChanges: readonly ViewChange[],
  view: number,
): { view: number; seq: number; digest: string; request: Request | null }[] {
  const best = new Map<number, PreparedCertificate>();
  let maxSeq = 0;
  for (const vc of viewChanges) {
    for (const cert of vc.prepared) {
      maxSeq = Math.max(maxSeq, cert.seq);
      const held = best.get(cert.seq);
      if (held === undefined || cert.view > held.view) best.set(cert.seq, cert);
    }
  }
  const out: { view: number; seq: number; digest: string; request: Request | null }[] = [];
  for (let seq = 1; seq <= maxSeq; seq++) {
    const cert = best.get(seq);
    out.push({
      view,
      seq,
      digest: cert?.digest ?? NULL_DIGEST,
      request: cert?.prePrepare.request ?? null,
    });
  }
  return out;
}
