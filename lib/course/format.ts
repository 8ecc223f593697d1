/**
 * Number and value formatting shared by the course helpers (not part of the public surface).
 *
 * @module
 */

const MAX_ITEMS = 12;

/**
 * A value in a few characters: numbers to four significant digits (integers whole),
 * arrays with at most twelve items, objects as `{a: 1, b: 2}`.
 *
 * @example
 * ```ts
 * formatValue(3.14159); // "3.142"
 * formatValue([1, 2, 3]); // "[1, 2, 3]"
 * ```
 */
export function formatValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_ITEMS).map(formatValue);
    if (value.length > MAX_ITEMS) shown.push(`… ${value.length - MAX_ITEMS} more`);
    return `[${shown.join(", ")}]`;
  }
  if (value !== null && typeof value === "object") {
    const pairs = Object.entries(value).map(([key, item]) => `${key}: ${formatValue(item)}`);
    return `{${pairs.join(", ")}}`;
  }
  return String(value);
}

/** Formats a number to four significant digits; integers stay whole. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
