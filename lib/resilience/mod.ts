/**
 * Services under partial failure: a request/response service whose server can crash,
 * lose messages, answer late or answer wrongly, and fan-out requests whose latency is
 * set by the slowest of their parts.
 *
 * @module
 */
export * from "./fanout.ts";
export * from "./request_response.ts";
