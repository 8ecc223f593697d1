/**
 * Service discovery and an API gateway, as nodes.
 *
 * - A {@link ServiceRegistry} keeps, per service, the instances that have sent a
 *   heartbeat within the last `ttlMs` of its clock: an instance registers by sending
 *   heartbeats and is forgotten when they stop (Eureka and Consul's TTL checks work so).
 * - A {@link ServiceInstance} heartbeats to the registry and answers calls.
 * - An {@link ApiGateway} is the single entry point of outside clients. It does
 *   client-side discovery: it caches each service's instance list, refreshes it from the
 *   registry every `refreshMs`, and spreads calls over the cached instances in turn. A
 *   crashed instance stays in its cache until the registry has expired it and the next
 *   refresh has come back, so for about `ttlMs + refreshMs` after a crash some calls go to
 *   a dead instance and time out; after that, none should.
 * - A {@link LoadClient} sends requests to the gateway at random times.
 *
 * @module
 */
import type { Node, NodeContext, NodeId } from "../sim/node.ts";

/** An instance's heartbeat: registers it under `service`, or renews its registration. */
export interface HeartbeatMessage {
  /** Message kind. */
  readonly type: "Heartbeat";
  /** The service the instance belongs to. */
  readonly service: string;
}

/** A request for a service's live instances. */
export interface LookupMessage {
  /** Message kind. */
  readonly type: "Lookup";
  /** The service asked about. */
  readonly service: string;
  /** Numbers lookups, so a late reply cannot overwrite a newer one. */
  readonly lookupId: number;
}

/** The registry's answer: the instances that heartbeated within the TTL. */
export interface LookupReplyMessage {
  /** Message kind. */
  readonly type: "LookupReply";
  /** The service asked about. */
  readonly service: string;
  /** The lookup answered. */
  readonly lookupId: number;
  /** The live instances, sorted by id. */
  readonly instances: readonly NodeId[];
}

/** An outside client's request to the gateway. */
export interface ClientRequestMessage {
  /** Message kind. */
  readonly type: "ClientRequest";
  /** The client's number for the request. */
  readonly requestId: number;
  /** The service that should answer it. */
  readonly service: string;
}

/** The gateway's answer to a client. */
export interface ClientResponseMessage {
  /** Message kind. */
  readonly type: "ClientResponse";
  /** The client's number for the request. */
  readonly requestId: number;
  /** 200: answered; 503: no instance known; 504: the instance did not answer in time. */
  readonly status: 200 | 503 | 504;
}

/** The gateway's call to an instance. */
export interface CallMessage {
  /** Message kind. */
  readonly type: "Call";
  /** The gateway's number for the call. */
  readonly callId: number;
}

/** An instance's answer to a call. */
export interface CallReplyMessage {
  /** Message kind. */
  readonly type: "CallReply";
  /** The call answered. */
  readonly callId: number;
}

/** Every message of service discovery. */
export type DiscoveryMessage =
  | HeartbeatMessage
  | LookupMessage
  | LookupReplyMessage
  | ClientRequestMessage
  | ClientResponseMessage
  | CallMessage
  | CallReplyMessage;

/** Options of a {@link ServiceRegistry}. */
export interface ServiceRegistryOptions {
  /** How long a heartbeat keeps an instance registered, in ms of the registry's clock. */
  readonly ttlMs: number;
  /**
   * Broken variant: never forget an instance, however long it has been silent (a registry
   * whose TTL check was left out). Default false.
   */
  readonly neverExpire?: boolean;
}

/** The registry: instances per service, each with the local time of its last heartbeat. */
export class ServiceRegistry implements Node<DiscoveryMessage> {
  readonly #ctx: NodeContext<DiscoveryMessage>;
  readonly #options: ServiceRegistryOptions;
  readonly #lastHeartbeat = new Map<string, Map<NodeId, number>>();
  /** Instances the registry has forgotten (TTL expired), counted. */
  expired = 0;

  /** A registry answering through `ctx`. */
  constructor(ctx: NodeContext<DiscoveryMessage>, options: ServiceRegistryOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Records heartbeats, answers lookups. */
  onMessage(from: NodeId, message: DiscoveryMessage): void {
    if (message.type === "Heartbeat") {
      let instances = this.#lastHeartbeat.get(message.service);
      if (instances === undefined) this.#lastHeartbeat.set(message.service, instances = new Map());
      instances.set(from, this.#ctx.now());
    } else if (message.type === "Lookup") {
      this.#ctx.send(from, {
        type: "LookupReply",
        service: message.service,
        lookupId: message.lookupId,
        instances: this.live(message.service),
      });
    }
  }

  /**
   * The instances of `service` that heartbeated within the TTL, sorted. Expired ones are
   * removed here, lazily: a lookup never sees an instance older than the TTL, with no
   * sweep timer to get wrong.
   */
  live(service: string): NodeId[] {
    const instances = this.#lastHeartbeat.get(service);
    if (instances === undefined) return [];
    const now = this.#ctx.now();
    for (const [id, at] of instances) {
      if (!this.#options.neverExpire && now - at > this.#options.ttlMs) {
        instances.delete(id);
        this.expired++;
        this.#ctx.log(`expired ${id}`, { service, silentMs: now - at });
      }
    }
    return [...instances.keys()].sort();
  }
}

/** Options of a {@link ServiceInstance}. */
export interface ServiceInstanceOptions {
  /** The registry's node id. */
  readonly registry: NodeId;
  /** The service this instance serves. */
  readonly service: string;
  /** Time between heartbeats, in ms. */
  readonly heartbeatMs: number;
}

/** An instance of a service: heartbeats to the registry, answers every call at once. */
export class ServiceInstance implements Node<DiscoveryMessage, "heartbeat"> {
  readonly #ctx: NodeContext<DiscoveryMessage, "heartbeat">;
  readonly #options: ServiceInstanceOptions;
  /** Calls answered by this incarnation. */
  served = 0;

  /** An instance acting through `ctx`. */
  constructor(ctx: NodeContext<DiscoveryMessage, "heartbeat">, options: ServiceInstanceOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Registers at once (a restarted instance comes back as soon as it is up). */
  start(): void {
    this.onTimer();
  }

  /** Sends a heartbeat and sets the next. */
  onTimer(): void {
    this.#ctx.send(this.#options.registry, { type: "Heartbeat", service: this.#options.service });
    this.#ctx.setTimer(this.#options.heartbeatMs, "heartbeat");
  }

  /** Answers calls. */
  onMessage(from: NodeId, message: DiscoveryMessage): void {
    if (message.type !== "Call") return;
    this.served++;
    this.#ctx.send(from, { type: "CallReply", callId: message.callId });
  }
}

/** Options of an {@link ApiGateway}. */
export interface ApiGatewayOptions {
  /** The registry's node id. */
  readonly registry: NodeId;
  /** The services the gateway routes to (their instance lists are cached). */
  readonly services: readonly string[];
  /** Time between refreshes of each cached instance list, in ms. */
  readonly refreshMs: number;
  /** How long the gateway waits for an instance before answering 504, in ms. */
  readonly callTimeoutMs: number;
  /**
   * How many times a call that timed out is sent again, each time to another instance.
   * Default 0. A retry is safe here because the calls are reads; a write would need
   * an idempotency key (chapter 17).
   */
  readonly retries?: number;
  /** Called with each instance the gateway forwards a call to (an observer's hook). */
  readonly onForward?: (instance: NodeId) => void;
  /** Called with each status the gateway answers a client with (an observer's hook). */
  readonly onResponse?: (status: 200 | 503 | 504) => void;
}

type GatewayTimer = { kind: "refresh" } | { kind: "timeout"; callId: number };

interface PendingCall {
  readonly client: NodeId;
  readonly requestId: number;
  readonly service: string;
  readonly timer: number;
  readonly attempt: number;
  readonly instance: NodeId;
}

/**
 * The API gateway: routes each client request to an instance of its service chosen in
 * turn from a cached list, answers the client when the instance does (200) or when the
 * call times out (504), and answers 503 when it knows no instance.
 */
export class ApiGateway implements Node<DiscoveryMessage, GatewayTimer> {
  readonly #ctx: NodeContext<DiscoveryMessage, GatewayTimer>;
  readonly #options: ApiGatewayOptions;
  readonly #cache = new Map<string, { lookupId: number; instances: readonly NodeId[] }>();
  readonly #pending = new Map<number, PendingCall>();
  #nextCall = 1;
  #nextLookup = 1;
  #turn = 0;
  /** Responses by status. */
  readonly responses = { 200: 0, 503: 0, 504: 0 };

  /** A gateway acting through `ctx`. */
  constructor(ctx: NodeContext<DiscoveryMessage, GatewayTimer>, options: ApiGatewayOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Looks up every service at once, then every `refreshMs`. */
  start(): void {
    this.#refresh();
  }

  /** The cached instance list of `service`. */
  cached(service: string): readonly NodeId[] {
    return this.#cache.get(service)?.instances ?? [];
  }

  /** Refreshes the cache, or times out a call. */
  onTimer(payload: GatewayTimer): void {
    if (payload.kind === "refresh") {
      this.#refresh();
      return;
    }
    const call = this.#pending.get(payload.callId);
    if (call === undefined) return;
    this.#pending.delete(payload.callId);
    if (call.attempt <= (this.#options.retries ?? 0) && this.cached(call.service).length > 0) {
      this.#forward(call.client, call.requestId, call.service, call.attempt + 1, call.instance);
      return;
    }
    this.#respond(call, 504);
  }

  /** Routes client requests, fills the cache, passes instance replies on. */
  onMessage(from: NodeId, message: DiscoveryMessage): void {
    switch (message.type) {
      case "LookupReply": {
        const held = this.#cache.get(message.service);
        // A reply older than the one the cache holds is stale news: keep the newer list.
        if (held !== undefined && held.lookupId > message.lookupId) return;
        this.#cache.set(message.service, {
          lookupId: message.lookupId,
          instances: message.instances,
        });
        return;
      }
      case "ClientRequest":
        this.#route(from, message);
        return;
      case "CallReply": {
        const call = this.#pending.get(message.callId);
        if (call === undefined) return; // answered after its timeout
        this.#pending.delete(message.callId);
        this.#ctx.cancelTimer(call.timer);
        this.#respond(call, 200);
        return;
      }
      default:
        return;
    }
  }

  #route(client: NodeId, request: ClientRequestMessage): void {
    if (this.cached(request.service).length === 0) {
      this.#respond({ client, requestId: request.requestId }, 503);
      return;
    }
    this.#forward(client, request.requestId, request.service, 1);
  }

  #forward(
    client: NodeId,
    requestId: number,
    service: string,
    attempt: number,
    avoid?: NodeId,
  ): void {
    const cached = this.cached(service);
    // A retry goes to another instance than the one that just timed out, when there is one.
    const others = cached.filter((id) => id !== avoid);
    const instances = others.length > 0 ? others : cached;
    const instance = instances[this.#turn++ % instances.length]!;
    const callId = this.#nextCall++;
    const timer = this.#ctx.setTimer(this.#options.callTimeoutMs, { kind: "timeout", callId });
    this.#pending.set(callId, { client, requestId, service, timer, attempt, instance });
    this.#options.onForward?.(instance);
    this.#ctx.send(instance, { type: "Call", callId });
  }

  #respond(call: { client: NodeId; requestId: number }, status: 200 | 503 | 504): void {
    this.responses[status]++;
    this.#options.onResponse?.(status);
    this.#ctx.send(call.client, {
      type: "ClientResponse",
      requestId: call.requestId,
      status,
    });
  }

  #refresh(): void {
    for (const service of this.#options.services) {
      this.#ctx.send(this.#options.registry, {
        type: "Lookup",
        service,
        lookupId: this.#nextLookup++,
      });
    }
    this.#ctx.setTimer(this.#options.refreshMs, { kind: "refresh" });
  }
}

/** Options of a {@link LoadClient}. */
export interface LoadClientOptions {
  /** The gateway's node id. */
  readonly gateway: NodeId;
  /** The service every request asks for. */
  readonly service: string;
  /** Mean time between requests, in ms (exponential gaps: a Poisson stream). */
  readonly meanGapMs: number;
}

/** An outside client: sends requests to the gateway as a Poisson stream, counts answers. */
export class LoadClient implements Node<DiscoveryMessage, "send"> {
  readonly #ctx: NodeContext<DiscoveryMessage, "send">;
  readonly #options: LoadClientOptions;
  #next = 1;
  /** Requests sent. */
  sent = 0;
  /** Answers by status. */
  readonly answers = { 200: 0, 503: 0, 504: 0 };

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<DiscoveryMessage, "send">, options: LoadClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Schedules the first request. */
  start(): void {
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanGapMs), "send");
  }

  /** Sends a request and schedules the next. */
  onTimer(): void {
    this.sent++;
    this.#ctx.send(this.#options.gateway, {
      type: "ClientRequest",
      requestId: this.#next++,
      service: this.#options.service,
    });
    this.#ctx.setTimer(this.#ctx.random.exponential(this.#options.meanGapMs), "send");
  }

  /** Counts an answer. */
  onMessage(_from: NodeId, message: DiscoveryMessage): void {
    if (message.type === "ClientResponse") this.answers[message.status]++;
  }
}
