/**
 * `deno task exp`: list, describe and run the course's experiments from the command line.
 *
 * ```sh
 * deno task exp list
 * deno task exp describe ping-rtt
 * deno task exp run ping-rtt --seed 7 --seeds 20 --param nodes=5 --param lossProbability=0.1 --csv
 * ```
 *
 * Rows go to stdout (a table, `--json` or `--csv`); progress and errors go to stderr.
 * Exit status: 0 on success, 1 when a trial fails (the message ends with the command
 * that replays it), 2 for an unknown experiment, parameter or flag, a bad value, or
 * parameters too large to run (a sweep over too many seeds, a trial that would exceed the
 * simulator's event budget). `--json` rows are written as they come.
 *
 * @module
 */
import { ConfigError } from "../lib/config/mod.ts";
import { SimulationError } from "../lib/sim/mod.ts";
import { type AnyExperiment, describeExperiment } from "../lib/experiments/catalog.ts";
import {
  type CliCommand,
  parseCliArgs,
  type RunCommand,
  USAGE,
  UsageError,
} from "../lib/experiments/cli_args.ts";
import { formatCsv, formatJson, formatTable } from "../lib/experiments/format.ts";
import {
  experiments as registered,
  findExperiment,
  type ProgressSink,
  TrialError,
} from "../lib/experiments/mod.ts";
import { terminalProgress } from "../lib/experiments/progress.ts";
import { planSweep, runSweepPlan } from "../lib/experiments/sweep.ts";

/** Where the CLI reads and writes; tests replace it. */
export interface CliIo {
  /** Writes data (rows, lists, help). */
  readonly stdout: (text: string) => void;
  /** Writes progress and errors. */
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (then progress shows by default). */
  readonly stderrIsTerminal: boolean;
  /** A clock in ms, to report how long a sweep took. */
  readonly clock?: () => number;
}

/** Options for {@link runCli}. */
export interface RunCliOptions {
  /** The experiments to choose from. Default: every registered one. */
  readonly experiments?: readonly AnyExperiment[];
  /** Where to write. Default: the process's stdout and stderr. */
  readonly io?: CliIo;
}

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: a trial threw. */
export const EXIT_TRIAL_FAILED = 1;
/** Exit status: the command line or a parameter is wrong. */
export const EXIT_USAGE = 2;

/**
 * Runs the command line `args` and returns the exit status; never throws for bad input.
 *
 * @example
 * ```ts
 * const status = runCli(["run", "ping-rtt", "--seed", "7", "--json"]);
 * ```
 */
export function runCli(args: readonly string[], options: RunCliOptions = {}): number {
  const io = options.io ?? processIo();
  const catalog = options.experiments ?? registered;
  let command: CliCommand;
  try {
    command = parseCliArgs(args);
    switch (command.command) {
      case "help":
        io.stdout(USAGE);
        return EXIT_OK;
      case "list":
        io.stdout(
          catalog.map((experiment) => `${experiment.name}\t${experiment.title}\n`).join(""),
        );
        return EXIT_OK;
      case "describe":
        io.stdout(describeExperiment(findExperiment(command.name, catalog)));
        return EXIT_OK;
      case "run":
        return run(command, catalog, io);
    }
  } catch (error) {
    return report(error, io);
  }
}

function run(command: RunCommand, catalog: readonly AnyExperiment[], io: CliIo): number {
  const experiment = findExperiment(command.name, catalog);
  // Validate everything first: a bad parameter is a usage error (exit 2) and must not be
  // mistaken for a failing trial (exit 1).
  const plan = planSweep(experiment, {
    params: command.params,
    grid: command.grid,
    seeds: command.seeds,
    seed: command.seed,
  });
  const progress = progressSink(command, io);
  const format = command.format;
  if (format === "json") {
    // Streamed: a long sweep's rows go out as they come, never all held at once. The
    // text is exactly formatJson's.
    let written = 0;
    runSweepPlan(experiment, plan, {
      progress,
      onRows: (rows) => {
        if (rows.length === 0) return;
        const lines = rows.map((row) => JSON.stringify(row)).join(",\n");
        io.stdout(`${written === 0 ? "[\n" : ",\n"}${lines}`);
        written += rows.length;
      },
    });
    io.stdout(written === 0 ? formatJson([]) : "\n]\n");
    return EXIT_OK;
  }
  const rows = runSweepPlan(experiment, plan, { progress });
  io.stdout(format === "csv" ? formatCsv(rows) : formatTable(rows));
  return EXIT_OK;
}

function progressSink(command: RunCommand, io: CliIo): ProgressSink | false {
  const show = command.progress ?? io.stderrIsTerminal;
  if (!show) return false;
  return terminalProgress({
    write: io.stderr,
    interactive: io.stderrIsTerminal,
    ...(io.clock === undefined ? {} : { clock: io.clock }),
  });
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof RangeError) {
    io.stderr(`${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof TrialError) {
    if (error.cause instanceof SimulationError && error.cause.kind === "bound-exceeded") {
      // Not a failing trial: the parameters ask for more events than a run may process.
      io.stderr(
        `Cannot run ${error.experiment} with these parameters: they ask for more than one ` +
          `run can process (too many events: a smaller rate or a shorter run fits)\n` +
          `${error.message}\n`,
      );
      return EXIT_USAGE;
    }
    io.stderr(`${error.message}\n`);
    return EXIT_TRIAL_FAILED;
  }
  if (error instanceof Deno.errors.BrokenPipe) return EXIT_OK; // the reader stopped reading
  io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_TRIAL_FAILED;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

function processIo(): CliIo {
  return {
    stdout: (text) => writeAll(Deno.stdout, text),
    stderr: (text) => writeAll(Deno.stderr, text),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    clock: () => performance.now(),
  };
}

if (import.meta.main) Deno.exit(runCli(Deno.args));
