/**
 * SWIM: Scalable Weakly-consistent Infection-style process group Membership (Das, Gupta
 * and Motivala, DSN 2002), as nodes on the simulator.
 *
 * Every member runs protocol periods of `periodMs` on its own clock (phases start at a
 * random offset, so members are not in lockstep). In each period it:
 * 1. picks one member to probe, uniformly at random among those it does not believe dead
 *    (the choice the paper's analysis assumes; `probeOrder: "round-robin"` walks a
 *    shuffled list instead, the paper's §4.3 refinement that bounds detection time);
 * 2. sends it `ping`; if no `ack` comes within `pingTimeoutMs`, sends `ping-req` to `k`
 *    other members chosen at random, each of which pings the target and forwards its ack;
 * 3. if no ack, direct or indirect, has arrived by the end of the period, declares the
 *    target **suspected** (§4.2), not dead.
 *
 * A suspected member that hears of the suspicion refutes it by incrementing its
 * **incarnation number** and spreading `alive`. A suspicion not refuted within
 * `suspicionTimeoutMs` becomes a **confirmation** (`dead`), and the member is dropped from
 * the list. Precedence (§4.2): `alive(i)` overrides `suspect(j)` and `alive(j)` when
 * `i > j`; `suspect(i)` overrides `alive(j)` when `i >= j` and `suspect(j)` when `i > j`;
 * `dead(i)` overrides any news of incarnation `i` or older. A live member told it is dead
 * rejoins with a higher incarnation (the paper's members would rejoin under a new identity,
 * which is the same thing here), and a member that hears from someone it believes dead
 * tells it so, since that news may have left every gossip buffer long ago.
 *
 * Membership updates travel **piggybacked** on pings and acks (§4.1, infection-style): each
 * update is attached to up to `piggybackPerMessage` messages at a time, least-sent first,
 * and retired after `lambda · ceil(log2(n + 1))` transmissions.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { parseConfig } from "../config/validate.ts";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.ts";

/** What one member believes about another. */
export type MemberStatus = "alive" | "suspect" | "dead";

/** A membership update, as spread by piggybacking. */
export interface SwimUpdate {
  /** The new status. */
  readonly status: MemberStatus;
  /** The member it is about. */
  readonly member: NodeId;
  /** That member's incarnation number the update refers to. */
  readonly incarnation: number;
}

/** A SWIM message. `updates` are the piggybacked membership updates. */
export type SwimMessage =
  | { readonly type: "ping"; readonly seq: number; readonly updates: readonly SwimUpdate[] }
  | { readonly type: "ack"; readonly seq: number; readonly updates: readonly SwimUpdate[] }
  | {
    readonly type: "ping-req";
    readonly seq: number;
    readonly target: NodeId;
    readonly updates: readonly SwimUpdate[];
  };

/** Timers of a {@link SwimNode}. */
export type SwimTimer =
  | { readonly kind: "period" }
  | { readonly kind: "ping-timeout"; readonly seq: number }
  | { readonly kind: "suspicion"; readonly member: NodeId; readonly incarnation: number };

/** Something a member did that an observer may count; times are true times set by the observer. */
export type SwimEvent =
  | { readonly kind: "probe"; readonly by: NodeId; readonly target: NodeId }
  | {
    readonly kind: "suspect" | "confirm";
    readonly by: NodeId;
    readonly member: NodeId;
    /** Whether `by` reached this verdict itself (a failed probe, an expired suspicion) rather than hearing it. */
    readonly firstHand: boolean;
  }
  | { readonly kind: "refute"; readonly by: NodeId; readonly incarnation: number };

/** Called with each {@link SwimEvent}; an observer's hook that must not act on the simulation. */
export type SwimObserver = (event: SwimEvent) => void;

/** Zod schema of {@link SwimOptions}. */
export const SwimOptionsSchema = z.strictObject({
  /** Length of a protocol period, on the member's clock, in ms. Default 1,000. */
  periodMs: positiveMs().default(1_000),
  /** Wait for a direct ack before asking for indirect probes, in ms. Default 200. */
  pingTimeoutMs: positiveMs().default(200),
  /** Members asked to probe indirectly (0: no indirect probes). Default 3. */
  k: integerAtLeast(0).default(3),
  /** Time a suspicion has to be refuted before it is confirmed, in ms. Default 5,000. */
  suspicionTimeoutMs: positiveMs().default(5_000),
  /** Turn off suspicion: a failed probe confirms at once (the basic SWIM of §3). Default true. */
  suspicion: z.boolean().default(true),
  /** How to choose whom to probe. Default "uniform" (the paper's analysis). */
  probeOrder: z.enum(["uniform", "round-robin"]).default("uniform"),
  /** Each update is sent `lambda · ceil(log2(n + 1))` times. Default 3. */
  lambda: integerAtLeast(1).default(3),
  /** Most updates piggybacked on one message. Default 6. */
  piggybackPerMessage: integerAtLeast(0).default(6),
  /** Told of probes, suspicions, confirmations and refutations. Default none. */
  observer: z.custom<SwimObserver>((value) => typeof value === "function", {
    error: "must be a function (event) => void",
  }).optional(),
});

/** Settings of a {@link SwimNode}, with defaults applied. */
export type SwimOptions = z.output<typeof SwimOptionsSchema>;

/** What a user may write for {@link SwimOptions}. */
export type SwimOptionsInput = z.input<typeof SwimOptionsSchema>;

interface MemberState {
  status: MemberStatus;
  incarnation: number;
  suspicionTimer: TimerId | undefined;
}

interface Gossip {
  update: SwimUpdate;
  sent: number;
}

interface Forward {
  readonly requester: NodeId;
  readonly seq: number;
}

/**
 * A SWIM group member. Every node of the simulation is a member from the start.
 *
 * @example
 * ```ts
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * sim.addNodes(["m0", "m1", "m2", "m3"], (ctx) => new SwimNode(ctx, { k: 2 }));
 * sim.runUntil(10_000);
 * sim.node<SwimNode>("m0")?.statusOf("m1"); // "alive"
 * ```
 */
export class SwimNode implements Node<SwimMessage, SwimTimer> {
  readonly #ctx: NodeContext<SwimMessage, SwimTimer>;
  readonly #options: SwimOptions;
  readonly #members = new Map<NodeId, MemberState>();
  readonly #gossip = new Map<NodeId, Gossip>();
  readonly #forwards = new Map<number, Forward>();
  #incarnation = 0;
  #seq = 0;
  /** The probe of this period: its target and sequence number, until acked. */
  #probe: { target: NodeId; seq: number; acked: boolean } | undefined;
  #roundRobin: NodeId[] = [];
  #liveCache: readonly NodeId[] | undefined;

  /** A member acting through `ctx`; a bad option throws a ConfigError naming it. */
  constructor(ctx: NodeContext<SwimMessage, SwimTimer>, options: SwimOptionsInput = {}) {
    this.#ctx = ctx;
    this.#options = parseConfig(SwimOptionsSchema, options, "swim");
    for (const peer of ctx.peers) {
      this.#members.set(peer, { status: "alive", incarnation: 0, suspicionTimer: undefined });
    }
  }

  /** This member's incarnation number. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** What this member believes about `member` (undefined for itself or a stranger). */
  statusOf(member: NodeId): MemberStatus | undefined {
    return this.#members.get(member)?.status;
  }

  /** Members this one does not believe dead, itself excluded, in the order of `ctx.peers`. */
  get liveView(): NodeId[] {
    return [...this.#live()];
  }

  /** The cached live view, rebuilt only after a member dies or comes back. */
  #live(): readonly NodeId[] {
    if (this.#liveCache === undefined) {
      this.#liveCache = this.#ctx.peers.filter((id) => this.#members.get(id)?.status !== "dead");
    }
    return this.#liveCache;
  }

  /** Starts the first period after a random phase offset. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.periodMs), { kind: "period" });
  }

  /** Handles a ping, an ack or a ping-req, after applying its piggybacked updates. */
  onMessage(from: NodeId, message: SwimMessage): void {
    // Hearing from a member directly is also evidence it is alive.
    for (const update of message.updates) this.#apply(update);
    switch (message.type) {
      case "ping":
        this.#send(from, { type: "ack", seq: message.seq, updates: [] });
        return;
      case "ack": {
        const forward = this.#forwards.get(message.seq);
        if (forward !== undefined) {
          this.#forwards.delete(message.seq);
          this.#send(forward.requester, { type: "ack", seq: forward.seq, updates: [] });
          return;
        }
        if (this.#probe !== undefined && this.#probe.seq === message.seq) this.#probe.acked = true;
        return;
      }
      case "ping-req": {
        const seq = this.#seq++;
        this.#forwards.set(seq, { requester: from, seq: message.seq });
        this.#send(message.target, { type: "ping", seq, updates: [] });
        return;
      }
    }
  }

  /** Runs a period boundary, a ping timeout or a suspicion timeout. */
  onTimer(timer: SwimTimer): void {
    switch (timer.kind) {
      case "period":
        this.#endPeriod();
        this.#startPeriod();
        this.#ctx.setTimer(this.#options.periodMs, { kind: "period" });
        return;
      case "ping-timeout":
        this.#askForIndirectProbes(timer.seq);
        return;
      case "suspicion": {
        const state = this.#members.get(timer.member);
        if (state?.status === "suspect" && state.incarnation === timer.incarnation) {
          this.#declare(
            { status: "dead", member: timer.member, incarnation: timer.incarnation },
            true,
          );
        }
        return;
      }
    }
  }

  #endPeriod(): void {
    const probe = this.#probe;
    this.#probe = undefined;
    this.#forwards.clear();
    if (probe === undefined || probe.acked) return;
    const state = this.#members.get(probe.target);
    if (state === undefined || state.status === "dead") return;
    const status = this.#options.suspicion ? "suspect" : "dead";
    if (status === "suspect" && state.status === "suspect") return;
    this.#declare({ status, member: probe.target, incarnation: state.incarnation }, true);
  }

  #startPeriod(): void {
    const target = this.#chooseTarget();
    if (target === undefined) return;
    const seq = this.#seq++;
    this.#probe = { target, seq, acked: false };
    this.#options.observer?.({ kind: "probe", by: this.#ctx.id, target });
    this.#send(target, { type: "ping", seq, updates: [] });
    this.#ctx.setTimer(this.#options.pingTimeoutMs, { kind: "ping-timeout", seq });
  }

  #chooseTarget(): NodeId | undefined {
    if (this.#options.probeOrder === "uniform") {
      const candidates = this.#live();
      if (candidates.length === 0) return undefined;
      return candidates[this.#ctx.random.int(0, candidates.length)];
    }
    // Round-robin over a list shuffled afresh at the end of each pass.
    for (let attempts = 0; attempts < 2; attempts++) {
      while (this.#roundRobin.length > 0) {
        const next = this.#roundRobin.pop() as NodeId;
        if (this.#members.get(next)?.status !== "dead") return next;
      }
      this.#roundRobin = shuffled(this.#live(), this.#ctx.random);
    }
    return undefined;
  }

  #askForIndirectProbes(seq: number): void {
    const probe = this.#probe;
    if (probe === undefined || probe.seq !== seq || probe.acked) return;
    const helpers = this.#live().filter((id) => id !== probe.target);
    for (const helper of sample(helpers, this.#options.k, this.#ctx.random)) {
      this.#send(helper, { type: "ping-req", seq, target: probe.target, updates: [] });
    }
  }

  /** This member's own verdict (or a refutation): apply it and spread it. */
  #declare(update: SwimUpdate, firstHand: boolean): void {
    this.#apply(update, firstHand);
  }

  /** Applies an update if it overrides what this member knows (§4.2), and spreads it. */
  #apply(update: SwimUpdate, firstHand = false): void {
    if (update.member === this.#ctx.id) {
      // Suspected or declared dead while alive: refute with a higher incarnation.
      if (update.status !== "alive" && update.incarnation >= this.#incarnation) {
        this.#incarnation = update.incarnation + 1;
        this.#options.observer?.({
          kind: "refute",
          by: this.#ctx.id,
          incarnation: this.#incarnation,
        });
        this.#enqueue({ status: "alive", member: this.#ctx.id, incarnation: this.#incarnation });
      }
      return;
    }
    const state = this.#members.get(update.member);
    if (state === undefined) return;
    if (!overrides(update, state)) return;
    if (state.suspicionTimer !== undefined) {
      this.#ctx.cancelTimer(state.suspicionTimer);
      state.suspicionTimer = undefined;
    }
    if ((state.status === "dead") !== (update.status === "dead")) this.#liveCache = undefined;
    state.status = update.status;
    state.incarnation = update.incarnation;
    const by = this.#ctx.id;
    if (update.status === "suspect") {
      this.#ctx.log(`suspect ${update.member}`, { incarnation: update.incarnation });
      this.#options.observer?.({ kind: "suspect", by, member: update.member, firstHand });
      state.suspicionTimer = this.#ctx.setTimer(this.#options.suspicionTimeoutMs, {
        kind: "suspicion",
        member: update.member,
        incarnation: update.incarnation,
      });
    } else if (update.status === "dead") {
      this.#ctx.log(`confirm ${update.member} dead`, { incarnation: update.incarnation });
      this.#options.observer?.({ kind: "confirm", by, member: update.member, firstHand });
    }
    this.#enqueue(update);
  }

  #enqueue(update: SwimUpdate): void {
    this.#gossip.set(update.member, { update, sent: 0 });
  }

  /** Sends `message` with as many pending updates as fit, least-sent first. */
  #send(to: NodeId, message: SwimMessage): void {
    const limit = this.#options.piggybackPerMessage;
    const retireAfter = this.#options.lambda * Math.ceil(Math.log2(this.#ctx.nodeIds.length + 1));
    const updates: SwimUpdate[] = [];
    // A member this one believes dead is still talking: tell it, so it can rejoin (it may
    // have been paused, and the news of its death retired from every gossip buffer).
    const recipient = this.#members.get(to);
    if (recipient?.status === "dead") {
      updates.push({ status: "dead", member: to, incarnation: recipient.incarnation });
    }
    if (this.#gossip.size === 0 || limit === 0) {
      this.#ctx.send(to, { ...message, updates });
      return;
    }
    const pending = [...this.#gossip.values()].sort((a, b) => a.sent - b.sent).slice(0, limit);
    for (const gossip of pending) {
      updates.push(gossip.update);
      gossip.sent++;
      if (gossip.sent >= retireAfter) this.#gossip.delete(gossip.update.member);
    }
    this.#ctx.send(to, { ...message, updates });
  }
}

/** Whether `update` overrides what is known in `state` (SWIM §4.2's precedence). */
function overrides(update: SwimUpdate, state: MemberState): boolean {
  if (state.status === "dead") {
    // Dead is final for that incarnation; only a rejoin with a higher one revives.
    return update.status === "alive" && update.incarnation > state.incarnation;
  }
  switch (update.status) {
    case "alive":
      return update.incarnation > state.incarnation;
    case "suspect":
      return state.status === "alive"
        ? update.incarnation >= state.incarnation
        : update.incarnation > state.incarnation;
    case "dead":
      // A confirmation of an older incarnation is stale news once the member has rejoined.
      return update.incarnation >= state.incarnation;
  }
}

/** `count` distinct items chosen uniformly (a partial Fisher-Yates shuffle of a copy). */
function sample<T>(
  items: readonly T[],
  count: number,
  random: { int(min: number, max: number): number },
): T[] {
  const out = [...items];
  const take = Math.min(count, out.length);
  for (let i = 0; i < take; i++) {
    const j = random.int(i, out.length);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out.slice(0, take);
}

function shuffled<T>(items: readonly T[], random: { int(min: number, max: number): number }): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The expected number of protocol periods until some member first probes a crashed one,
 * when each of the other `n - 1` members picks its target uniformly among its `n - 1`
 * peers once per period (SWIM §3.1): `1 / (1 - (1 - 1/(n-1))^(n-1))`, which falls to
 * `e / (e - 1) ≈ 1.582` as `n` grows.
 */
export function expectedFirstProbePeriods(n: number): number {
  if (!(Number.isInteger(n) && n >= 2)) {
    throw new RangeError(
      `Cannot compute the first-probe time: n must be a whole number at least 2, got ${n}`,
    );
  }
  return 1 / (1 - Math.pow(1 - 1 / (n - 1), n - 1));
}
