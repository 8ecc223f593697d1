/**
 * Every CRDT of this folder by name, for experiments, tests and the chapter's knobs,
 * plus the deliberately broken variants the tests must catch.
 *
 * @module
 */
import type { AnyCrdt } from "./crdt.ts";
import { gCounter, makePnCounter, pnCounter } from "./counters.ts";
import { lwwRegister, mvRegister } from "./registers.ts";
import { rga } from "./rga.ts";
import { gSet, makeOrSet, orSet, twoPhaseSet } from "./sets.ts";

/** Names of the correct CRDTs, in the chapter's order. */
export const CRDT_NAMES = [
  "g-counter",
  "pn-counter",
  "g-set",
  "2p-set",
  "or-set",
  "lww-register",
  "mv-register",
  "rga",
] as const;

/** The name of a correct CRDT. */
export type CrdtName = typeof CRDT_NAMES[number];

/** The correct CRDTs, by name. */
export const CRDTS: Readonly<Record<CrdtName, AnyCrdt>> = {
  "g-counter": gCounter,
  "pn-counter": pnCounter,
  "g-set": gSet,
  "2p-set": twoPhaseSet,
  "or-set": orSet,
  "lww-register": lwwRegister,
  "mv-register": mvRegister,
  "rga": rga,
};

/** Broken variants, each missing one rule, by name. */
export const BROKEN_CRDTS: Readonly<Record<string, AnyCrdt>> = {
  /** Joins counter entries by sum instead of max: a state heard twice counts twice. */
  "pn-counter-sum-merge": makePnCounter({ mergeBy: "sum" }),
  /** Removes the element rather than the observed tags: concurrent adds vanish too. */
  "or-set-remove-by-element": makeOrSet({ removeBy: "element" }),
};
