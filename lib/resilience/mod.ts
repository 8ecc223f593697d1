/**
 * Services under partial failure and overload: a request/response service whose server
 * can crash, lose messages, answer late or answer wrongly; fan-out requests whose latency
 * is set by the slowest of their parts; and the tools that keep a service up when its
 * callers misbehave: backoff with jitter, retry budgets, deadlines, idempotency keys,
 * circuit breakers, bulkheads, rate limits and load shedding.
 *
 * @module
 */
export * from "./backoff.ts";
export * from "./fanout.ts";
export * from "./occ_backoff.ts";
export * from "./request_response.ts";
export * from "./bulkhead.ts";
export * from "./circuit_breaker.ts";
export * from "./deadline.ts";
export * from "./dependency_failure.ts";
export * from "./overload.ts";
export * from "./token_bucket.ts";
export * from "./call_chain.ts";
export * from "./idempotency.ts";
export * from "./rx.ts";
export * from "./breaker_trial.ts";
