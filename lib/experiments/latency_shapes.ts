/**
 * The `latency-shapes` experiment: one-way latency samples measured from real deliveries
 * over links with different delay distributions of the same mean.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, positiveMs } from "../config/mod.ts";
import { type Distribution, DistributionSchema } from "../sim/distributions.ts";
import type { NodeId } from "../sim/node.ts";
import { Simulation } from "../sim/simulation.ts";
import { replayCommand } from "../testing/replay.ts";
import { defineExperiment } from "./experiment.ts";

/** The names of the built-in latency shapes. */
export const LATENCY_SHAPE_NAMES = [
  "constant",
  "uniform",
  "exponential",
  "lognormal",
  "pareto",
] as const;

/** One of {@link LATENCY_SHAPE_NAMES}. */
export type LatencyShapeName = typeof LATENCY_SHAPE_NAMES[number];

/**
 * The built-in latency shapes. Every one has a mean of 10 ms (the lognormal's median is
 * 10/√e ms so that its mean is 10), so they differ only in shape: from no spread at all
 * to a power-law tail whose p99 is five times the mean.
 */
export const LATENCY_SHAPES: Readonly<Record<LatencyShapeName, Distribution>> = {
  constant: { kind: "constant", ms: 10 },
  uniform: { kind: "uniform", minMs: 5, maxMs: 15 },
  exponential: { kind: "exponential", meanMs: 10, shiftMs: 0 },
  lognormal: { kind: "lognormal", medianMs: 6.065, sigma: 1, shiftMs: 0 },
  pareto: { kind: "pareto", scaleMs: 5, shape: 2 },
};

/** Zod schema of the `latency-shapes` parameters. */
export const LatencyShapesParamsSchema = z.strictObject({
  distributions: z.array(z.enum(LATENCY_SHAPE_NAMES))
    .min(1, { error: "must name at least one distribution" })
    .default([...LATENCY_SHAPE_NAMES])
    .describe("Built-in shapes to measure (all five by default; each has a mean of 10 ms)"),
  custom: DistributionSchema.optional()
    .describe('A distribution of your own to measure too, labelled "custom"'),
  samples: integerAtLeast(1).default(2000).describe("Messages sent over each link"),
  spacingMs: positiveMs().default(1).describe("Gap between two messages on a link, in ms"),
});

/** Parameters of `latency-shapes`, with defaults applied. */
export type LatencyShapesParams = z.output<typeof LatencyShapesParamsSchema>;

const LATENCY_SHAPES_DEFAULTS: LatencyShapesParams = LatencyShapesParamsSchema.parse({});

/** One delivered message of a `latency-shapes` run. */
export type LatencyShapesRow = {
  /** Which distribution its link had: a built-in name or "custom". */
  readonly distribution: string;
  /** From send to delivery, in ms. */
  readonly latencyMs: number;
};

type Probe = { readonly type: "probe"; readonly sentMs: number };

/**
 * `latency-shapes`: for each chosen distribution, a sender sends `samples` messages to a
 * receiver over a link with that delay distribution (one per-link override each), and
 * the receiver measures each one-way latency (both clocks are exact here). One row per
 * delivery, ready for a histogram or a CDF: the shapes share a mean but not a tail.
 *
 * @example
 * ```ts
 * const rows = latencyShapes.run({ distributions: ["exponential", "pareto"] }, 1);
 * ```
 */
export const latencyShapes = defineExperiment({
  name: "latency-shapes",
  title: "One-way latency under different delay distributions",
  description: "Senders send messages to one receiver, each over a link with its own " +
    "delay distribution (constant, uniform, exponential, lognormal, pareto; all with a " +
    "mean of 10 ms, plus an optional custom one). One row per delivered message with " +
    "its measured latency.",
  chapter: "01_what_is_a_distributed_system",
  params: LatencyShapesParamsSchema,
  trial: (params, seed) => {
    const names = [...new Set(params.distributions)];
    const links: [string, Distribution][] = names.map((name) => [
      name,
      LATENCY_SHAPES[name],
    ]);
    if (params.custom !== undefined) links.push(["custom", params.custom]);
    const simulation = new Simulation<Probe>({
      seed,
      record: false,
      replay: replayCommand("latency-shapes", seed, { params, defaults: LATENCY_SHAPES_DEFAULTS }),
      network: {
        links: links.map(([name, latency]) => ({ from: `from-${name}`, to: "receiver", latency })),
      },
    });
    const nameOf = new Map<NodeId, string>(links.map(([name]) => [`from-${name}`, name]));
    const rows: LatencyShapesRow[] = [];
    simulation.addNode("receiver", (ctx) => ({
      onMessage: (from, message) => {
        rows.push({
          distribution: nameOf.get(from) as string,
          latencyMs: ctx.now() - message.sentMs,
        });
      },
    }));
    for (const [name] of links) {
      simulation.addNode<"send">(`from-${name}`, (ctx) => {
        let sent = 0;
        const send = () => {
          ctx.send("receiver", { type: "probe", sentMs: ctx.now() });
          if (++sent < params.samples) ctx.setTimer(params.spacingMs, "send");
        };
        return { start: send, onMessage: () => {}, onTimer: send };
      });
    }
    // Every sender stops after `samples` messages, so the run ends even for a custom tail
    // whose rare samples exceed the simulation's default time bound.
    simulation.runUntilQuiet({ untilMs: Infinity });
    // Rows grouped by distribution, in the order asked for, then by arrival.
    const order = new Map(links.map(([name], index) => [name, index]));
    return rows.map((row, index) => ({ row, index }))
      .sort((a, b) =>
        (order.get(a.row.distribution) as number) - (order.get(b.row.distribution) as number) ||
        a.index - b.index
      )
      .map(({ row }) => row);
  },
});
