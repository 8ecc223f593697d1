/**
 * Dynamo's shopping cart, three ways. Two replicas hold a cart; a partition separates
 * them; one side removes an item while the other adds one; the partition heals. With a
 * last-writer-wins register one whole write is lost. With a multi-value register both
 * versions survive as siblings, and the application merges them by union, as Dynamo's
 * cart did (DeCandia et al., 2007), so the removed item comes back. An OR-Set keeps both
 * intents: the add stays and the remove holds.
 *
 * @module
 */
import { update } from "./crdt.ts";
import { lwwRegister, mvRegister } from "./registers.ts";
import { orSet } from "./sets.ts";

/** How the replicas resolve the concurrent cart writes. */
export type CartStrategy = "last-writer-wins" | "siblings, union on read" | "or-set";

/** What one strategy ends with. */
export type CartRow = {
  /** The strategy. */
  readonly strategy: CartStrategy;
  /** What the cart shows after the partition heals, items joined by ", ". */
  readonly cart: string;
  /** Siblings a read returned (1 unless the register keeps siblings). */
  readonly siblings: number;
  /** Whether the item added during the partition (bread) is in the cart. */
  readonly addKept: boolean;
  /** Whether the item removed during the partition (eggs) is gone. */
  readonly removeKept: boolean;
};

/** Options of {@link shoppingCartRun}. */
export interface CartOptions {
  /** When replica A removes eggs, on its clock, in ms. Default 12. */
  readonly removeAtMs?: number;
  /** When replica B adds bread, on its clock, in ms. Default 10. */
  readonly addAtMs?: number;
}

const encode = (items: readonly string[]) => [...items].sort().join(",");
const decode = (value: string) => (value === "" ? [] : value.split(","));

function row(strategy: CartStrategy, items: readonly string[], siblings: number): CartRow {
  return {
    strategy,
    cart: [...items].sort().join(", "),
    siblings,
    addKept: items.includes("bread"),
    removeKept: !items.includes("eggs"),
  };
}

/**
 * Runs the cart scenario with each strategy: the cart {milk, eggs} is written at A and
 * copied to B; then, partitioned, A removes eggs and B adds bread; then they merge.
 *
 * @example
 * ```ts
 * shoppingCartRun().find((r) => r.strategy === "siblings, union on read")?.cart;
 * // "bread, eggs, milk": the eggs are back
 * ```
 */
export function shoppingCartRun(options: CartOptions = {}): CartRow[] {
  const removeAtMs = options.removeAtMs ?? 12, addAtMs = options.addAtMs ?? 10;
  const start = ["milk", "eggs"];
  const rows: CartRow[] = [];

  // Last-writer-wins: each side writes its whole cart; the larger stamp wins.
  const lww0 = update(lwwRegister, null, "A", { value: encode(start), timeMs: 1 });
  const lwwA = update(lwwRegister, lww0, "A", { value: encode(["milk"]), timeMs: removeAtMs });
  const lwwB = update(lwwRegister, lww0, "B", {
    value: encode([...start, "bread"]),
    timeMs: addAtMs,
  });
  rows.push(row("last-writer-wins", decode(lwwRegister.merge(lwwA, lwwB)?.value ?? ""), 1));

  // Siblings: version vectors keep both carts; the application takes their union.
  const mv0 = update(mvRegister, [], "A", { value: encode(start), timeMs: 1 });
  const mvA = update(mvRegister, mv0, "A", { value: encode(["milk"]), timeMs: removeAtMs });
  const mvB = update(mvRegister, mv0, "B", { value: encode([...start, "bread"]), timeMs: addAtMs });
  const siblings = mvRegister.value(mvRegister.merge(mvA, mvB));
  const union = [...new Set(siblings.flatMap(decode))];
  rows.push(row("siblings, union on read", union, siblings.length));

  // OR-Set: adds and removes are the operations themselves.
  let set = orSet.initial();
  for (const item of start) set = update(orSet, set, "A", { kind: "add", element: item });
  const setA = update(orSet, set, "A", { kind: "remove", element: "eggs" });
  const setB = update(orSet, set, "B", { kind: "add", element: "bread" });
  rows.push(row("or-set", orSet.value(orSet.merge(setA, setB)), 1));
  return rows;
}
