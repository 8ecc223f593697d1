/**
 * Validated configuration: zod field helpers and {@link parseConfig}, which fails with the
 * path of every bad field and the rule it breaks.
 *
 * @module
 */
export {
  integerAtLeast,
  nodeIdField,
  nonNegativeMs,
  nonNegativeNumber,
  positiveMs,
  positiveNumber,
  probability,
  seedField,
  withDefaults,
} from "./fields.ts";
export { closestName, ConfigError, describeIssue, formatValue, parseConfig } from "./validate.ts";
export type { ConfigIssue, DescribeIssueOptions } from "./validate.ts";
