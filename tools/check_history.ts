/**
 * `deno task check-history`: checks history files for linearizability, or with
 * `--consistency MODEL` for a weaker model (sequential, causal, or one of the four
 * session guarantees).
 *
 * ```sh
 * deno task check-history data/jepsen-etcd/etcd_000.json
 * deno task check-history --json --model register data/histories/*.json
 * deno task check-history --consistency causal --json history.json
 * ```
 *
 * Each file gets a verdict: a line of text (with the evidence when the history breaks
 * the model), or with `--json` one JSON object per line, `{"file", "valid", "ms", ...}`,
 * where `valid` is true, false or "unknown" and `ms` is the time the check took, parsing
 * excluded. For a violation, `evidence` is one sentence and `operations` the smallest set
 * of operations that shows it (each with its `index` in the file and a `label`). Exit status: 0 when every history is linearizable, 1 when one is not, 2 for
 * malformed input, an unknown verdict (a budget ran out) or a bad command line; 2 wins
 * over 1.
 *
 * @module
 */
import {
  checkConsistency,
  checkLinearizable,
  CONSISTENCY_MODELS,
  type ConsistencyModel,
  describeEvidence,
  MODEL_NAMES,
  ModelError,
  type ModelName,
} from "../lib/check/mod.ts";
import { type History, HistoryError, loadHistory } from "../lib/history/mod.ts";
import { runCheckerCli } from "./invocation.ts";

/** The text `--help` prints. */
export const USAGE = `Usage: deno task check-history [options] FILE...

Checks each history file (a JSON array of Jepsen-style operations) for linearizability,
or for the consistency model given.

Options:
  --consistency MODEL   linearizable (default), sequential, causal, session-guarantees
                        (all four at once), read-your-writes, monotonic-reads,
                        monotonic-writes or writes-follow-reads; all but linearizable
                        need each value written once per key (else: unknown)
  --model register|kv   the model (default: kv when records carry keys, else register)
  --json                one JSON object per file and line: {"file", "valid", "ms", ...}
  --max-steps N         give up with an unknown verdict after N model steps per file
  --timeout-ms N        give up with an unknown verdict after N ms per file
  --help                this text

Exit status: 0 all hold, 1 some do not, 2 malformed input, unknown verdict or bad usage.`;

/** The parsed command line. */
export interface CheckHistoryArgs {
  /** The files, in the order given. */
  readonly files: readonly string[];
  /** The model, when given. */
  readonly model: ModelName | undefined;
  /** The consistency model checked (default linearizable). */
  readonly consistency: ConsistencyModel;
  /** JSON lines instead of text. */
  readonly json: boolean;
  /** Step budget per file, when given. */
  readonly maxSteps: number | undefined;
  /** Time budget per file in ms, when given. */
  readonly timeoutMs: number | undefined;
  /** Print the usage and stop. */
  readonly help: boolean;
}

/** Parses the command line; throws a RangeError with a message for the user on bad usage. */
export function parseArgs(args: readonly string[]): CheckHistoryArgs {
  const files: string[] = [];
  let model: ModelName | undefined, json = false, help = false;
  let consistency: ConsistencyModel = "linearizable";
  let maxSteps: number | undefined, timeoutMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) throw new RangeError(`Cannot parse ${flag}: it needs a value`);
      return next;
    };
    const count = (): number => {
      const text = value();
      const n = Number(text);
      if (text.trim() === "" || !Number.isInteger(n) || n < 0) {
        throw new RangeError(`Cannot parse ${flag}: expected a whole number ≥ 0, got "${text}"`);
      }
      return n;
    };
    if (flag === "--json") json = true;
    else if (flag === "--help" || flag === "-h") help = true;
    else if (flag === "--max-steps") maxSteps = count();
    else if (flag === "--timeout-ms") timeoutMs = count();
    else if (flag === "--consistency") {
      const name = value();
      if (!CONSISTENCY_MODELS.includes(name as ConsistencyModel)) {
        throw new RangeError(
          `Cannot parse --consistency: expected one of ${CONSISTENCY_MODELS.join(", ")}, ` +
            `got "${name}"`,
        );
      }
      consistency = name as ConsistencyModel;
    } else if (flag === "--model") {
      const name = value();
      if (!MODEL_NAMES.includes(name as ModelName)) {
        throw new RangeError(`Cannot parse --model: expected register or kv, got "${name}"`);
      }
      model = name as ModelName;
    } else if (arg.startsWith("-") && arg !== "-") {
      throw new RangeError(`Cannot parse ${arg}: unknown option`);
    } else files.push(arg);
  }
  if (files.length === 0 && !help) throw new RangeError("Cannot check: no history file given");
  return { files, model, consistency, json, maxSteps, timeoutMs, help };
}

/** One file's outcome, as the JSON line prints it. */
export interface FileVerdict {
  /** The file as given. */
  readonly file: string;
  /** The verdict; "unknown" also for a file that could not be read. */
  readonly valid: boolean | "unknown";
  /** Time the check took, in ms (0 when the file could not be read). */
  readonly ms: number;
  /** Other fields: model, operations, steps, evidence summary, error. */
  readonly [field: string]: unknown;
}

/**
 * Checks every file of the command line, writing one result per file as it goes, and
 * returns the exit status.
 */
export async function run(
  args: CheckHistoryArgs,
  write: (line: string) => void,
  writeError: (line: string) => void,
): Promise<number> {
  let status = 0;
  for (const file of args.files) {
    let history: History;
    try {
      history = await loadHistory(file);
    } catch (error) {
      status = 2;
      const message = error instanceof HistoryError
        ? error.message
        : `Cannot read history ${file}: ${error instanceof Error ? error.message : error}`;
      const index = error instanceof HistoryError ? error.index : undefined;
      if (args.json) {
        write(JSON.stringify({ file, valid: "unknown", ms: 0, error: message, index }));
      } else writeError(message);
      continue;
    }
    if (args.consistency !== "linearizable") {
      status = Math.max(status, checkWeak(file, history, args, write, writeError));
      continue;
    }
    const started = performance.now();
    let result;
    try {
      result = checkLinearizable(history, {
        ...(args.model === undefined ? {} : { model: args.model }),
        ...(args.maxSteps === undefined ? {} : { maxSteps: args.maxSteps }),
        ...(args.timeoutMs === undefined
          ? {}
          : { timeoutMs: args.timeoutMs, clock: () => performance.now() }),
      });
    } catch (error) {
      if (!(error instanceof ModelError || error instanceof HistoryError)) throw error;
      status = 2;
      const message = `${file}: ${error.message}`;
      if (args.json) {
        write(
          JSON.stringify({ file, valid: "unknown", ms: 0, error: message, index: error.index }),
        );
      } else writeError(message);
      continue;
    }
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    if (result.valid === false && status === 0) status = 1;
    if (result.valid === "unknown") status = 2;
    if (args.json) {
      const verdict: FileVerdict = {
        file,
        valid: result.valid,
        ms,
        model: result.model,
        operations: result.keys.reduce((sum, key) => sum + key.operations, 0),
        steps: result.steps,
        ...(result.evidence === undefined ? {} : {
          key: result.evidence.key,
          failedAt: result.evidence.failedAt,
          evidence: result.evidence.summary,
        }),
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      };
      write(JSON.stringify(verdict));
    } else {
      const verdict = result.valid === true
        ? "linearizable"
        : result.valid === false
        ? "NOT linearizable"
        : `unknown, ${result.reason}`;
      write(`${file}: ${verdict} (${ms.toFixed(1)} ms, ${result.steps} steps)`);
      if (result.evidence !== undefined) write(indent(describeEvidence(result.evidence)));
    }
  }
  return status;
}

/** Checks one history against a model weaker than linearizability; returns its status. */
function checkWeak(
  file: string,
  history: History,
  args: CheckHistoryArgs,
  write: (line: string) => void,
  writeError: (line: string) => void,
): number {
  const started = performance.now();
  let result;
  try {
    result = checkConsistency(history, args.consistency, {
      ...(args.model === undefined ? {} : { model: args.model }),
      ...(args.maxSteps === undefined ? {} : { maxSteps: args.maxSteps }),
    });
  } catch (error) {
    if (!(error instanceof ModelError || error instanceof HistoryError)) throw error;
    const message = `${file}: ${error.message}`;
    if (args.json) {
      write(JSON.stringify({ file, valid: "unknown", ms: 0, error: message, index: error.index }));
    } else writeError(message);
    return 2;
  }
  const ms = Math.round((performance.now() - started) * 1000) / 1000;
  const evidence = result.evidence;
  if (args.json) {
    const verdict: FileVerdict = {
      file,
      valid: result.valid,
      ms,
      consistency: result.consistency,
      model: result.model,
      ...(result.violations === undefined ? {} : { violations: result.violations }),
      ...(evidence === undefined ? {} : {
        evidence: evidence.summary,
        operations: evidence.operations.map((op) => ({ index: op.index, label: op.label })),
        minimal: evidence.minimal,
      }),
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    };
    write(JSON.stringify(verdict));
  } else {
    const name = args.consistency;
    const verdict = result.valid === true
      ? name
      : result.valid === false
      ? `NOT ${name}`
      : `unknown, ${result.reason}`;
    write(`${file}: ${verdict} (${ms.toFixed(1)} ms)`);
    if (evidence !== undefined) {
      write(indent(evidence.summary));
      const shown = evidence.minimal
        ? "The smallest set of operations that shows it"
        : "Operations";
      write(indent(`${shown}:`));
      for (const op of evidence.operations) write(indent(`  ${op.index}: ${op.label}`));
    }
  }
  return result.valid === true ? 0 : result.valid === false ? 1 : 2;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}

if (import.meta.main) {
  await runCheckerCli({ usage: USAGE, parseArgs, run });
}
