/**
 * Named, parameterised experiments. An experiment is a function from validated parameters
 * and a seed to tidy rows (flat plain objects, one per observation), so the notebook that
 * plots it and `deno task exp run NAME` compute exactly the same thing.
 *
 * @module
 */
import type { z } from "zod";
import { parseConfig } from "../config/mod.ts";

/** A value a tidy row may hold: what Plot, JSON and CSV all understand. */
export type Cell = string | number | boolean | null;

/** One observation: a flat plain object. */
export type Row = Readonly<Record<string, Cell>>;

/** The zod schema of an experiment's parameters: an object whose fields all have defaults. */
export type ParamsSchema = z.ZodObject;

/** What an experiment's author writes. */
export interface ExperimentDefinition<S extends ParamsSchema, R extends Row> {
  /** Kebab-case name for the command line ("fanout-tail"). */
  readonly name: string;
  /** One line for humans ("Tail latency of fan-out requests"). */
  readonly title: string;
  /** What it measures and how, in a few sentences. */
  readonly description?: string;
  /** The chapter that plots it ("01_what_is_a_distributed_system"). */
  readonly chapter?: string;
  /**
   * The parameters as a zod object. Every field should have a default, so a run with no
   * parameters is meaningful; field descriptions (`.describe()`) document them for the CLI.
   */
  readonly params: S;
  /** One trial: a deterministic function of the parameters and the seed. */
  readonly trial: (params: z.output<S>, seed: number) => R[];
}

/** An experiment ready to run: its definition plus validation. */
export interface Experiment<S extends ParamsSchema = ParamsSchema, R extends Row = Row>
  extends ExperimentDefinition<S, R> {
  /**
   * Validates parameters, applying defaults. A bad value throws a ConfigError whose
   * message names the parameter and the rule ("params.k: must be at least 1, got 0").
   */
  parseParams(input?: z.input<S>): z.output<S>;
  /** Validates `input` and runs one trial with `seed`. */
  run(input: z.input<S> | undefined, seed: number): R[];
}

/** Experiment names: lower-case words joined by hyphens. */
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Defines an experiment.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Random } from "../sim/random.ts";
 *
 * const coin = defineExperiment({
 *   name: "coin",
 *   title: "Fraction of heads in n flips",
 *   params: z.object({ flips: z.number().int().min(1).default(100) }),
 *   trial: ({ flips }, seed) => {
 *     const random = new Random(seed);
 *     let heads = 0;
 *     for (let i = 0; i < flips; i++) if (random.chance(0.5)) heads++;
 *     return [{ flips, heads: heads / flips }];
 *   },
 * });
 * coin.run({ flips: 10 }, 1); // [{ flips: 10, heads: 0.6 }] (say)
 * ```
 */
export function defineExperiment<S extends ParamsSchema, R extends Row>(
  definition: ExperimentDefinition<S, R>,
): Experiment<S, R> {
  if (!NAME_PATTERN.test(definition.name)) {
    throw new TypeError(
      `Cannot define experiment ${JSON.stringify(definition.name)}: ` +
        "names are lower-case words joined by hyphens",
    );
  }
  const parseParams = (input?: z.input<S>): z.output<S> =>
    parseConfig(definition.params, input ?? {}, "params");
  return {
    ...definition,
    parseParams,
    run: (input, seed) => definition.trial(parseParams(input), seed),
  };
}
