/**
 * The simulated network: per-link latency distributions, loss, duplication, optional
 * FIFO order, per-link overrides, and partitions (symmetric or one-way) that cut links
 * until healed. The simulator asks it, per message, which link model applies and whether
 * the link is cut; it knows nothing of protocols.
 *
 * @module
 */
import { z } from "zod";
import { nodeIdField, probability } from "../config/mod.ts";
import {
  compileDistribution,
  type Distribution,
  DistributionSchema,
  type Sampler,
} from "./distributions.ts";
import type { NodeId } from "./node.ts";

const nodeSelector = z.union([
  nodeIdField(),
  z.array(nodeIdField()).min(1, { error: "must name at least one node" }),
], { error: "must be a node id or a list of node ids" });

/** Zod schema of a {@link LinkOverride}. */
export const LinkOverrideSchema = z.strictObject({
  /** Sending node(s) the override applies to. */
  from: nodeSelector,
  /** Receiving node(s) the override applies to. */
  to: nodeSelector,
  /** Also apply it in the reverse direction (to → from). Default false. */
  bidirectional: z.boolean().default(false),
  latency: DistributionSchema.optional(),
  lossProbability: probability().optional(),
  duplicateProbability: probability().optional(),
  fifo: z.boolean().optional(),
});

/** Settings for some links that differ from the network's defaults. Later overrides win. */
export type LinkOverride = z.output<typeof LinkOverrideSchema>;

/** Zod schema of a {@link NetworkConfig}. */
export const NetworkConfigSchema = z.strictObject({
  /** One-way delay of every link unless overridden. Default uniform 1–10 ms. */
  latency: DistributionSchema.default({ kind: "uniform", minMs: 1, maxMs: 10 }),
  /** Probability that a message is lost. Default 0. */
  lossProbability: probability().default(0),
  /** Probability that a message is delivered twice. Default 0. */
  duplicateProbability: probability().default(0),
  /** Deliver messages on each link in the order they were sent (TCP-like). Default false. */
  fifo: z.boolean().default(false),
  /** Per-link overrides, applied in order. Default none. */
  links: z.array(LinkOverrideSchema).default([]),
});

/** The network's settings: defaults for every link plus per-link overrides. */
export type NetworkConfig = z.output<typeof NetworkConfigSchema>;

/** What a user may write for a {@link NetworkConfig}: every field is optional. */
export type NetworkConfigInput = z.input<typeof NetworkConfigSchema>;

/** The effective settings of one directed link. */
export interface LinkSettings {
  /** One-way delay of each message. */
  readonly latency: Distribution;
  /** Probability that a message is lost. */
  readonly lossProbability: number;
  /** Probability that a message is delivered twice. */
  readonly duplicateProbability: number;
  /** Whether messages arrive in the order they were sent. */
  readonly fifo: boolean;
}

/** A link's settings compiled for the hot path. */
export class LinkModel {
  /** Draws one latency. */
  readonly sampleLatency: Sampler;
  /** Probability of loss. */
  readonly loss: number;
  /** Probability of duplication. */
  readonly duplicate: number;
  /** Whether delivery order follows send order. */
  readonly fifo: boolean;
  /** The settings this was compiled from. */
  readonly settings: LinkSettings;

  /** Compiles link settings. */
  constructor(settings: LinkSettings) {
    this.settings = settings;
    this.sampleLatency = compileDistribution(settings.latency);
    this.loss = settings.lossProbability;
    this.duplicate = settings.duplicateProbability;
    this.fifo = settings.fifo;
  }
}

/** Most nodes a simulation can hold (link keys pack two indices into one number). */
export const MAX_NODES = 65_536;

/** One cut: a partition (a group number per node, -1 for none) or a one-way cut. */
interface CutRule {
  readonly group?: Int32Array;
  readonly from?: Uint8Array;
  readonly to?: Uint8Array;
}

interface ResolvedOverride {
  readonly from: ReadonlySet<NodeId>;
  readonly to: ReadonlySet<NodeId>;
  readonly bidirectional: boolean;
  readonly settings: Partial<LinkSettings>;
}

/**
 * The network's state during a run. Nodes are referred to by index (the order they
 * were added) on the hot path and by id everywhere else.
 */
export class Network {
  readonly #defaults: LinkModel;
  readonly #overrides: ResolvedOverride[] = [];
  #linkCache = new Map<number, LinkModel>();
  readonly #ids: NodeId[] = [];
  /**
   * Cuts as rules, not as an n × n matrix (gigabytes at tens of thousands of nodes):
   * single directed links in a set, partitions as a group number per node, one-way
   * partitions as two membership flags per node. A message asks each rule, and there
   * are rarely more than a few between heals.
   */
  readonly #cutSingles = new Set<number>();
  #cutRules: CutRule[] = [];
  #fifoClock = new Map<number, number>();

  /** A network with the given (validated) settings. */
  constructor(config: NetworkConfig) {
    this.#defaults = new LinkModel({
      latency: config.latency,
      lossProbability: config.lossProbability,
      duplicateProbability: config.duplicateProbability,
      fifo: config.fifo,
    });
    for (const override of config.links) this.addOverride(override);
  }

  /** Registers the next node; its index is the count of nodes before it. */
  addNode(id: NodeId): number {
    if (this.#ids.length >= MAX_NODES) {
      throw new RangeError(`Cannot add node ${id}: a simulation holds at most ${MAX_NODES} nodes`);
    }
    this.#ids.push(id);
    this.#linkCache.clear();
    return this.#ids.length - 1;
  }

  /** Adds a per-link override at run time (e.g. "the link n1 → n2 becomes slow"). */
  addOverride(override: LinkOverride): void {
    const toSet = (selector: NodeId | readonly NodeId[]) =>
      new Set(typeof selector === "string" ? [selector] : selector);
    const settings: { -readonly [K in keyof LinkSettings]?: LinkSettings[K] } = {};
    if (override.latency !== undefined) settings.latency = override.latency;
    if (override.lossProbability !== undefined) settings.lossProbability = override.lossProbability;
    if (override.duplicateProbability !== undefined) {
      settings.duplicateProbability = override.duplicateProbability;
    }
    if (override.fifo !== undefined) settings.fifo = override.fifo;
    this.#overrides.push({
      from: toSet(override.from),
      to: toSet(override.to),
      bidirectional: override.bidirectional,
      settings,
    });
    this.#linkCache.clear();
  }

  /** Removes every per-link override, returning all links to the defaults. */
  clearOverrides(): void {
    this.#overrides.length = 0;
    this.#linkCache.clear();
  }

  /** The model of the directed link from node index `from` to node index `to`. */
  link(from: number, to: number): LinkModel {
    if (this.#overrides.length === 0) return this.#defaults;
    const key = from * MAX_NODES + to;
    let model = this.#linkCache.get(key);
    if (model === undefined) {
      model = this.#resolve(from, to);
      this.#linkCache.set(key, model);
    }
    return model;
  }

  /** The effective settings of the link `from` → `to`, by node id. */
  settingsOf(from: NodeId, to: NodeId): LinkSettings {
    const fromIndex = this.#ids.indexOf(from);
    const toIndex = this.#ids.indexOf(to);
    if (fromIndex < 0 || toIndex < 0) {
      throw new RangeError(`Cannot read link ${from} → ${to}: no such node`);
    }
    return this.link(fromIndex, toIndex).settings;
  }

  #resolve(from: number, to: number): LinkModel {
    const fromId = this.#ids[from] as NodeId;
    const toId = this.#ids[to] as NodeId;
    let settings: LinkSettings = this.#defaults.settings;
    let changed = false;
    for (const override of this.#overrides) {
      const forward = override.from.has(fromId) && override.to.has(toId);
      const backward = override.bidirectional && override.from.has(toId) &&
        override.to.has(fromId);
      if (forward || backward) {
        settings = { ...settings, ...override.settings };
        changed = true;
      }
    }
    return changed ? new LinkModel(settings) : this.#defaults;
  }

  /**
   * The delivery time of a message on a FIFO link: no earlier than any message sent
   * before it on the same link (ties keep send order, as the event queue does).
   */
  fifoArrival(from: number, to: number, arrivalMs: number): number {
    const key = from * MAX_NODES + to;
    const last = this.#fifoClock.get(key);
    const time = last !== undefined && last > arrivalMs ? last : arrivalMs;
    this.#fifoClock.set(key, time);
    return time;
  }

  /** Whether any link is cut right now. */
  get hasCuts(): boolean {
    return this.#cutSingles.size > 0 || this.#cutRules.length > 0;
  }

  /** Whether the directed link `from` → `to` is cut. */
  isCut(from: number, to: number): boolean {
    const rules = this.#cutRules;
    if (rules.length === 0 && this.#cutSingles.size === 0) return false;
    if (this.#cutSingles.has(from * MAX_NODES + to)) return true;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CutRule;
      if (rule.group !== undefined) {
        const a = rule.group[from] ?? -1, b = rule.group[to] ?? -1;
        if (a >= 0 && b >= 0 && a !== b) return true;
      } else if (from !== to && rule.from![from] === 1 && rule.to![to] === 1) return true;
    }
    return false;
  }

  /** Cuts the directed link `from` → `to` (indices). Returns false if it was already cut. */
  cut(from: number, to: number): boolean {
    if (this.isCut(from, to)) return false;
    this.#cutSingles.add(from * MAX_NODES + to);
    return true;
  }

  /**
   * Cuts every link between nodes of different groups (indices), both ways: O(nodes) in
   * memory, whatever the groups' sizes. Groups must not overlap.
   */
  cutGroups(groups: readonly (readonly number[])[]): void {
    const group = new Int32Array(this.#ids.length).fill(-1);
    groups.forEach((members, g) => {
      for (const index of members) group[index] = g;
    });
    this.#cutRules.push({ group });
  }

  /** Cuts every link from a node of `from` to a node of `to` (indices), one way. */
  cutOneWay(from: readonly number[], to: readonly number[]): void {
    const fromFlags = new Uint8Array(this.#ids.length);
    const toFlags = new Uint8Array(this.#ids.length);
    for (const index of from) fromFlags[index] = 1;
    for (const index of to) toFlags[index] = 1;
    this.#cutRules.push({ from: fromFlags, to: toFlags });
  }

  /** Restores every cut link. */
  healAll(): void {
    this.#cutSingles.clear();
    this.#cutRules = [];
  }

  /** Every cut link as [from, to] ids. */
  cutLinks(): [NodeId, NodeId][] {
    const links: [NodeId, NodeId][] = [];
    if (!this.hasCuts) return links;
    for (let from = 0; from < this.#ids.length; from++) {
      for (let to = 0; to < this.#ids.length; to++) {
        if (this.isCut(from, to)) links.push([this.#ids[from] as NodeId, this.#ids[to] as NodeId]);
      }
    }
    return links;
  }
}
