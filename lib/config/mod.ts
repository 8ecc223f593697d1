/**
 * Validated configuration: zod field helpers and {@link parseConfig}, which fails with the
 * path of every bad field and the rule it breaks.
 *
 * @module
 */
export * from "./fields.ts";
export * from "./validate.ts";
