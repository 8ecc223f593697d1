/**
 * Plain text for a value in a browser page, close to Deno's console (a page has no
 * `Deno.inspect`): what a cell's console output, its value and `show(value)` print.
 *
 * @module
 */

/**
 * A value as plain text, close to what Deno's console prints: strings quoted, objects as
 * `{ a: 1, b: [ 1, 2 ] }`, cycles as `[Circular]`.
 *
 * @example
 * ```ts
 * inspect({ a: 1, b: [1, 2], c: "x" }); // '{ a: 1, b: [ 1, 2 ], c: "x" }'
 * ```
 */
export function inspect(value: unknown, seen: Set<unknown> = new Set()): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "undefined":
      return "undefined";
    case "symbol":
      return value.toString();
    case "function":
      return `[Function: ${value.name || "(anonymous)"}]`;
    case "boolean":
      return String(value);
  }
  if (value === null) return "null";
  if (seen.has(value)) return "[Circular]";
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value instanceof Date) return value.toISOString();
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.length === 0 ? "[]" : `[ ${value.map((v) => inspect(v, seen)).join(", ")} ]`;
    }
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => `${inspect(k, seen)} => ${inspect(v, seen)}`);
      return `Map(${value.size}) { ${entries.join(", ")} }`.replace("{  }", "{}");
    }
    if (value instanceof Set) {
      const items = [...value].map((v) => inspect(v, seen));
      return `Set(${value.size}) { ${items.join(", ")} }`.replace("{  }", "{}");
    }
    const entries = Object.entries(value as Record<string, unknown>).map(([key, v]) =>
      `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${inspect(v, seen)}`
    );
    const constructorName = (value as { constructor?: { name?: string } }).constructor?.name;
    const prefix = constructorName && constructorName !== "Object" ? `${constructorName} ` : "";
    return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${entries.join(", ")} }`;
  } finally {
    seen.delete(value);
  }
}
