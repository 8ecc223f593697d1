/**
 * The nemesis' knobs as trial parameters, declared once: a protocol spreads
 * {@link nemesisParams} into its trial's parameter schema and turns the parsed values
 * into the trial's nemesis with {@link nemesisFromParams}.
 *
 * @module
 */
import { z } from "zod";
import { integerAtLeast, nonNegativeNumber, positiveMs } from "../config/mod.ts";
import type { NemesisFaultKind } from "../sim/faults.ts";
import type { NodeId } from "../sim/node.ts";
import { NEMESIS_FAULT_KINDS, type NemesisAim } from "./nemesis.ts";
import type { TrialNemesis } from "./trial.ts";

/** The nemesis' parameters, parsed. */
export interface NemesisParams {
  /** Mean rate at which faults start, over all fault timelines (0: no faults). */
  readonly faultsPerSecond: number;
  /** Mean duration of a fault (partition, crash, pause), in ms. */
  readonly meanFaultDurationMs: number;
  /** Every fault has healed by this time, in ms; liveness is checked after it. */
  readonly faultsUntilMs: number;
  /** Faults the nemesis draws from. */
  readonly faultKinds: readonly NemesisFaultKind[];
  /** How many node faults (crash, pause, clock jump) may overlap. */
  readonly concurrentNodeFaults: number;
}

/** Defaults for {@link nemesisParams}; each field has its own default when left out. */
export type NemesisParamsDefaults = Partial<NemesisParams>;

/** The zod fields of {@link NemesisParams}. */
export interface NemesisParamsShape {
  /** See {@link NemesisParams.faultsPerSecond}. */
  readonly faultsPerSecond: z.ZodDefault<z.ZodNumber>;
  /** See {@link NemesisParams.meanFaultDurationMs}. */
  readonly meanFaultDurationMs: z.ZodDefault<z.ZodNumber>;
  /** See {@link NemesisParams.faultsUntilMs}. */
  readonly faultsUntilMs: z.ZodDefault<z.ZodNumber>;
  /** See {@link NemesisParams.faultKinds}. */
  readonly faultKinds: z.ZodDefault<
    z.ZodArray<z.ZodEnum<{ [K in NemesisFaultKind]: K }>>
  >;
  /** See {@link NemesisParams.concurrentNodeFaults}. */
  readonly concurrentNodeFaults: z.ZodDefault<z.ZodNumber>;
}

/**
 * Zod fields for the nemesis' knobs, to spread into a trial's parameter schema. Without
 * `defaults`: 4 faults a second lasting 150 ms on average, all healed by 3 s, every kind
 * of fault, two node faults at a time.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { nemesisParams } from "./nemesis_params.ts";
 *
 * const Params = z.strictObject({
 *   replicas: z.number().int().min(1).default(3),
 *   ...nemesisParams({ faultKinds: ["crash", "partition"] }),
 * });
 * Params.parse({}).faultKinds; // ["crash", "partition"]
 * ```
 */
export function nemesisParams(defaults: NemesisParamsDefaults = {}): NemesisParamsShape {
  const kinds = NEMESIS_FAULT_KINDS as [NemesisFaultKind, ...NemesisFaultKind[]];
  return {
    faultsPerSecond: nonNegativeNumber().default(defaults.faultsPerSecond ?? 4)
      .describe("Mean rate at which faults start, over all fault timelines (0: no faults)"),
    meanFaultDurationMs: positiveMs().default(defaults.meanFaultDurationMs ?? 150)
      .describe("Mean duration of a fault (partition, crash, pause), in ms"),
    faultsUntilMs: positiveMs().default(defaults.faultsUntilMs ?? 3000)
      .describe("Every fault has healed by this time, in ms; liveness is checked after it"),
    faultKinds: z.array(z.enum(kinds)).min(1, { error: "must list at least one kind" })
      .default([...defaults.faultKinds ?? NEMESIS_FAULT_KINDS])
      .describe("Faults the nemesis draws from"),
    concurrentNodeFaults: integerAtLeast(1).default(defaults.concurrentNodeFaults ?? 2)
      .describe("How many node faults (crash, pause, clock jump) may overlap"),
  };
}

/**
 * The trial's nemesis for parsed {@link NemesisParams}: faults on `nodes`, aimed by `aim`
 * (default: any node). Undefined, no faults, when the rate is 0 or there are fewer than
 * two nodes to hurt.
 *
 * @example
 * ```ts
 * import { nemesisFromParams } from "./nemesis_params.ts";
 *
 * nemesisFromParams({
 *   faultsPerSecond: 0, meanFaultDurationMs: 100, faultsUntilMs: 1000,
 *   faultKinds: ["crash"], concurrentNodeFaults: 1,
 * }, ["n1", "n2", "n3"]); // undefined: no faults
 * ```
 */
export function nemesisFromParams(
  params: NemesisParams,
  nodes: readonly NodeId[],
  aim?: NemesisAim,
): TrialNemesis | undefined {
  if (params.faultsPerSecond === 0 || nodes.length < 2) return undefined;
  return {
    nodes,
    endMs: params.faultsUntilMs,
    faultsPerSecond: params.faultsPerSecond,
    meanDurationMs: params.meanFaultDurationMs,
    kinds: params.faultKinds,
    nodeProcesses: params.concurrentNodeFaults,
    ...(aim === undefined ? {} : { aim }),
  };
}
