/**
 * Operation histories in Jepsen's JSON form: the records and their schema, pairing of
 * invokes with completions, loading and saving, a recorder for simulated clients, and a
 * replicated register workload whose histories are linearizable or not at the flip of a
 * switch.
 *
 * ```ts
 * import { loadHistory, runRegisterWorkload } from "./mod.ts";
 * const { history } = runRegisterWorkload({ seed: 1, staleReads: true });
 * ```
 *
 * @module
 */
export * from "./operation.ts";
export * from "./io.ts";
export * from "./recorder.ts";
export * from "./register_workload.ts";
export * from "./jepsen_etcd.ts";
