/**
 * The replay line: the one command that reruns a trial, printed with every failure. A
 * protocol's trial, an experiment and the `deno task exp` command line all write and
 * read the same words, so the line lives below all of them.
 *
 * @module
 */

/** Options for {@link replayCommand}. */
export interface ReplayCommandOptions {
  /** The run's parameters. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The experiment's defaults: parameters equal to their default are left out. */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/**
 * The command that replays one trial: `deno task exp run NAME --seed N --param k=v ...`,
 * quoted for a POSIX shell. Experiments pass it as the Simulation's `replay`, so a failed
 * run ends with the line that reproduces it.
 *
 * @example
 * ```ts
 * import { replayCommand } from "./replay.ts";
 *
 * const line = replayCommand("ping-rtt", 7, {
 *   params: { nodes: 5, pings: 10 },
 *   defaults: { nodes: 3, pings: 10 },
 * });
 * // "deno task exp run ping-rtt --seed 7 --param nodes=5"
 * ```
 */
export function replayCommand(
  name: string,
  seed: number,
  options: ReplayCommandOptions = {},
): string {
  const parts = ["deno task exp run", shellQuote(name), `--seed ${seed}`];
  const defaults = options.defaults ?? {};
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value === undefined) continue;
    if (Object.hasOwn(defaults, key) && sameValue(defaults[key], value)) continue;
    parts.push(`--param ${shellQuote(`${key}=${formatParamValue(value)}`)}`);
  }
  return parts.join(" ");
}

/**
 * Reads a `--param` value: JSON when it parses (`5`, `0.1`, `true`, `null`, `[1,2]`,
 * `{"kind":"constant","ms":5}`, `"5"` for the text 5), the text itself otherwise.
 *
 * @example
 * ```ts
 * import { parseParamValue } from "./replay.ts";
 *
 * parseParamValue("0.25"); // 0.25
 * parseParamValue("fifo"); // "fifo"
 * parseParamValue('"42"'); // "42"
 * ```
 */
export function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A parameter value as `--param` reads it back: JSON, except text that would not parse
 * as JSON, which goes as it is.
 *
 * @example
 * ```ts
 * import { formatParamValue } from "./replay.ts";
 *
 * formatParamValue("fifo"); // "fifo"
 * formatParamValue("42"); // '"42"' (quoted, or it would read back as a number)
 * ```
 */
export function formatParamValue(value: unknown): string {
  if (typeof value === "string" && parseParamValue(value) === value) return value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * `text` quoted for a POSIX shell when it holds anything but plain characters.
 *
 * @example
 * ```ts
 * import { shellQuote } from "./replay.ts";
 *
 * shellQuote("nodes=5"); // "nodes=5"
 * shellQuote("a b"); // "'a b'"
 * ```
 */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
