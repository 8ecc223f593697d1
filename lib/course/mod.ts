/**
 * Helpers for the chapters: claims checked in plain sight ({@link claim}: "✓ the p99 grows
 * with k", or a {@link ClaimError} that stops the notebook) and small tables of rows.
 *
 * ```ts
 * import { claim, table } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./claim.ts";
export * from "./table.ts";
