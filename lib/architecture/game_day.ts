/**
 * A game day: a chaos experiment on the gateway, registry and instances of the discovery
 * system, with faults from the trial harness's nemesis.
 *
 * Chaos engineering (Basiri et al., "Chaos Engineering", IEEE Software 2016) runs an
 * experiment on a system as it serves:
 *
 * 1. define its **steady state** as a measurable output: here the fraction of client
 *    requests answered 200 in each `windowMs` window;
 * 2. state the **hypothesis** that the steady state holds while faults happen: every
 *    window (after a warm-up) at or above `targetSuccess`;
 * 3. inject faults that real life brings (crashes, pauses, a node cut off), confined to a
 *    **blast radius**: the nemesis may only touch the first `blastRadius` instances;
 * 4. look for a difference between the steady state and the run: a window below target
 *    refutes the hypothesis and shows a weakness to fix before it happens in production.
 *
 * The `game-day` experiment is this trial, one row per seed.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs, probability } from "../config/mod.ts";
import { trialExperiment } from "../experiments/trial_experiment.ts";
import type { Fault } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { defineTrial, nemesisParams, type TrialNemesis } from "../testing/mod.ts";
import { buildDiscovery, DiscoveryParamsSchema, type DiscoverySystem } from "./discovery_trial.ts";

/** Zod schema of the `game-day` parameters. */
export const GameDayParamsSchema = z.strictObject({
  blastRadius: integerAtLeast(1).default(1)
    .describe("Instances the faults may touch (of the 4), from i1 on"),
  retries: integerAtLeast(0).default(0)
    .describe("Times the gateway resends a timed-out call to the next instance"),
  targetSuccess: probability().default(0.95)
    .describe("The hypothesis: each window answers at least this fraction with 200"),
  windowMs: positiveMs().default(100).describe("Steady-state window, in ms"),
  warmUpMs: positiveMs().default(200).describe("Windows before this are not judged, in ms"),
  callTimeoutMs: positiveMs().default(30).describe("The gateway's call timeout, in ms"),
  runMs: positiveMs().default(2_000).describe("How long the game day lasts, in ms"),
  ...nemesisParams({
    faultsPerSecond: 3,
    faultsUntilMs: 1_600,
    meanFaultDurationMs: 300,
    faultKinds: ["crash", "pause", "isolate"],
    concurrentNodeFaults: 4,
  }),
}).refine((p) => p.blastRadius <= 4, {
  error: "must be at most 4 (the service has 4 instances)",
  path: ["blastRadius"],
}).refine((p) => p.runMs > p.faultsUntilMs + 2 * p.windowMs, {
  error: "must leave at least two windows after the faults end",
  path: ["runMs"],
});

/** The `game-day` parameters, with defaults applied. */
export type GameDayParams = z.output<typeof GameDayParamsSchema>;

/** What one game day builds: the discovery system and the answers it gave, timed. */
export interface GameDaySystem extends DiscoverySystem {
  /** Each answer the gateway gave: [true time in ms, status]. */
  readonly answers: [number, 200 | 503 | 504][];
  /** The instances the nemesis may touch. */
  readonly blast: readonly NodeId[];
}

/** One window of the steady-state metric. */
export interface SteadyStateWindow {
  /** The window's start, in ms. */
  readonly startMs: number;
  /** Answers in the window. */
  readonly answers: number;
  /** Fraction answered 200 (1 when there were none). */
  readonly success: number;
  /** Whether the window is judged (after the warm-up). */
  readonly judged: boolean;
}

/** The steady-state metric of a run, window by window. */
export function steadyState(
  answers: readonly (readonly [number, number])[],
  params: Pick<GameDayParams, "windowMs" | "warmUpMs" | "runMs">,
): SteadyStateWindow[] {
  const count = Math.ceil(params.runMs / params.windowMs);
  const ok = new Array<number>(count).fill(0), all = new Array<number>(count).fill(0);
  for (const [atMs, status] of answers) {
    const i = Math.min(count - 1, Math.floor(atMs / params.windowMs));
    all[i]!++;
    if (status === 200) ok[i]!++;
  }
  return all.map((n, i) => ({
    startMs: i * params.windowMs,
    answers: n,
    success: n === 0 ? 1 : ok[i]! / n,
    judged: i * params.windowMs >= params.warmUpMs,
  }));
}

/** A fault as an interval, for a report figure. */
export interface FaultInterval {
  /** What it was ("crash", "pause", "isolate"). */
  readonly kind: string;
  /** The node it hit. */
  readonly node: NodeId;
  /** When it started, in ms. */
  readonly fromMs: number;
  /** When it healed, in ms (the run's end if it had not). */
  readonly toMs: number;
}

/**
 * The nemesis's faults as intervals: a crash until its restart, a pause until its resume,
 * a partition that cuts one node from the rest (an isolation) until the heal.
 */
export function faultIntervals(faults: readonly Fault[], endMs: number): FaultInterval[] {
  const open = new Map<string, { kind: string; node: NodeId; fromMs: number }>();
  const out: FaultInterval[] = [];
  const close = (key: string, atMs: number) => {
    const started = open.get(key);
    if (started === undefined) return;
    open.delete(key);
    out.push({ ...started, toMs: atMs });
  };
  for (const fault of faults) {
    switch (fault.kind) {
      case "crash":
      case "pause":
        open.set(`node:${fault.node}`, { kind: fault.kind, node: fault.node, fromMs: fault.atMs });
        break;
      case "restart":
      case "resume":
        close(`node:${fault.node}`, fault.atMs);
        break;
      case "partition": {
        const smallest = [...fault.groups].sort((a, b) => a.length - b.length)[0] ?? [];
        open.set("partition", {
          kind: smallest.length === 1 ? "isolate" : "partition",
          node: smallest.join(","),
          fromMs: fault.atMs,
        });
        break;
      }
      case "heal":
        close("partition", fault.atMs);
        break;
      default:
        break;
    }
  }
  for (const key of [...open.keys()]) close(key, endMs);
  return out.sort((a, b) => a.fromMs - b.fromMs);
}

/** The rows of the `game-day` experiment. */
export type GameDayRow = {
  /** Instances the faults could touch. */
  readonly blastRadius: number;
  /** The gateway's retries per call. */
  readonly retries: number;
  /** Faults the nemesis started. */
  readonly faults: number;
  /** Whether every fault stayed within the blast radius (it must). */
  readonly withinBlastRadius: boolean;
  /** Requests answered. */
  readonly answers: number;
  /** Fraction answered 200 over the whole run. */
  readonly success: number;
  /** The worst judged window's success. */
  readonly worstWindow: number;
  /** Judged windows below target. */
  readonly windowsBelowTarget: number;
  /** Whether the steady-state hypothesis held in every judged window. */
  readonly hypothesisHeld: boolean;
};

/** The game-day trial: the discovery system, the nemesis confined to the blast radius. */
export const gameDayTrial = defineTrial({
  name: "game-day",
  params: GameDayParamsSchema,
  build: ({ params, seed, record, replay }): GameDaySystem => {
    const answers: [number, 200 | 503 | 504][] = [];
    const discovery = DiscoveryParamsSchema.parse({
      crashes: 0,
      runMs: params.runMs,
      callTimeoutMs: params.callTimeoutMs,
    });
    const system = buildDiscovery(discovery, seed, {
      record,
      replay,
      gatewayRetries: params.retries,
      onResponse: (status, atMs) => answers.push([atMs, status]),
    });
    return { ...system, answers, blast: system.instances.slice(0, params.blastRadius) };
  },
  // The nemesis sees every instance (it needs two to cut apart) but aims only inside the
  // blast radius; with no more node faults at once than nodes in it, one there is free.
  nemesis: (system, { params }): TrialNemesis | undefined =>
    params.faultsPerSecond === 0 ? undefined : {
      nodes: system.instances,
      aim: (eligible, random) => {
        const inside = eligible.filter((node) => system.blast.includes(node));
        return random.pick(inside.length > 0 ? inside : eligible);
      },
      endMs: params.faultsUntilMs,
      faultsPerSecond: params.faultsPerSecond,
      meanDurationMs: params.meanFaultDurationMs,
      kinds: params.faultKinds,
      // One fault per instance in the radius at most, so a wider radius means more at once.
      nodeProcesses: Math.min(params.concurrentNodeFaults, system.blast.length),
    },
  untilMs: (params) => params.runMs,
  history: false,
  row: ({ system, params, faults }): GameDayRow => {
    const windows = steadyState(system.answers, params).filter((w) => w.judged);
    const intervals = faultIntervals(faults, params.runMs);
    const ok = system.answers.filter(([, status]) => status === 200).length;
    const worst = windows.reduce((m, w) => Math.min(m, w.success), 1);
    return {
      blastRadius: params.blastRadius,
      retries: params.retries,
      faults: intervals.length,
      withinBlastRadius: intervals.every((f) =>
        f.node.split(",").every((node) => system.blast.includes(node))
      ),
      answers: system.answers.length,
      success: Math.round((ok / Math.max(1, system.answers.length)) * 1000) / 1000,
      worstWindow: Math.round(worst * 1000) / 1000,
      windowsBelowTarget: windows.filter((w) => w.success < params.targetSuccess).length,
      hypothesisHeld: windows.every((w) => w.success >= params.targetSuccess),
    };
  },
});

/** The `game-day` experiment: one game day per seed. */
export const gameDay = trialExperiment(gameDayTrial, {
  title: "A game day: does the gateway keep its steady state while instances fail?",
  description: "Clients call a service through a gateway doing discovery by TTL; the nemesis " +
    "crashes, pauses and isolates instances within the blast radius. One row per seed: the " +
    "steady state (success per window) and whether the hypothesis held.",
  chapter: "22_chaos",
});
