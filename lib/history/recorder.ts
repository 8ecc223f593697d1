/**
 * Recording a history while a simulation runs: client nodes report each call and how it
 * ended, and the recorder stamps them with the simulation's true time.
 *
 * @module
 */
import { formatValue } from "../config/mod.ts";
import type { History, Operation, OperationType } from "./operation.ts";

/** Options of a {@link HistoryRecorder}. */
export interface HistoryRecorderOptions {
  /**
   * Where each record's `time` comes from, e.g. `() => sim.now` (true time in ms, not a
   * node's skewed clock). Without it, records carry no time.
   */
  readonly now?: () => number;
}

/** Options of {@link HistoryRecorder.invoke}. */
export interface InvokeOptions {
  /** The key the operation acts on; leave it out for a single register. */
  readonly key?: string;
}

interface OpenCall {
  readonly process: number;
  readonly f: string;
  readonly key: string | undefined;
  readonly value: unknown;
}

/**
 * Records operations as a Jepsen-style {@link History}. Clients are named (usually by
 * their node id); the recorder gives each client a process number, and a fresh one after
 * an operation that ended in `info`, because a process whose last call has an unknown
 * outcome must issue no more operations. Records are appended in the order the calls are
 * made, which in a simulation is real-time order.
 *
 * @example
 * ```ts
 * import { checkLinearizable } from "../check/linearizability.ts";
 * import { Simulation } from "../sim/mod.ts";
 *
 * const sim = new Simulation({ seed: 1 });
 * const recorder = new HistoryRecorder({ now: () => sim.now });
 * // what a client node calls as each operation starts and ends:
 * recorder.invoke("c1", "write", 3);
 * recorder.ok("c1");
 * recorder.invoke("c1", "read", null);
 * recorder.ok("c1", 3);
 * checkLinearizable(recorder.history).valid; // true
 * ```
 */
export class HistoryRecorder {
  readonly #now: (() => number) | undefined;
  readonly #records: Operation[] = [];
  readonly #processOf = new Map<string, number>();
  readonly #open = new Map<string, OpenCall>();
  #nextProcess = 0;

  /** A recorder with an empty history. */
  constructor(options: HistoryRecorderOptions = {}) {
    if (options.now !== undefined && typeof options.now !== "function") {
      throw new TypeError("Cannot create a history recorder: now must be a function");
    }
    this.#now = options.now;
  }

  /** Every record so far (a copy). Calls still open appear as invokes only. */
  get history(): History {
    return this.#records.slice();
  }

  /** How many records there are. */
  get size(): number {
    return this.#records.length;
  }

  /** Whether `client` has a call that has not completed yet. */
  isOpen(client: string): boolean {
    return this.#open.has(client);
  }

  /**
   * Records that `client` calls `f` with `value` (null for a read); returns the process
   * number the call is recorded under. Throws if the client already has an open call.
   */
  invoke(client: string, f: string, value: unknown, options: InvokeOptions = {}): number {
    if (this.#open.has(client)) {
      throw new RangeError(
        `Cannot record an invoke by ${client}: its previous ${
          this.#open.get(client)!.f
        } has not completed`,
      );
    }
    if (typeof f !== "string" || f === "") {
      throw new TypeError(`Cannot record an invoke by ${client}: f must be a non-empty string`);
    }
    let process = this.#processOf.get(client);
    if (process === undefined) {
      process = this.#nextProcess++;
      this.#processOf.set(client, process);
    }
    const call: OpenCall = { process, f, key: options.key, value };
    this.#open.set(client, call);
    this.#append(call, "invoke", value);
    return process;
  }

  /**
   * Records that the open call of `client` took effect; `value` is its result (the value
   * read, for a read), by default the value it was called with.
   */
  ok(client: string, ...value: [] | [unknown]): void {
    const call = this.#close(client, "ok");
    this.#append(call, "ok", value.length === 0 ? call.value : value[0]);
  }

  /** Records that the open call of `client` certainly did not take effect. */
  fail(client: string): void {
    this.#append(this.#close(client, "fail"), "fail");
  }

  /**
   * Records that the outcome of the open call of `client` is unknown (it timed out). The
   * client's later calls get a new process number.
   */
  info(client: string): void {
    this.#append(this.#close(client, "info"), "info");
    this.#processOf.delete(client);
  }

  #close(client: string, type: OperationType): OpenCall {
    const call = this.#open.get(client);
    if (call === undefined) {
      throw new RangeError(`Cannot record ${type} for ${formatValue(client)}: it has no open call`);
    }
    this.#open.delete(client);
    return call;
  }

  #append(call: OpenCall, type: OperationType, value: unknown = call.value): void {
    const record: Operation = {
      process: call.process,
      type,
      f: call.f,
      ...(call.key === undefined ? {} : { key: call.key }),
      value: value === undefined ? null : value,
      ...(this.#now === undefined ? {} : { time: this.#now() }),
    };
    this.#records.push(record);
  }
}
