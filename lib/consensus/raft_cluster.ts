/**
 * A Raft cluster in a simulation, ready to use: servers, clients that record a history,
 * the safety invariants checked after every event, and a log of every role change. The
 * chapter's scenarios, the fault sweep and the experiments are all built on it.
 *
 * @module
 */
import { checkLinearizable, type LinearizabilityResult } from "../check/linearizability.ts";
import type { History } from "../history/operation.ts";
import { HistoryRecorder } from "../history/recorder.ts";
import type { FaultInput } from "../sim/faults.ts";
import type { NetworkConfigInput } from "../sim/network.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { RaftInvariants } from "./invariants.ts";
import type { KvOperation } from "./kv_store.ts";
import {
  parseRaftOptions,
  type RaftDurableState,
  type RaftEvent,
  type RaftMessage,
  RaftNode,
  type RaftObserver,
  type RaftOptions,
  type RaftOptionsInput,
  type RaftRole,
  writeRaftState,
} from "./raft.ts";
import {
  RaftClient,
  type RaftClientCompletion,
  type RaftClientOptionsInput,
  type RaftClientTimer,
} from "./raft_client.ts";

/** Options of a {@link RaftCluster}. */
export interface RaftClusterOptions {
  /** Master seed. Default 1. */
  readonly seed?: number;
  /** The servers: a count (named n1, n2, ...) or their ids. Default 5. */
  readonly servers?: number | readonly NodeId[];
  /** The clients: a count (named c1, c2, ...) or their ids. Default 0. */
  readonly clients?: number | readonly NodeId[];
  /** Settings every server shares (the cluster fills in `servers` and `observer`). */
  readonly raft?: Omit<RaftOptionsInput, "servers" | "observer">;
  /** Settings every client shares, including a random workload (the cluster fills in `servers` and `recorder`). */
  readonly client?: Omit<RaftClientOptionsInput, "servers" | "recorder">;
  /** The network. Default: the simulator's (uniform 1–10 ms, no loss). */
  readonly network?: NetworkConfigInput;
  /** Faults to inject. Default none. */
  readonly faults?: readonly FaultInput[];
  /** Keep a trace (turn off for sweeps). Default true. */
  readonly record?: boolean;
  /** The line that replays this run, printed with any failure. */
  readonly replay?: string;
  /** Check Raft's safety invariants after every event. Default true. */
  readonly checkInvariants?: boolean;
  /** Durable state to give servers before they start (logs of different lengths, ...). */
  readonly initialState?: Readonly<Record<NodeId, RaftDurableState>>;
  /** Also told of every server event. */
  readonly observer?: RaftObserver;
  /** Latest virtual time a bounded run may reach, in ms. Default 1 hour. */
  readonly maxTimeMs?: number;
}

/** A server changed role or term: one row of the role/term timeline. */
export interface RaftRoleChange {
  /** True time of the change, in ms. */
  readonly t: number;
  /** The server. */
  readonly node: NodeId;
  /** Its new role. */
  readonly role: RaftRole;
  /** Its term then (for a pre-candidate: its current term, not the one it asks for). */
  readonly term: number;
}

/** Options of {@link RaftCluster.runUntilLeader}. */
export interface RunUntilLeaderOptions {
  /** Give up after this much virtual time, in ms. Default 10,000. */
  readonly withinMs?: number;
  /** Only a leader of a term above this counts. Default 0. */
  readonly afterTerm?: number;
}

/**
 * A simulated Raft cluster with clients, invariants and a role log.
 *
 * @example
 * ```ts
 * const cluster = new RaftCluster({ seed: 3, servers: 5, clients: 1 });
 * const leader = cluster.runUntilLeader();
 * cluster.submit("c1", { f: "write", key: "x", value: 1 });
 * cluster.runUntilCompleted("c1");
 * cluster.checkLinearizable().valid; // true
 * ```
 */
export class RaftCluster {
  /** The simulation everything runs in. */
  readonly simulation: Simulation<RaftMessage>;
  /** The servers' ids. */
  readonly servers: readonly NodeId[];
  /** The clients' ids. */
  readonly clients: readonly NodeId[];
  /** Where the clients record their operations (times are true time in ms). */
  readonly recorder: HistoryRecorder;
  /** The safety checker every server reports to. */
  readonly invariants: RaftInvariants;
  /** The servers' settings. */
  readonly raftOptions: RaftOptions;
  readonly #roleChanges: RaftRoleChange[] = [];

  /** Builds the simulation, the servers and the clients; nothing runs until you run it. */
  constructor(options: RaftClusterOptions = {}) {
    this.servers = ids(options.servers ?? 5, "n", "servers");
    this.clients = ids(options.clients ?? 0, "c", "clients");
    const clash = this.clients.find((id) => this.servers.includes(id));
    if (clash !== undefined) {
      throw new RangeError(`Cannot build a Raft cluster: ${clash} is both a server and a client`);
    }
    this.simulation = new Simulation<RaftMessage>({
      seed: options.seed ?? 1,
      record: options.record ?? true,
      network: options.network ?? {},
      faults: options.faults === undefined ? [] : [...options.faults],
      ...(options.replay === undefined ? {} : { replay: options.replay }),
      ...(options.maxTimeMs === undefined ? {} : { maxTimeMs: options.maxTimeMs }),
    });
    const simulation = this.simulation;
    this.recorder = new HistoryRecorder({ now: () => simulation.now });
    this.invariants = new RaftInvariants({ now: () => simulation.now });
    if (options.checkInvariants ?? true) this.invariants.attach(simulation);
    const extra = options.observer;
    const invariants = this.invariants.observe;
    const roleChanges = this.#roleChanges;
    const observer: RaftObserver = (event: RaftEvent) => {
      if (event.kind === "role") {
        roleChanges.push({
          t: simulation.now,
          node: event.node.id,
          role: event.role,
          term: event.term,
        });
      }
      invariants(event);
      extra?.(event);
    };
    this.raftOptions = parseRaftOptions({ ...options.raft, servers: [...this.servers], observer });
    for (const id of Object.keys(options.initialState ?? {})) {
      if (!this.servers.includes(id)) {
        throw new RangeError(
          `Cannot set the initial state of ${id}: it is not a server (${this.servers.join(", ")})`,
        );
      }
    }
    const raftOptions = this.raftOptions;
    simulation.addNodes(this.servers, (ctx) => new RaftNode(ctx, raftOptions));
    const clientOptions = {
      ...options.client,
      servers: [...this.servers],
      recorder: this.recorder,
    };
    simulation.addNodes<RaftClientTimer>(this.clients, (ctx) => new RaftClient(ctx, clientOptions));
    // A server reads its storage when it starts, at the first event of the run, so state
    // written now is what it finds.
    for (const [id, state] of Object.entries(options.initialState ?? {})) {
      writeRaftState(simulation.storage(id), state);
    }
  }

  /** True time now, in ms. */
  get now(): number {
    return this.simulation.now;
  }

  /** Every role or term change so far, in time order. */
  get roleChanges(): readonly RaftRoleChange[] {
    return this.#roleChanges;
  }

  /** The history the clients recorded (calls still open appear as invokes only). */
  get history(): History {
    return this.recorder.history;
  }

  /** The live server object of `id`, or undefined while it is crashed. */
  server(id: NodeId): RaftNode | undefined {
    if (!this.servers.includes(id)) {
      throw new RangeError(`Cannot find server ${id}: servers are ${this.servers.join(", ")}`);
    }
    return this.simulation.node<RaftNode>(id);
  }

  /** Every server that is up (not crashed; paused servers count). */
  liveServers(): RaftNode[] {
    const live: RaftNode[] = [];
    for (const id of this.servers) {
      const node = this.simulation.node<RaftNode>(id);
      if (node !== undefined) live.push(node);
    }
    return live;
  }

  /** The live leader of the highest term, or undefined when no live server leads. */
  leader(): RaftNode | undefined {
    let best: RaftNode | undefined;
    for (const node of this.liveServers()) {
      if (node.role === "leader" && (best === undefined || node.currentTerm > best.currentTerm)) {
        best = node;
      }
    }
    return best;
  }

  /**
   * The client object of `id`. Clients start with the simulation: asked for before the
   * run has begun, the cluster first processes the events of time 0.
   */
  client(id: NodeId): RaftClient {
    if (!this.clients.includes(id)) {
      throw new RangeError(`Cannot find client ${id}: clients are ${this.clients.join(", ")}`);
    }
    let client = this.simulation.node<RaftClient>(id);
    if (client === undefined && this.#notStarted()) {
      this.simulation.runUntil(this.simulation.now);
      client = this.simulation.node<RaftClient>(id);
    }
    return client!;
  }

  #notStarted(): boolean {
    return this.simulation.stats.events === 0;
  }

  /**
   * Runs until a live server leads a term above `afterTerm`, and returns it. Fails with a
   * liveness error naming the servers' roles if none does in time.
   */
  runUntilLeader(options: RunUntilLeaderOptions = {}): RaftNode {
    const afterTerm = options.afterTerm ?? 0;
    const found = () => {
      const leader = this.leader();
      return leader !== undefined && leader.currentTerm > afterTerm ? leader : undefined;
    };
    this.simulation.runUntilTrue(() => found() !== undefined, {
      withinMs: options.withinMs ?? 10_000,
      description: afterTerm > 0 ? `a leader of a term above ${afterTerm}` : "a leader",
      explain: () => this.describeRoles(),
    });
    return found()!;
  }

  /**
   * Issues `op` from client `clientId` now (to server `options.to` first, if given) and
   * returns its sequence number.
   */
  submit(clientId: NodeId, op: KvOperation, options: { readonly to?: NodeId } = {}): number {
    return this.client(clientId).submit(op, options);
  }

  /**
   * Runs until client `clientId`'s operation in progress ends (ok, fail or info), and
   * returns how it ended. If it has none in progress, returns how its last one ended.
   */
  runUntilCompleted(
    clientId: NodeId,
    options: { readonly withinMs?: number } = {},
  ): RaftClientCompletion {
    const client = this.client(clientId);
    const before = client.completions.length;
    if (!client.busy) {
      const last = client.completions[before - 1];
      if (last !== undefined) return last;
      throw new RangeError(`Cannot wait for ${clientId}: it has issued no operation`);
    }
    this.simulation.runUntilTrue(() => client.completions.length > before, {
      withinMs: options.withinMs ?? 10_000,
      description: `the end of ${clientId}'s operation`,
    });
    return client.completions[client.completions.length - 1]!;
  }

  /** Checks the recorded history for linearizability (model kv). */
  checkLinearizable(): LinearizabilityResult {
    return checkLinearizable(this.history, { model: "kv" });
  }

  /** Each server's status, role and term in one line ("n1 leader t3, n2 crashed, ..."). */
  describeRoles(): string {
    return this.servers.map((id) => {
      const status = this.simulation.status(id);
      if (status === "crashed") return `${id} crashed`;
      const node = this.simulation.node<RaftNode>(id)!;
      return `${id} ${node.role} t${node.currentTerm}${status === "paused" ? " (paused)" : ""}`;
    }).join(", ");
  }
}

function ids(spec: number | readonly NodeId[], prefix: string, what: string): NodeId[] {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0) {
      throw new RangeError(
        `Cannot build a Raft cluster: ${what} must be a whole number at least 0, got ${spec}`,
      );
    }
    return Array.from({ length: spec }, (_, i) => `${prefix}${i + 1}`);
  }
  if (!Array.isArray(spec)) {
    throw new TypeError(`Cannot build a Raft cluster: ${what} must be a count or a list of ids`);
  }
  const duplicate = spec.find((id, i) => spec.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw new RangeError(`Cannot build a Raft cluster: ${duplicate} is listed twice in ${what}`);
  }
  return [...spec];
}
