/**
 * Every library module a chapter may import, by the path chapters use (relative to the
 * repository root), for code that runs in a browser page: a cell's
 * `import { plot } from "../lib/mod.ts"` is resolved here instead of over the network.
 * tests/web/lib_registry_test.ts checks that it lists every topic's `mod.ts`.
 *
 * @module
 */
import * as root from "../lib/mod.ts";
import * as architecture from "../lib/architecture/mod.ts";
import * as balancing from "../lib/balancing/mod.ts";
import * as bft from "../lib/bft/mod.ts";
import * as cap from "../lib/cap/mod.ts";
import * as check from "../lib/check/mod.ts";
import * as clocks from "../lib/clocks/mod.ts";
import * as config from "../lib/config/mod.ts";
import * as consensus from "../lib/consensus/mod.ts";
import * as coordination from "../lib/coordination/mod.ts";
import * as course from "../lib/course/mod.ts";
import * as crdt from "../lib/crdt/mod.ts";
import * as exercises from "../lib/exercises/mod.ts";
import * as experiments from "../lib/experiments/mod.ts";
import * as history from "../lib/history/mod.ts";
import * as membership from "../lib/membership/mod.ts";
import * as messaging from "../lib/messaging/mod.ts";
import * as partitioning from "../lib/partitioning/mod.ts";
import * as replication from "../lib/replication/mod.ts";
import * as resilience from "../lib/resilience/mod.ts";
import * as sim from "../lib/sim/mod.ts";
import * as testing from "../lib/testing/mod.ts";
import * as transactions from "../lib/transactions/mod.ts";
import * as viz from "../lib/viz/mod.ts";

/** The library's modules, keyed by their path from the repository root. */
export const LIB_MODULES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "lib/mod.ts": root,
  "lib/architecture/mod.ts": architecture,
  "lib/balancing/mod.ts": balancing,
  "lib/bft/mod.ts": bft,
  "lib/cap/mod.ts": cap,
  "lib/check/mod.ts": check,
  "lib/clocks/mod.ts": clocks,
  "lib/config/mod.ts": config,
  "lib/consensus/mod.ts": consensus,
  "lib/coordination/mod.ts": coordination,
  "lib/course/mod.ts": course,
  "lib/crdt/mod.ts": crdt,
  "lib/exercises/mod.ts": exercises,
  "lib/experiments/mod.ts": experiments,
  "lib/history/mod.ts": history,
  "lib/membership/mod.ts": membership,
  "lib/messaging/mod.ts": messaging,
  "lib/partitioning/mod.ts": partitioning,
  "lib/replication/mod.ts": replication,
  "lib/resilience/mod.ts": resilience,
  "lib/sim/mod.ts": sim,
  "lib/testing/mod.ts": testing,
  "lib/transactions/mod.ts": transactions,
  "lib/viz/mod.ts": viz,
};
