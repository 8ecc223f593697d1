/**
 * The network's knobs as experiment parameters: one declaration of the latency, loss and
 * duplication fields, spread into an experiment's or a trial's params schema, so every
 * experiment names, validates and describes them the same way.
 *
 * @module
 */
import type { z } from "zod";
import { probability } from "../config/fields.ts";
import { type DistributionInput, DistributionSchema } from "./distributions.ts";
import type { NetworkConfigInput } from "./network.ts";

/** Default values for {@link networkParams}; unset ones take the network's own defaults. */
export interface NetworkParamsDefaults {
  /** One-way delay of every link. Default uniform 1–10 ms (the network's default). */
  readonly latency?: DistributionInput;
  /** Probability that a message is lost. Default 0. */
  readonly lossProbability?: number;
  /** Probability that a message is delivered twice. Default 0. */
  readonly duplicateProbability?: number;
}

/** The zod fields {@link networkParams} returns. */
export interface NetworkParamsShape {
  /** One-way network delay, in ms. */
  readonly latency: z.ZodPrefault<typeof DistributionSchema>;
  /** Probability a message is lost. */
  readonly lossProbability: z.ZodDefault<z.ZodNumber>;
  /** Probability a message is delivered twice. */
  readonly duplicateProbability: z.ZodDefault<z.ZodNumber>;
}

/** The network parameters, with defaults applied. */
export interface NetworkParams {
  /** One-way network delay, in ms. */
  readonly latency: z.output<typeof DistributionSchema>;
  /** Probability a message is lost. */
  readonly lossProbability: number;
  /** Probability a message is delivered twice. */
  readonly duplicateProbability: number;
}

/**
 * The network's zod fields, to spread into a params schema (take only some by
 * destructuring). Pass the defaults this experiment needs; the latency default is
 * parsed, so a distribution's own defaults apply to it.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 *
 * const Params = z.strictObject({
 *   ...networkParams({ lossProbability: 0.02 }),
 *   nodes: z.number().default(3),
 * });
 * Params.parse({}).lossProbability; // 0.02
 * ```
 */
export function networkParams(defaults: NetworkParamsDefaults = {}): NetworkParamsShape {
  return {
    latency: DistributionSchema.prefault(
      defaults.latency ?? { kind: "uniform", minMs: 1, maxMs: 10 },
    ).describe("One-way network delay, in ms (random delays reorder messages)"),
    lossProbability: probability().default(defaults.lossProbability ?? 0)
      .describe("Probability a message is lost"),
    duplicateProbability: probability().default(defaults.duplicateProbability ?? 0)
      .describe("Probability a message is delivered twice"),
  };
}

/** The simulation's network settings for parsed {@link networkParams} fields. */
export function networkFromParams(params: NetworkParams): NetworkConfigInput {
  return {
    latency: params.latency,
    lossProbability: params.lossProbability,
    duplicateProbability: params.duplicateProbability,
  };
}
