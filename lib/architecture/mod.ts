/**
 * Architectures and operations: how a system of services is found, fronted, cached,
 * observed and secured.
 *
 * - Architectures as topologies: client-server, peer-to-peer and microservices as who
 *   sends messages to whom.
 * - Service discovery: a registry with heartbeats and TTLs, instances, and an API gateway
 *   that caches the instance list (client-side discovery); the `service-discovery` trial.
 * - Caching: cache-aside with invalidation on write, the stampede of an expiring hot key
 *   and its fixes (single-flight, probabilistic early refresh); the `cache-stampede` trial.
 * - Distributed tracing: trace contexts, spans recorded in the simulator's trace, the
 *   critical path of a fan-out and the waterfall figure; the `trace-fanout` experiment.
 * - Service-to-service authentication: HMAC-signed requests, keys per service with
 *   rotation, timestamps and nonces against replay on skewed clocks, authorisation, and an
 *   attacker on the wire; the `auth-attacks` trial.
 * - Chaos engineering: a game day on the gateway and its instances with the nemesis, a
 *   steady-state hypothesis and a blast radius; the `game-day` trial.
 * - HMAC-SHA-256, synchronous, for signatures made inside simulated handlers.
 *
 * ```ts
 * import { authAttacks, cacheStampede, serviceDiscovery, traceFanout } from "./mod.ts";
 *
 * [authAttacks, cacheStampede, serviceDiscovery, traceFanout].map((e) => e.name);
 * // ["auth-attacks", "cache-stampede", "service-discovery", "trace-fanout"]
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
export * from "./tracing.ts";
export * from "./tracing_experiment.ts";
export * from "./game_day.ts";
export * from "./game_day_figure.ts";
export * from "./topology.ts";
