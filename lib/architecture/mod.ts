/**
 * Architectures and operations: how a system of services is found, fronted, cached,
 * observed and secured.
 *
 * - Service discovery: a registry with heartbeats and TTLs, instances, and an API gateway
 *   that caches the instance list (client-side discovery); the `service-discovery` trial.
 * - HMAC-SHA-256, synchronous, for signatures made inside simulated handlers.
 *
 * ```ts
 * import { serviceDiscovery } from "../lib/architecture/mod.ts";
 * ```
 *
 * @module
 */
export * from "./hmac.ts";
export * from "./discovery.ts";
export * from "./discovery_trial.ts";
export * from "./cache.ts";
export * from "./cache_trial.ts";
export * from "./auth.ts";
export * from "./auth_trial.ts";
