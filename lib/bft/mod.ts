/**
 * Byzantine fault tolerance: PBFT (Castro and Liskov, OSDI 1999) over a simulated
 * signature scheme, Byzantine replicas as plug-ins, and the trial that runs it under
 * faults.
 *
 * ```ts
 * import { pbftTrial, PbftReplica } from "./mod.ts";
 * ```
 *
 * @module
 */
export * from "./byzantine.ts";
export * from "./client.ts";
export * from "./ledger.ts";
export * from "./messages.ts";
export * from "./replica.ts";
export * from "./signatures.ts";
export * from "./trial.ts";
export * from "./compare.ts";
