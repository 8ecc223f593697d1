/**
 * Validation of user-facing configuration with zod: one place that turns zod issues into
 * messages a reader can act on ("network.lossProbability: must be between 0 and 1, got 1.5").
 *
 * @module
 */
import type { z } from "zod";

/** One problem found in a configuration: where it is and what rule it breaks. */
export interface ConfigIssue {
  /** Dotted path of the offending field, starting with the config's own name. */
  readonly path: string;
  /** The rule that was broken, in words ("must be between 0 and 1, got 1.5"). */
  readonly message: string;
}

/**
 * Thrown when a configuration does not satisfy its schema. The message lists every
 * issue, one per line, as `path: rule`; `issues` holds the same as data.
 *
 * @example
 * ```ts
 * import { SimulationConfigSchema } from "../sim/simulation.ts";
 *
 * try {
 *   parseConfig(SimulationConfigSchema, { network: { lossProbability: 1.5 } });
 * } catch (error) {
 *   if (error instanceof ConfigError) console.log(error.issues[0]?.path); // network.lossProbability
 * }
 * ```
 */
export class ConfigError extends TypeError {
  /** Every issue found, in the order zod reported them. */
  readonly issues: readonly ConfigIssue[];

  /** Builds the error from the issues; the message is their `path: rule` lines. */
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Validates `input` against `schema`, applying its defaults, and returns the parsed value.
 * Throws a {@link ConfigError} naming each bad field by its path (prefixed with `root`
 * when given) and the rule it breaks.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { probability } from "./fields.ts";
 *
 * const Schema = z.strictObject({ lossProbability: probability().default(0) });
 * parseConfig(Schema, { lossProbability: 0.1 }, "network"); // { lossProbability: 0.1 }
 * try {
 *   parseConfig(Schema, { lossProbability: 2 }, "network");
 * } catch (error) {
 *   console.log(String(error)); // ConfigError: network.lossProbability: must be between 0 and 1, got 2
 * }
 * ```
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  root?: string,
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => describeIssue(issue, { root, schema })),
  );
}

/** Where an issue was found, to name and explain it. */
export interface DescribeIssueOptions {
  /** Name of the whole config, prefixed to every path ("network"). */
  readonly root?: string | undefined;
  /** The schema that was checked, used to suggest the field a typo meant. */
  readonly schema?: z.core.$ZodType | undefined;
}

/** Turns one zod issue into a {@link ConfigIssue}. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  options: DescribeIssueOptions = {},
): ConfigIssue {
  const { root, schema } = options;
  const segments = [...(root ? [root] : []), ...issue.path.map(String)];
  const path = segments.length > 0 ? segments.join(".") : "(config)";
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "unrecognized_keys") {
    const known = schema === undefined ? [] : knownKeysAt(schema, issue.path, input);
    return unknownKeysIssue(issue, segments, known);
  }
  let message = issue.message;
  if (issue.code === "invalid_type" && issue.expected === "int" && typeof input === "number") {
    // zod reports `.int()` as a type error; say it in words rather than "must be an int".
    message = `must be a whole number, got ${formatValue(input)}`;
  } else if (issue.code === "invalid_type" && input === undefined) {
    message = `is required (${typeName(issue.expected)})`;
  } else if (issue.code === "invalid_type") {
    message = `must be ${article(typeName(issue.expected))}, got ${formatValue(input)}`;
  } else if (issue.code === "invalid_union" && "options" in issue) {
    const options = (issue as { options?: unknown[] }).options ?? [];
    const choices = options.map((option) => JSON.stringify(option)).join(", ");
    const tag = pickDiscriminator(issue, input);
    message = tag === undefined ? `is required (one of ${choices})` : `must be one of ${choices}`;
    if (tag !== undefined) message += `, got ${formatValue(tag)}`;
  } else if (issue.code === "invalid_union" && input === undefined) {
    // A missing field checked by a union: "must be X" becomes "is required (X)".
    message = message.startsWith("must be ") ? `is required (${message.slice(8)})` : "is required";
  } else if (issue.code === "invalid_value") {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    if (input !== undefined) message += `, got ${formatValue(input)}`;
  } else if (input !== undefined && !message.includes(", got ")) {
    message += `, got ${formatValue(input)}`;
  }
  return { path, message };
}

function unknownKeysIssue(
  issue: z.core.$ZodIssueUnrecognizedKeys,
  segments: string[],
  known: readonly string[],
): ConfigIssue {
  const key = issue.keys[0] ?? "";
  const path = [...segments, key].join(".");
  const others = issue.keys.length > 1 ? ` (nor is ${issue.keys.slice(1).join(", ")})` : "";
  const suggestion = closestName(key, known);
  let hint = "";
  if (suggestion !== undefined) hint = `; did you mean "${suggestion}"?`;
  else if (known.length > 0 && known.length <= 12) hint = `; known fields: ${known.join(", ")}`;
  return { path, message: `is not a known field${others}${hint}` };
}

/**
 * The keys an object schema accepts at `path` inside `schema`, or [] when unknown. At a
 * union of objects (a distribution, a fault), the keys of the options whose discriminator
 * matches `input`, or of every option when none does.
 */
function knownKeysAt(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  input: unknown,
): string[] {
  let current: z.core.$ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current === undefined) return [];
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.type === "object") {
      const shape = def.shape as Record<string, z.core.$ZodType>;
      current = shape[String(segment)];
    } else if (def.type === "array") {
      current = def.element as z.core.$ZodType;
    } else if (def.type === "record") {
      current = def.valueType as z.core.$ZodType;
    } else {
      return [];
    }
    current = current === undefined ? undefined : unwrap(current);
  }
  return current === undefined ? [] : objectKeys(current, input);
}

function objectKeys(schema: z.core.$ZodType, input: unknown): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  if (def.type === "object") return Object.keys(def.shape as object);
  if (def.type !== "union") return [];
  const options = (def.options as z.core.$ZodType[]).map(unwrap);
  const key = def.discriminator;
  const tag = typeof key === "string" && isRecord(input) ? input[key] : undefined;
  const matching = options.filter((option) => {
    const values = (option._zod as { propValues?: Record<string, Set<unknown>> }).propValues;
    return typeof key === "string" && values?.[key]?.has(tag) === true;
  });
  const chosen = matching.length > 0 ? matching : options;
  return [...new Set(chosen.flatMap((option) => objectKeys(option, input)))];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

/** Zod's name for an expected type, in the words of a config's reader. */
function typeName(expected: string): string {
  return expected === "record" ? "object" : expected === "int" ? "whole number" : expected;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner === undefined) return current;
    current = inner as z.core.$ZodType;
  }
  return current;
}

/** The candidate nearest to `name` by edit distance, if it is plausibly a typo of it. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const isPrefix = candidate.toLowerCase().startsWith(name.toLowerCase()) && name.length >= 3;
    const score = isPrefix ? Math.min(distance, 1) : distance;
    if (score < bestDistance) {
      best = candidate;
      bestDistance = score;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The discriminator's value in `input` (undefined when it is missing). */
function pickDiscriminator(issue: { discriminator?: unknown }, input: unknown): unknown {
  const key = issue.discriminator;
  if (typeof key !== "string") return input;
  return isRecord(input) ? input[key] : input;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Formats a value for an error message: JSON when short, its kind otherwise. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "function") return "a function";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
