/**
 * Event sourcing: instead of storing an account's balance, store what happened to it
 * (opened, deposited, withdrew) as an append-only sequence of events, and rebuild the
 * state by **replaying** them. The events are the truth; the state is a cache of them.
 *
 * - {@link EventStore}: streams of events with versions, appended with an expected
 *   version (optimistic concurrency: two writers that read version 3 cannot both append
 *   version 4), and one global order of positions for projections to follow.
 * - {@link replay}: the state as a left fold of the events.
 * - {@link SnapshotStore} / {@link loadAccount}: a snapshot of the state at a version, so a
 *   long stream is rebuilt from the snapshot and only the events after it.
 * - **Schema evolution** by upcasting ({@link Upcasters}): an old event is never
 *   rewritten; a reader converts each stored version to the current one as it reads.
 *
 * @module
 */

/** An event as stored: its stream, version there, global position, type and schema version. */
export interface StoredEvent {
  /** Position in the store's global order: 1, 2, ... */
  readonly position: number;
  /** The stream (an aggregate's id: "account-7"). */
  readonly streamId: string;
  /** Its version within the stream: 1, 2, ... */
  readonly version: number;
  /** What happened ("MoneyDeposited"). */
  readonly type: string;
  /** The schema version the data was written in. */
  readonly schemaVersion: number;
  /** The event's data. */
  readonly data: Readonly<Record<string, unknown>>;
  /** When it was appended, in virtual ms. */
  readonly recordedAtMs: number;
}

/** An event to append: its type, schema version and data. */
export interface NewEvent {
  /** What happened. */
  readonly type: string;
  /** The schema version of `data`. Default 1. */
  readonly schemaVersion?: number;
  /** The event's data. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Thrown when an append's expected version is not the stream's version. */
export class ConcurrencyError extends Error {
  /** An error for stream `streamId`. */
  constructor(streamId: string, expected: number, actual: number) {
    super(
      `Cannot append to stream ${streamId}: expected version ${expected}, ` +
        `but it is at version ${actual} (another writer appended first)`,
    );
    this.name = "ConcurrencyError";
  }
}

/**
 * An append-only event store.
 *
 * @example
 * ```ts
 * import { EventStore } from "./event_sourcing.ts";
 *
 * const store = new EventStore();
 * store.append("account-1", 0, [{ type: "AccountOpened", data: { owner: "ada" } }]);
 * store.version("account-1"); // 1
 * ```
 */
export class EventStore {
  readonly #all: StoredEvent[] = [];
  readonly #streams = new Map<string, StoredEvent[]>();

  /** The stream's version: how many events it holds (0: none). */
  version(streamId: string): number {
    return this.#streams.get(streamId)?.length ?? 0;
  }

  /** The global position of the last event (0: none). */
  get position(): number {
    return this.#all.length;
  }

  /**
   * Appends `events` to `streamId` if the stream is at `expectedVersion`; returns them
   * as stored. Throws a {@link ConcurrencyError} otherwise, appending nothing.
   */
  append(
    streamId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    recordedAtMs = 0,
  ): StoredEvent[] {
    const stream = this.#streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion) {
      throw new ConcurrencyError(streamId, expectedVersion, stream.length);
    }
    const stored = events.map((event, i): StoredEvent => ({
      position: this.#all.length + i + 1,
      streamId,
      version: expectedVersion + i + 1,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: { ...event.data },
      recordedAtMs,
    }));
    this.#all.push(...stored);
    stream.push(...stored);
    this.#streams.set(streamId, stream);
    return stored;
  }

  /** The events of `streamId` after version `afterVersion`, in order. */
  readStream(streamId: string, afterVersion = 0): StoredEvent[] {
    return (this.#streams.get(streamId) ?? []).slice(afterVersion);
  }

  /** Up to `max` events of every stream after global position `afterPosition`, in order. */
  readAll(afterPosition = 0, max = Infinity): StoredEvent[] {
    return this.#all.slice(afterPosition, afterPosition + max);
  }
}

/** Converts an event of one schema version to the next. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/**
 * Upcasters by event type: `upcasters[type][v]` converts version v's data to version
 * v + 1. Reading applies them in turn up to the current version.
 */
export class Upcasters {
  readonly #steps = new Map<string, Map<number, Upcaster>>();

  /** Registers the conversion of `type` from `fromVersion` to `fromVersion + 1`. */
  register(type: string, fromVersion: number, upcast: Upcaster): this {
    const steps = this.#steps.get(type) ?? new Map<number, Upcaster>();
    steps.set(fromVersion, upcast);
    this.#steps.set(type, steps);
    return this;
  }

  /** The event converted to the latest schema version its type has upcasters for. */
  upcast(event: StoredEvent): StoredEvent {
    const steps = this.#steps.get(event.type);
    if (steps === undefined) return event;
    let data: Readonly<Record<string, unknown>> = event.data;
    let version = event.schemaVersion;
    for (let step = steps.get(version); step !== undefined; step = steps.get(version)) {
      data = step(data);
      version++;
    }
    return version === event.schemaVersion ? event : { ...event, data, schemaVersion: version };
  }
}

/** The state of a bank account, rebuilt from its events. */
export interface AccountState {
  /** Whether it has been opened. */
  readonly open: boolean;
  /** Its owner. */
  readonly owner: string;
  /** Its balance, in cents. */
  readonly balanceCents: number;
  /** The stream version this state reflects. */
  readonly version: number;
}

/** An account that does not exist yet. */
export const EMPTY_ACCOUNT: AccountState = { open: false, owner: "", balanceCents: 0, version: 0 };

/**
 * The account's events, current schema: `AccountOpened { owner }`,
 * `MoneyDeposited { amountCents, currency }` (version 2; version 1 was `{ amount }` in
 * whole euros), `MoneyWithdrawn { amountCents }`.
 */
export const accountUpcasters: Upcasters = new Upcasters()
  .register("MoneyDeposited", 1, (data) => ({
    amountCents: Math.round(Number(data.amount) * 100),
    currency: "EUR",
  }));

/** Applies one event (current schema) to the account's state. */
export function evolveAccount(state: AccountState, event: StoredEvent): AccountState {
  switch (event.type) {
    case "AccountOpened":
      return { ...state, open: true, owner: String(event.data.owner), version: event.version };
    case "MoneyDeposited":
      return {
        ...state,
        balanceCents: state.balanceCents + Number(event.data.amountCents),
        version: event.version,
      };
    case "MoneyWithdrawn":
      return {
        ...state,
        balanceCents: state.balanceCents - Number(event.data.amountCents),
        version: event.version,
      };
    default:
      return { ...state, version: event.version };
  }
}

/**
 * The state rebuilt by replaying `events` over `initial`, each upcast first.
 *
 * @example
 * ```ts
 * import { accountUpcasters, EMPTY_ACCOUNT, EventStore, evolveAccount, replay } from "./event_sourcing.ts";
 *
 * const store = new EventStore();
 * store.append("a", 0, [
 *   { type: "AccountOpened", data: { owner: "ada" } },
 *   { type: "MoneyDeposited", schemaVersion: 1, data: { amount: 5 } },
 * ]);
 * replay(store.readStream("a"), evolveAccount, EMPTY_ACCOUNT, accountUpcasters).balanceCents; // 500
 * ```
 */
export function replay<S>(
  events: readonly StoredEvent[],
  evolve: (state: S, event: StoredEvent) => S,
  initial: S,
  upcasters?: Upcasters,
): S {
  let state = initial;
  for (const event of events) state = evolve(state, upcasters?.upcast(event) ?? event);
  return state;
}

/** A command to an account. */
export type AccountCommand =
  | { readonly kind: "open"; readonly owner: string }
  | { readonly kind: "deposit"; readonly amountCents: number }
  | { readonly kind: "withdraw"; readonly amountCents: number };

/**
 * What a command does to an account, as events, given its state; throws an Error saying
 * why when the command is refused.
 */
export function decideAccount(state: AccountState, command: AccountCommand): NewEvent[] {
  switch (command.kind) {
    case "open":
      if (state.open) throw new Error("Cannot open the account: it is already open");
      return [{ type: "AccountOpened", data: { owner: command.owner } }];
    case "deposit":
      if (!state.open) throw new Error("Cannot deposit: the account is not open");
      return [{
        type: "MoneyDeposited",
        schemaVersion: 2,
        data: { amountCents: command.amountCents, currency: "EUR" },
      }];
    case "withdraw":
      if (!state.open) throw new Error("Cannot withdraw: the account is not open");
      if (state.balanceCents < command.amountCents) {
        throw new Error(
          `Cannot withdraw ${command.amountCents}: the balance is ${state.balanceCents}`,
        );
      }
      return [{ type: "MoneyWithdrawn", data: { amountCents: command.amountCents } }];
  }
}

/** A saved state of a stream at a version. */
export interface Snapshot<S> {
  /** The stream. */
  readonly streamId: string;
  /** The version the state reflects. */
  readonly version: number;
  /** The state. */
  readonly state: S;
}

/** Snapshots by stream: the latest one of each. */
export class SnapshotStore<S> {
  readonly #latest = new Map<string, Snapshot<S>>();

  /** Saves a snapshot (replacing an older one of the same stream). */
  save(snapshot: Snapshot<S>): void {
    const old = this.#latest.get(snapshot.streamId);
    if (old === undefined || old.version <= snapshot.version) {
      this.#latest.set(snapshot.streamId, snapshot);
    }
  }

  /** The latest snapshot of `streamId`, or undefined. */
  latest(streamId: string): Snapshot<S> | undefined {
    return this.#latest.get(streamId);
  }
}

/** An account loaded, with how many events had to be read to rebuild it. */
export interface LoadedAccount {
  /** The state. */
  readonly state: AccountState;
  /** Events replayed (after the snapshot, if one was used). */
  readonly eventsRead: number;
}

/** Loads an account: its latest snapshot, if any, then the events after it. */
export function loadAccount(
  store: EventStore,
  streamId: string,
  snapshots?: SnapshotStore<AccountState>,
): LoadedAccount {
  const snapshot = snapshots?.latest(streamId);
  const events = store.readStream(streamId, snapshot?.version ?? 0);
  return {
    state: replay(events, evolveAccount, snapshot?.state ?? EMPTY_ACCOUNT, accountUpcasters),
    eventsRead: events.length,
  };
}

/**
 * Handles a command: loads the account, decides, appends with the version it loaded
 * (so a concurrent writer makes this fail rather than be overwritten), and snapshots
 * every `snapshotEvery` versions. Returns the events appended.
 */
export function handleAccountCommand(
  store: EventStore,
  streamId: string,
  command: AccountCommand,
  options: { snapshots?: SnapshotStore<AccountState>; snapshotEvery?: number; atMs?: number } = {},
): StoredEvent[] {
  const { state } = loadAccount(store, streamId, options.snapshots);
  const appended = store.append(
    streamId,
    state.version,
    decideAccount(state, command),
    options.atMs ?? 0,
  );
  const every = options.snapshotEvery ?? 0;
  if (options.snapshots !== undefined && every > 0) {
    const last = appended[appended.length - 1];
    if (
      last !== undefined && Math.floor(last.version / every) > Math.floor(state.version / every)
    ) {
      options.snapshots.save({
        streamId,
        version: last.version,
        state: replay(appended, evolveAccount, state, accountUpcasters),
      });
    }
  }
  return appended;
}
