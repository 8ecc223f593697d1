/**
 * The command line of `deno task exp`, as data: parsing its arguments (the replay line
 * it reads back is written by `replayCommand` in lib/testing). No I/O here, so it is easy
 * to test.
 *
 * @module
 */
import { parseParamValue } from "../testing/replay.ts";
import { MAX_SEED } from "./sweep.ts";

/** How `run` prints its rows. */
export type OutputFormat = "table" | "json" | "csv";

/** `deno task exp run NAME ...`: what to run and how to print it. */
export interface RunCommand {
  /** Which command: always "run". */
  readonly command: "run";
  /** The experiment's name. */
  readonly name: string;
  /** The first seed. Default 1. */
  readonly seed: number;
  /** How many consecutive seeds to run. Default 1. */
  readonly seeds: number;
  /** Parameters given once, by name, values parsed (see {@link parseParamValue}). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Parameters given more than once: the values to sweep, in the order given. */
  readonly grid: Readonly<Record<string, readonly unknown[]>>;
  /** Output format. Default "table". */
  readonly format: OutputFormat;
  /** `true` to show progress even when stderr is not a terminal, `false` never, else auto. */
  readonly progress?: boolean;
}

/** A parsed command line of `deno task exp`. */
export type CliCommand =
  | { readonly command: "help" }
  | { readonly command: "list" }
  | { readonly command: "describe"; readonly name: string }
  | RunCommand;

/** A command line that cannot be understood; the CLI prints its message and exits with 2. */
export class UsageError extends TypeError {
  /** An error whose message says what is wrong with the arguments. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The text `deno task exp --help` prints. */
export const USAGE = `Usage: deno task exp <command> [options]

Commands:
  list                       every experiment: name, a tab, its title
  describe NAME              an experiment's title, description and parameters
  run NAME [options]         run an experiment and print its rows

Options of run:
  --seed N                   first seed (default 1)
  --seeds N                  run N consecutive seeds from --seed (default 1)
  --param key=value          set a parameter; the value is read as JSON when it can be
                             (5, true, [1,2], {"kind":"constant","ms":5}), else as text.
                             Give a key more than once to sweep over its values.
  --json                     print one JSON array of rows
  --csv                      print CSV: a header, then one line per row
  --progress / --no-progress always / never show progress on stderr (default: when a terminal)
  -h, --help                 print this help

Flags also take the form --seed=N and --param=key=value. Rows go to stdout; progress
and errors go to stderr. Exit status: 0 success, 1 a trial failed, 2 bad arguments.
`;

const FLAGS_WITH_VALUE = new Set(["--seed", "--seeds", "--param"]);
const FLAGS = new Set(["--json", "--csv", "--progress", "--no-progress", "--help", "-h"]);

/**
 * Parses the arguments of `deno task exp`. Throws a {@link UsageError} for an unknown
 * command or flag, a missing or malformed value, or conflicting flags. Parameter values
 * are not checked against the experiment here: the sweep does that.
 *
 * @example
 * ```ts
 * parseCliArgs(["run", "ping-rtt", "--seed=7", "--param", "nodes=5", "--json"]);
 * // { command: "run", name: "ping-rtt", seed: 7, seeds: 1, params: { nodes: 5 },
 * //   grid: {}, format: "json" }
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliCommand {
  if (args.some((arg) => arg === "--help" || arg === "-h")) return { command: "help" };
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
    case "help":
      return { command: "help" };
    case "list":
      expectNoMore(rest, "list");
      return { command: "list" };
    case "describe": {
      const [name, ...more] = rest;
      if (name === undefined || name.startsWith("-")) {
        throw new UsageError("Cannot parse arguments: describe needs an experiment name");
      }
      expectNoMore(more, "describe");
      return { command: "describe", name };
    }
    case "run":
      return parseRun(rest);
    default:
      throw new UsageError(
        `Cannot parse arguments: unknown command ${JSON.stringify(command)}; ` +
          "commands are list, describe, run",
      );
  }
}

function parseRun(args: readonly string[]): RunCommand {
  let name: string | undefined;
  let seed = 1;
  let seeds = 1;
  let format: OutputFormat | undefined;
  let progress: boolean | undefined;
  const values = new Map<string, unknown[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-")) {
      if (name !== undefined) {
        throw new UsageError(
          `Cannot parse arguments: unexpected ${JSON.stringify(arg)} after the experiment name`,
        );
      }
      name = arg;
      continue;
    }
    const equals = arg.indexOf("=");
    const flag = equals >= 0 ? arg.slice(0, equals) : arg;
    if (FLAGS.has(flag)) {
      if (equals >= 0) throw new UsageError(`Cannot parse arguments: ${flag} takes no value`);
      if (flag === "--json" || flag === "--csv") {
        const wanted = flag === "--json" ? "json" : "csv";
        if (format !== undefined && format !== wanted) {
          throw new UsageError("Cannot parse arguments: --json and --csv exclude each other");
        }
        format = wanted;
      } else {
        progress = flag === "--progress";
      }
      continue;
    }
    if (!FLAGS_WITH_VALUE.has(flag)) {
      throw new UsageError(`Cannot parse arguments: unknown flag ${flag}; see --help`);
    }
    let value: string;
    if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined) throw new UsageError(`Cannot parse arguments: ${flag} needs a value`);
      value = next;
      i++;
    }
    if (flag === "--seed") seed = parseWhole(flag, value, 0);
    else if (flag === "--seeds") seeds = parseWhole(flag, value, 1);
    else {
      const [key, text] = splitParam(value);
      const list = values.get(key) ?? [];
      list.push(parseParamValue(text));
      values.set(key, list);
    }
  }
  if (name === undefined) {
    throw new UsageError("Cannot parse arguments: run needs an experiment name");
  }
  if (seed + seeds - 1 > MAX_SEED) {
    throw new UsageError(
      `Cannot parse arguments: --seed plus --seeds must stay at most ${MAX_SEED + 1}`,
    );
  }
  // fromEntries defines own properties, so even a key like __proto__ stays a plain key
  // (and is then refused as an unknown parameter).
  const entries = [...values];
  const params = Object.fromEntries(
    entries.filter(([, list]) => list.length === 1).map(([key, list]) => [key, list[0]]),
  );
  const grid = Object.fromEntries(entries.filter(([, list]) => list.length > 1));
  return {
    command: "run",
    name,
    seed,
    seeds,
    params,
    grid,
    format: format ?? "table",
    ...(progress === undefined ? {} : { progress }),
  };
}

// ---- helpers ---------------------------------------------------------------------------

function expectNoMore(rest: readonly string[], command: string): void {
  if (rest.length > 0) {
    throw new UsageError(
      `Cannot parse arguments: ${command} takes no ${
        rest[0]?.startsWith("-") ? "flag" : "argument"
      } ${JSON.stringify(rest[0])}`,
    );
  }
}

function parseWhole(flag: string, text: string, min: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= MAX_SEED)) {
    throw new UsageError(
      `Cannot parse arguments: ${flag} must be a whole number from ${min} to ${MAX_SEED}, ` +
        `got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function splitParam(text: string): [string, string] {
  const equals = text.indexOf("=");
  const key = equals > 0 ? text.slice(0, equals) : "";
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) {
    throw new UsageError(
      `Cannot parse arguments: --param must read key=value, got ${JSON.stringify(text)}`,
    );
  }
  return [key, text.slice(equals + 1)];
}
