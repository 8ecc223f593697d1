import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AccountState,
  accountUpcasters,
  ConcurrencyError,
  Database,
  EMPTY_ACCOUNT,
  EventStore,
  evolveAccount,
  handleAccountCommand,
  loadAccount,
  replay,
  SnapshotStore,
} from "../../lib/messaging/mod.ts";

Deno.test("an append with a stale expected version is refused, appending nothing", () => {
  const store = new EventStore();
  store.append("a", 0, [{ type: "AccountOpened", data: { owner: "ada" } }]);
  assert.throws(
    () => store.append("a", 0, [{ type: "AccountOpened", data: { owner: "bob" } }]),
    (error: unknown) =>
      error instanceof ConcurrencyError &&
      /Cannot append to stream a: expected version 0, but it is at version 1/.test(error.message),
  );
  assert.equal(store.position, 1);
});

Deno.test("version-1 deposits (whole euros) are upcast to cents as they are read", () => {
  const store = new EventStore();
  store.append("a", 0, [
    { type: "AccountOpened", data: { owner: "ada" } },
    { type: "MoneyDeposited", schemaVersion: 1, data: { amount: 12.5 } },
    { type: "MoneyDeposited", schemaVersion: 2, data: { amountCents: 300, currency: "EUR" } },
  ]);
  const upcast = accountUpcasters.upcast(store.readStream("a")[1]!);
  assert.deepEqual(upcast.data, { amountCents: 1250, currency: "EUR" });
  assert.equal(upcast.schemaVersion, 2);
  // The stored event is unchanged: history is never rewritten.
  assert.equal(store.readStream("a")[1]!.schemaVersion, 1);
  assert.equal(
    replay(store.readStream("a"), evolveAccount, EMPTY_ACCOUNT, accountUpcasters).balanceCents,
    1550,
  );
});

const commands = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("deposit" as const),
      amountCents: fc.integer({ min: 1, max: 500 }),
    }),
    fc.record({
      kind: fc.constant("withdraw" as const),
      amountCents: fc.integer({ min: 1, max: 500 }),
    }),
  ),
  { maxLength: 60 },
);

Deno.test("state from a snapshot plus the events after it equals state replayed from the start", () => {
  fc.assert(fc.property(commands, fc.integer({ min: 1, max: 10 }), (list, every) => {
    const store = new EventStore();
    const snapshots = new SnapshotStore<AccountState>();
    let balance = 0;
    handleAccountCommand(store, "a", { kind: "open", owner: "ada" }, {
      snapshots,
      snapshotEvery: every,
    });
    for (const command of list) {
      try {
        handleAccountCommand(store, "a", command, { snapshots, snapshotEvery: every });
        balance += command.kind === "deposit" ? command.amountCents : -command.amountCents;
      } catch (error) {
        assert.match(String(error), /Cannot withdraw/);
      }
    }
    const full = loadAccount(store, "a");
    const fast = loadAccount(store, "a", snapshots);
    assert.deepEqual(fast.state, full.state);
    assert.equal(full.state.balanceCents, balance);
    assert.ok(full.state.balanceCents >= 0);
    assert.ok(fast.eventsRead < every + 1 || store.version("a") < every);
  }));
});

Deno.test("a transaction that throws changes nothing", () => {
  const db = new Database();
  db.transaction((tx) => tx.set("x", 1));
  assert.throws(() =>
    db.transaction((tx) => {
      tx.set("x", 2);
      throw new Error("no");
    }), /no/);
  assert.equal(db.get("x"), 1);
  assert.equal(db.transaction((tx) => tx.set("x", 1)).changed, false);
});
