/**
 * Stream processing with rxjs in the simulator's virtual time: every operator here takes
 * a scheduler ({@link SimulationScheduler} from lib/resilience), so windows close,
 * queues drain and join state expires at virtual times, deterministically.
 *
 * - {@link timedSource}: values emitted at given virtual times.
 * - {@link tumblingWindows}: counts and sums per fixed window of processing time.
 * - {@link boundedQueue}: **backpressure** when a consumer is slower than its producer.
 *   rxjs pushes; nothing slows the producer down, so the gap must go somewhere: an
 *   unbounded buffer (latency and memory grow without bound), or a bounded one that drops
 *   (load shedding), which keeps latency bounded and loses values.
 * - {@link intervalJoin}: a join of two streams on a key, for pairs whose times are within
 *   a bound of each other; each side's state is kept only as long as a match is possible.
 *
 * @module
 */
import {
  bufferTime,
  map,
  merge,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
  timer,
} from "rxjs";

/** A value stamped with the virtual time it was emitted. */
export interface Timed<T> {
  /** When it was emitted, in virtual ms. */
  readonly atMs: number;
  /** The value. */
  readonly value: T;
}

/**
 * Emits each value at its virtual time `atMs` (times before now emit at once), then
 * completes after the last.
 *
 * @example
 * ```ts ignore
 * timedSource([{ atMs: 5, value: "a" }, { atMs: 9, value: "b" }], scheduler)
 * ```
 */
export function timedSource<T>(
  events: readonly Timed<T>[],
  scheduler: SchedulerLike,
): Observable<Timed<T>> {
  const start = scheduler.now();
  return merge(
    ...events.map((event) =>
      timer(Math.max(0, event.atMs - start), scheduler).pipe(map(() => event))
    ),
  );
}

/** Drops the time stamps of a timed stream, keeping the values. */
export function valuesOf<T>(): OperatorFunction<Timed<T>, T> {
  return map((event: Timed<T>) => event.value);
}

/** One window's summary. */
export interface WindowSummary {
  /** The window's start, in virtual ms. */
  readonly startMs: number;
  /** Its end (exclusive), in virtual ms. */
  readonly endMs: number;
  /** Values that arrived in it. */
  readonly count: number;
  /** Their sum. */
  readonly sum: number;
}

/**
 * Tumbling windows of `windowMs` of processing time (the time values arrive): one
 * summary per window, empty windows included, until the source completes.
 */
export function tumblingWindows(
  windowMs: number,
  scheduler: SchedulerLike,
): OperatorFunction<number, WindowSummary> {
  if (!(windowMs > 0)) {
    throw new RangeError(`Cannot window a stream: windowMs must be positive, got ${windowMs}`);
  }
  return (source) =>
    new Observable<WindowSummary>((subscriber) => {
      const origin = scheduler.now();
      let index = 0;
      return source.pipe(bufferTime(windowMs, scheduler)).subscribe({
        next: (values) => {
          const startMs = origin + index * windowMs;
          index++;
          subscriber.next({
            startMs,
            endMs: startMs + windowMs,
            count: values.length,
            sum: values.reduce((s, v) => s + v, 0),
          });
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** What to do with a value that arrives to a full queue. */
export type OverflowPolicy = "unbounded" | "drop-newest" | "drop-oldest";

/** Options of {@link boundedQueue}. */
export interface BoundedQueueOptions {
  /** Most values waiting (ignored when unbounded). */
  readonly capacity: number;
  /** Time the consumer takes per value, in ms. */
  readonly serviceMs: number;
  /** What a full queue does. */
  readonly policy: OverflowPolicy;
  /** The virtual-time scheduler. */
  readonly scheduler: SchedulerLike;
}

/** A value the slow consumer finished, or one the queue dropped. */
export interface QueueOutcome<T> {
  /** The value. */
  readonly value: T;
  /** When it arrived, in virtual ms. */
  readonly arrivedAtMs: number;
  /** When it was processed (null: dropped). */
  readonly doneAtMs: number | null;
  /** Values waiting just after it arrived. */
  readonly queueLength: number;
}

/**
 * A slow consumer behind a queue: values are processed one at a time, `serviceMs` each;
 * values arriving meanwhile wait, up to `capacity`, and the policy decides what a full
 * queue drops. Emits one outcome per value (processed or dropped); completes when the
 * source has completed and the queue is empty.
 */
export function boundedQueue<T>(
  options: BoundedQueueOptions,
): OperatorFunction<T, QueueOutcome<T>> {
  const { capacity, serviceMs, policy, scheduler } = options;
  if (policy !== "unbounded" && !(Number.isInteger(capacity) && capacity >= 1)) {
    throw new RangeError(`Cannot bound a queue: capacity must be a whole number at least 1`);
  }
  return (source) =>
    new Observable<QueueOutcome<T>>((subscriber) => {
      const waiting: { value: T; arrivedAtMs: number; queueLength: number }[] = [];
      let busy = false;
      let completed = false;
      let pending: Subscription | undefined;
      const serveNext = () => {
        const item = waiting.shift();
        if (item === undefined) {
          busy = false;
          if (completed) subscriber.complete();
          return;
        }
        busy = true;
        pending = scheduler.schedule(() => {
          subscriber.next({ ...item, doneAtMs: scheduler.now() });
          serveNext();
        }, serviceMs);
      };
      const subscription = source.subscribe({
        next: (value) => {
          const arrivedAtMs = scheduler.now();
          if (policy !== "unbounded" && waiting.length >= capacity) {
            if (policy === "drop-newest") {
              subscriber.next({ value, arrivedAtMs, doneAtMs: null, queueLength: waiting.length });
              return;
            }
            const oldest = waiting.shift()!;
            subscriber.next({ ...oldest, doneAtMs: null });
          }
          waiting.push({ value, arrivedAtMs, queueLength: waiting.length + 1 });
          if (!busy) serveNext();
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          completed = true;
          if (!busy && waiting.length === 0) subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        pending?.unsubscribe();
      };
    });
}

/** Options of {@link intervalJoin}. */
export interface IntervalJoinOptions<L, R> {
  /** The join key of a left value. */
  readonly leftKey: (value: L) => string;
  /** The join key of a right value. */
  readonly rightKey: (value: R) => string;
  /** Pairs match when their times differ by at most this, in ms. */
  readonly withinMs: number;
}

/** A matched pair. */
export interface Joined<L, R> {
  /** The left value and its time. */
  readonly left: Timed<L>;
  /** The right value and its time. */
  readonly right: Timed<R>;
}

/**
 * Joins two timed streams: emits every (left, right) pair with equal keys whose times
 * differ by at most `withinMs`, as soon as the second of the two arrives. Each side keeps
 * its values only while a match can still arrive (values arrive in time order per side),
 * so the state is bounded by the rate times `withinMs`, not by the stream's length.
 * `stateSize()` of the returned object reports the most values it held at once.
 */
export function intervalJoin<L, R>(
  left$: Observable<Timed<L>>,
  right$: Observable<Timed<R>>,
  options: IntervalJoinOptions<L, R>,
): { readonly joined$: Observable<Joined<L, R>>; readonly stateSize: () => number } {
  const lefts: Timed<L>[] = [];
  const rights: Timed<R>[] = [];
  let peak = 0;
  const joined$ = new Observable<Joined<L, R>>((subscriber) => {
    const evict = <V>(kept: Timed<V>[], nowMs: number) => {
      while (kept.length > 0 && kept[0]!.atMs < nowMs - options.withinMs) kept.shift();
    };
    let open = 2;
    const done = () => {
      if (--open === 0) subscriber.complete();
    };
    const a = left$.subscribe({
      next: (l) => {
        evict(rights, l.atMs);
        const key = options.leftKey(l.value);
        for (const r of rights) {
          if (options.rightKey(r.value) === key && Math.abs(r.atMs - l.atMs) <= options.withinMs) {
            subscriber.next({ left: l, right: r });
          }
        }
        lefts.push(l);
        peak = Math.max(peak, lefts.length + rights.length);
      },
      error: (e) => subscriber.error(e),
      complete: done,
    });
    const b = right$.subscribe({
      next: (r) => {
        evict(lefts, r.atMs);
        const key = options.rightKey(r.value);
        for (const l of lefts) {
          if (options.leftKey(l.value) === key && Math.abs(r.atMs - l.atMs) <= options.withinMs) {
            subscriber.next({ left: l, right: r });
          }
        }
        rights.push(r);
        peak = Math.max(peak, lefts.length + rights.length);
      },
      error: (e) => subscriber.error(e),
      complete: done,
    });
    return () => {
      a.unsubscribe();
      b.unsubscribe();
    };
  });
  return { joined$, stateSize: () => peak };
}
