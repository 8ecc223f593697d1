/**
 * Transactions across services and nodes. A chapter imports this module:
 *
 * ```ts ignore
 * import { buildSaga, sagaMoney } from "../lib/transactions/mod.ts";
 * ```
 *
 * @module
 */

// Sagas: the orchestrator, its services, the transactional outbox, the trial and `saga-money`.
export * from "./outbox.ts";
export * from "./saga.ts";
export * from "./saga_services.ts";
export * from "./saga_trial.ts";
export * from "./saga_figures.ts";
