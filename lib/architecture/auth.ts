/**
 * Service-to-service authentication: signed requests, keys per service with rotation,
 * replay protection by timestamp and nonce, and authorisation per caller.
 *
 * Each service holds its own secret key, one per rotation period, from a
 * {@link KeyAuthority} (what a key-management service is to real services). A caller signs
 * every request with HMAC-SHA-256 over its caller, target, method, body, timestamp, nonce
 * and key id. The receiving {@link SignedService} checks, in order:
 *
 * 1. the request is addressed to it (a request for another service is not replayed here);
 * 2. the key id names a key of the claimed caller, current or one period either side
 *    (the grace that lets a rotation happen without a flag day, on skewed clocks);
 * 3. the signature (constant-time comparison): any change to a signed field breaks it;
 * 4. freshness: the timestamp is within `windowMs` of the receiver's clock, and the nonce
 *    has not been seen within the window (a signature proves who, not when);
 * 5. the caller may call this method (authorisation).
 *
 * The window must cover the clocks' disagreement plus the network's delay, or honest
 * requests are refused; the nonce cache only needs to hold nonces for the window, since
 * an older timestamp fails the freshness check before its nonce is looked up. Drop the
 * timestamp check and the cache, still pruned by the window, forgets nonces that a replay
 * can then reuse: the broken variant `ignoreTimestamp`.
 *
 * Signatures are real HMAC-SHA-256, computed synchronously (see hmac.ts) because a
 * node's handlers are synchronous; keys are derived from the seed, so runs repeat.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import { Random } from "../sim/random.ts";
import { constantTimeEqual, hmacSha256, toHex } from "./hmac.ts";

/** A request signed by its caller. */
export interface SignedRequest {
  /** Message kind. */
  readonly type: "SignedRequest";
  /** The service the request claims to come from. */
  readonly caller: string;
  /** The service it is addressed to. */
  readonly target: string;
  /** The operation asked for ("charge"). */
  readonly method: string;
  /** The operation's argument, as text. */
  readonly body: string;
  /** The caller's clock when it signed, in ms. */
  readonly timestampMs: number;
  /** A random value the caller never reuses. */
  readonly nonce: string;
  /** The key that signed it: `caller:vN`. */
  readonly keyId: string;
  /** HMAC-SHA-256 of the fields above, hex. */
  readonly signature: string;
}

/** Why a request was refused. */
export type RefusalReason =
  | "wrong-target"
  | "unknown-key"
  | "bad-signature"
  | "stale-timestamp"
  | "replayed-nonce"
  | "forbidden";

/** Every refusal reason, in the order the checks run. */
export const REFUSAL_REASONS: readonly RefusalReason[] = [
  "wrong-target",
  "unknown-key",
  "bad-signature",
  "stale-timestamp",
  "replayed-nonce",
  "forbidden",
];

/** The service's answer. */
export interface AuthResponse {
  /** Message kind. */
  readonly type: "AuthResponse";
  /** The nonce of the request answered. */
  readonly nonce: string;
  /** Whether it was accepted. */
  readonly accepted: boolean;
  /** Why not, when refused. */
  readonly reason: RefusalReason | null;
}

/** A copy of a request, taken off the wire by an eavesdropper. */
export interface CapturedMessage {
  /** Message kind. */
  readonly type: "Captured";
  /** The request as it was sent. */
  readonly request: SignedRequest;
}

/** Every message of the authentication system. */
export type AuthMessage = SignedRequest | AuthResponse | CapturedMessage;

/** The fields a signature covers, one per line, in a fixed order. */
export function canonicalRequest(request: Omit<SignedRequest, "type" | "signature">): string {
  return [
    request.caller,
    request.target,
    request.method,
    request.body,
    String(request.timestampMs),
    request.nonce,
    request.keyId,
  ].join("\n");
}

const text = new TextEncoder();

/**
 * Every service's keys, one per rotation period, derived from the seed: the same seed gives
 * the same keys, and no key can be computed from another's. A service is given only its
 * own keys; verifiers ask the authority for the caller's.
 *
 * @example
 * ```ts
 * import { KeyAuthority } from "./auth.ts";
 *
 * const keys = new KeyAuthority(1, { rotationMs: 1_000 });
 * keys.versionAt(2_500); // 3: versions start at 1 and change every second
 * ```
 */
export class KeyAuthority {
  readonly #random: Random;
  readonly #cache = new Map<string, Uint8Array>();
  /** How long each key version is used for signing, in ms. */
  readonly rotationMs: number;

  /** The keys of a run with `seed`. */
  constructor(seed: number, options: { readonly rotationMs: number }) {
    this.#random = new Random(seed).child("service keys");
    this.rotationMs = options.rotationMs;
  }

  /** The key version in use at local time `nowMs`. */
  versionAt(nowMs: number): number {
    return Math.max(1, Math.floor(nowMs / this.rotationMs) + 1);
  }

  /** The 32-byte key of `service`, version `version`. */
  key(service: string, version: number): Uint8Array {
    const id = `${service}:v${version}`;
    let key = this.#cache.get(id);
    if (key === undefined) {
      const random = this.#random.child(id);
      key = new Uint8Array(32);
      for (let i = 0; i < key.length; i++) key[i] = random.int(0, 256);
      this.#cache.set(id, key);
    }
    return key;
  }
}

/** Signs `request` with `key` (the bytes of the key named by its `keyId`). */
export function signRequest(
  request: Omit<SignedRequest, "type" | "signature">,
  key: Uint8Array,
): SignedRequest {
  const signature = toHex(hmacSha256(key, text.encode(canonicalRequest(request))));
  return { type: "SignedRequest", ...request, signature };
}

/** The nonces a service has accepted, each with its request's timestamp. */
export type NonceCache = Map<string, number>;

/**
 * The freshness check: whether a request with this timestamp and nonce may be accepted at
 * receiver time `nowMs`, recording the nonce if so. `undefined` means fresh.
 */
export type FreshnessCheck = (
  request: { readonly timestampMs: number; readonly nonce: string },
  nowMs: number,
  seen: NonceCache,
  windowMs: number,
) => "stale-timestamp" | "replayed-nonce" | undefined;

/**
 * The freshness check as it should be: refuse a timestamp more than `windowMs` from the
 * receiver's clock (either way: a clock ahead signs "from the future"), refuse a nonce
 * already seen, keep nonces only while their timestamp could still pass.
 */
export function checkFreshness(
  request: { readonly timestampMs: number; readonly nonce: string },
  nowMs: number,
  seen: NonceCache,
  windowMs: number,
): "stale-timestamp" | "replayed-nonce" | undefined {
  pruneNonces(seen, nowMs, windowMs);
  if (Math.abs(nowMs - request.timestampMs) > windowMs) return "stale-timestamp";
  if (seen.has(request.nonce)) return "replayed-nonce";
  seen.set(request.nonce, request.timestampMs);
  return undefined;
}

/**
 * Broken variant: the nonce check alone, with the cache pruned by the window as before.
 * A replay that arrives after its nonce was pruned is accepted.
 */
export function checkNonceOnly(
  request: { readonly timestampMs: number; readonly nonce: string },
  nowMs: number,
  seen: NonceCache,
  windowMs: number,
): "stale-timestamp" | "replayed-nonce" | undefined {
  pruneNonces(seen, nowMs, windowMs);
  if (seen.has(request.nonce)) return "replayed-nonce";
  seen.set(request.nonce, request.timestampMs);
  return undefined;
}

/** Drops nonces whose timestamps are older than the window: they can no longer pass. */
export function pruneNonces(seen: NonceCache, nowMs: number, windowMs: number): void {
  for (const [nonce, timestampMs] of seen) {
    if (nowMs - timestampMs > windowMs) seen.delete(nonce);
  }
}

/** Options of a {@link SignedService}. */
export interface SignedServiceOptions {
  /** Where the callers' keys come from. */
  readonly keys: KeyAuthority;
  /** The methods each caller may call. */
  readonly policy: Readonly<Record<string, readonly string[]>>;
  /** Largest accepted difference between a request's timestamp and this clock, in ms. */
  readonly windowMs: number;
  /** The freshness check. Default {@link checkFreshness}. */
  readonly freshness?: FreshnessCheck;
  /** Called with each accepted request (an observer's hook). */
  readonly onAccept?: (request: SignedRequest) => void;
}

/** A service that accepts only signed, fresh, authorised requests. */
export class SignedService implements Node<AuthMessage> {
  readonly #ctx: NodeContext<AuthMessage>;
  readonly #options: SignedServiceOptions;
  readonly #seen: NonceCache = new Map();
  /** Requests accepted. */
  accepted = 0;
  /** Requests refused, by reason. */
  readonly refused: Record<RefusalReason, number> = {
    "wrong-target": 0,
    "unknown-key": 0,
    "bad-signature": 0,
    "stale-timestamp": 0,
    "replayed-nonce": 0,
    "forbidden": 0,
  };
  /** The most nonces the cache has held. */
  peakNonces = 0;

  /** A service acting through `ctx`. */
  constructor(ctx: NodeContext<AuthMessage>, options: SignedServiceOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Checks a request and answers it. */
  onMessage(from: NodeId, message: AuthMessage): void {
    if (message.type !== "SignedRequest") return;
    const reason = this.verify(message);
    if (reason === undefined) {
      this.accepted++;
      this.#options.onAccept?.(message);
    } else {
      this.refused[reason]++;
    }
    this.#ctx.send(from, {
      type: "AuthResponse",
      nonce: message.nonce,
      accepted: reason === undefined,
      reason: reason ?? null,
    });
  }

  /** Why `request` must be refused now, or undefined to accept it (its nonce is then recorded). */
  verify(request: SignedRequest): RefusalReason | undefined {
    const now = this.#ctx.now();
    if (request.target !== this.#ctx.id) return "wrong-target";
    const { keys } = this.#options;
    const match = /^(.+):v(\d+)$/.exec(request.keyId);
    const version = match === null ? NaN : Number(match[2]);
    if (
      match === null || match[1] !== request.caller ||
      Math.abs(version - keys.versionAt(now)) > 1
    ) {
      return "unknown-key";
    }
    const key = keys.key(request.caller, version);
    const expected = toHex(hmacSha256(key, text.encode(canonicalRequest(request))));
    if (!constantTimeEqual(expected, request.signature)) return "bad-signature";
    const freshness = this.#options.freshness ?? checkFreshness;
    const stale = freshness(request, now, this.#seen, this.#options.windowMs);
    this.peakNonces = Math.max(this.peakNonces, this.#seen.size);
    if (stale !== undefined) return stale;
    const allowed = this.#options.policy[request.caller] ?? [];
    if (!allowed.includes(request.method)) return "forbidden";
    return undefined;
  }
}

/** Options of a {@link SigningCaller}. */
export interface SigningCallerOptions {
  /** Where this service's keys come from (it uses only its own). */
  readonly keys: KeyAuthority;
  /** The service called. */
  readonly target: NodeId;
  /** The methods this caller calls, in turn. */
  readonly methods: readonly string[];
  /** Mean time between calls, in ms (a Poisson stream). */
  readonly meanGapMs: number;
  /** Called with each request sent (an observer's hook). */
  readonly onSend?: (request: SignedRequest) => void;
}

/** A service that calls another with signed requests and counts the answers. */
export class SigningCaller implements Node<AuthMessage, "call"> {
  readonly #ctx: NodeContext<AuthMessage, "call">;
  readonly #options: SigningCallerOptions;
  #calls = 0;
  /** Answers, accepted. */
  accepted = 0;
  /** Answers, refused, by reason. */
  readonly refused: Partial<Record<RefusalReason, number>> = {};

  /** A caller acting through `ctx`. */
  constructor(ctx: NodeContext<AuthMessage, "call">, options: SigningCallerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Schedules the first call. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanGapMs), "call");
  }

  /** Signs and sends a call, schedules the next. */
  onTimer(): void {
    const now = this.#ctx.now();
    const { keys } = this.#options;
    const version = keys.versionAt(now);
    const request = signRequest({
      caller: this.#ctx.id,
      target: this.#options.target,
      method: this.#options.methods[this.#calls % this.#options.methods.length]!,
      body: `amount=${this.#ctx.random.int(1, 1000)}`,
      timestampMs: Math.round(now),
      nonce: nonceFrom(this.#ctx.random),
      keyId: `${this.#ctx.id}:v${version}`,
    }, keys.key(this.#ctx.id, version));
    this.#calls++;
    this.#options.onSend?.(request);
    this.#ctx.send(this.#options.target, request);
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanGapMs), "call");
  }

  /** Counts answers. */
  onMessage(_from: NodeId, message: AuthMessage): void {
    if (message.type !== "AuthResponse") return;
    if (message.accepted) this.accepted++;
    else if (message.reason !== null) {
      this.refused[message.reason] = (this.refused[message.reason] ?? 0) + 1;
    }
  }
}

/** 16 random bytes as hex: a nonce no two requests share but by a 2^-128 chance. */
export function nonceFrom(random: Random): string {
  let out = "";
  for (let i = 0; i < 16; i++) out += random.int(0, 256).toString(16).padStart(2, "0");
  return out;
}

/**
 * A context whose sends also go, as {@link CapturedMessage}s, to `eavesdropper`: a wiretap
 * on the caller's link (the copy travels the simulated network like any message).
 */
export function wiretap<T>(
  ctx: NodeContext<AuthMessage, T>,
  eavesdropper: NodeId,
): NodeContext<AuthMessage, T> {
  return {
    get id() {
      return ctx.id;
    },
    get nodeIds() {
      return ctx.nodeIds;
    },
    get peers() {
      return ctx.peers;
    },
    get incarnation() {
      return ctx.incarnation;
    },
    get random() {
      return ctx.random;
    },
    get storage() {
      return ctx.storage;
    },
    now: () => ctx.now(),
    send: (to, message) => {
      ctx.send(to, message);
      if (message.type === "SignedRequest") {
        ctx.send(eavesdropper, { type: "Captured", request: message });
      }
    },
    setTimer: (delayMs, payload) => ctx.setTimer(delayMs, payload),
    cancelTimer: (id) => ctx.cancelTimer(id),
    log: (note, data) => ctx.log(note, data),
  };
}

/** The attacks an {@link Attacker} makes. */
export type AttackKind =
  | "replay"
  | "tamper-body"
  | "tamper-timestamp"
  | "forge-signature"
  | "borrowed-key"
  | "escalate";

/** Every attack kind. */
export const ATTACK_KINDS: readonly AttackKind[] = [
  "replay",
  "tamper-body",
  "tamper-timestamp",
  "forge-signature",
  "borrowed-key",
  "escalate",
];

/** Options of an {@link Attacker}. */
export interface AttackerOptions {
  /** The attacker's own keys: it is a service too, with a key of its own. */
  readonly keys: KeyAuthority;
  /** Replays wait uniformly between 0 and this, in ms, so some land after the window. */
  readonly maxReplayDelayMs: number;
  /** A method the attacker is not allowed to call (for escalation). */
  readonly forbiddenMethod: string;
}

type AttackTimer = { readonly request: SignedRequest };

/**
 * A node that listens on the wire and attacks with what it hears. For every captured
 * request it schedules a replay of it (after a random delay) and makes one other attack,
 * in turn: changes the body, or the timestamp and nonce (so the request looks fresh),
 * keeping the signature; signs a forged request with its own key under the victim's key
 * id; presents its own valid key id for a request claiming the victim's name; or signs
 * correctly, as itself, a method it may not call. It counts its attempts.
 */
export class Attacker implements Node<AuthMessage, AttackTimer> {
  readonly #ctx: NodeContext<AuthMessage, AttackTimer>;
  readonly #options: AttackerOptions;
  #turn = 0;
  /** Attempts by kind. */
  readonly attempts: Record<AttackKind, number> = {
    "replay": 0,
    "tamper-body": 0,
    "tamper-timestamp": 0,
    "forge-signature": 0,
    "borrowed-key": 0,
    "escalate": 0,
  };
  /** Attempts the target answered as accepted. */
  acceptedAnswers = 0;

  /** An attacker acting through `ctx`. */
  constructor(ctx: NodeContext<AuthMessage, AttackTimer>, options: AttackerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Attacks with each captured request; counts accepted answers. */
  onMessage(_from: NodeId, message: AuthMessage): void {
    if (message.type === "AuthResponse") {
      if (message.accepted) this.acceptedAnswers++;
      return;
    }
    if (message.type !== "Captured") return;
    const request = message.request;
    this.#ctx.setTimer(this.#ctx.random.uniform(0, this.#options.maxReplayDelayMs), { request });
    const kind = ATTACK_KINDS[1 + (this.#turn++ % (ATTACK_KINDS.length - 1))]!;
    this.#attack(kind, this.#variant(kind, request));
  }

  /** Sends a delayed replay. */
  onTimer(payload: AttackTimer): void {
    this.#attack("replay", payload.request);
  }

  #attack(kind: AttackKind, request: SignedRequest): void {
    this.attempts[kind]++;
    this.#ctx.send(request.target, request);
  }

  #variant(kind: AttackKind, request: SignedRequest): SignedRequest {
    const now = Math.round(this.#ctx.now());
    const { keys } = this.#options;
    const me = this.#ctx.id;
    const myVersion = keys.versionAt(now);
    switch (kind) {
      case "tamper-body":
        return { ...request, body: "amount=1000000" };
      case "tamper-timestamp":
        return { ...request, timestampMs: now, nonce: nonceFrom(this.#ctx.random) };
      case "forge-signature": {
        const { type: _t, signature: _s, ...fields } = request;
        return signRequest(
          {
            ...fields,
            body: "amount=999999",
            timestampMs: now,
            nonce: nonceFrom(this.#ctx.random),
          },
          keys.key(me, myVersion),
        );
      }
      case "borrowed-key": {
        const { type: _t, signature: _s, ...fields } = request;
        return signRequest({
          ...fields,
          timestampMs: now,
          nonce: nonceFrom(this.#ctx.random),
          keyId: `${me}:v${myVersion}`,
        }, keys.key(me, myVersion));
      }
      default:
        return signRequest({
          caller: me,
          target: request.target,
          method: this.#options.forbiddenMethod,
          body: request.body,
          timestampMs: now,
          nonce: nonceFrom(this.#ctx.random),
          keyId: `${me}:v${myVersion}`,
        }, keys.key(me, myVersion));
    }
  }
}
