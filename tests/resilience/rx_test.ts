import assert from "node:assert/strict";
import { catchError, delay, interval, map, Observable, of, take, throttleTime, timer } from "rxjs";
import {
  BreakerOpenError,
  CircuitBreaker,
  hedged,
  rateLimit,
  RequestServer,
  RetryBudget,
  retryWithBackoff,
  RxClient,
  type ServiceMessage,
  SimulationScheduler,
  TokenBucket,
  withCircuitBreaker,
  withDeadline,
} from "../../lib/resilience/mod.ts";
import { Random, Simulation } from "../../lib/sim/mod.ts";

/** Requests through a lossy network with a deadline and retries; what was seen, and when. */
function lossyRun(seed: number): string[] {
  const sim = new Simulation<ServiceMessage>({
    seed,
    record: false,
    network: { latency: { kind: "lognormal", medianMs: 5, sigma: 1 }, lossProbability: 0.3 },
  });
  const scheduler = new SimulationScheduler(sim);
  const seen: string[] = [];
  let client!: RxClient<ServiceMessage>;
  sim.addNode("server", (ctx) => new RequestServer(ctx));
  sim.addNode("client", (ctx) => client = new RxClient(ctx));
  sim.at(1, () => {
    for (let i = 0; i < 20; i++) {
      const request: ServiceMessage = { type: "request", requestId: i, attempt: 1, x: i };
      client.request$("server", request, (m) => m.type === "reply" && m.requestId === i).pipe(
        withDeadline(30, scheduler),
        retryWithBackoff({
          maxRetries: 4,
          backoff: { strategy: "full", baseMs: 10, capMs: 200 },
          random: client.context.random,
          scheduler,
        }),
      ).subscribe({
        next: (m) => seen.push(`${i} ok ${(m as { value: number }).value} @${scheduler.now()}`),
        error: (e) => seen.push(`${i} ${e.name} @${scheduler.now()}`),
      });
    }
  });
  sim.runUntilQuiet();
  return seen;
}

Deno.test("SimulationScheduler: same seed, same emissions at the same virtual times", () => {
  const a = lossyRun(4), b = lossyRun(4), c = lossyRun(5);
  assert.equal(a.length, 20);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.filter((line) => line.includes(" ok ")).length >= 15, "retries mask most losses");
});

Deno.test("SimulationScheduler runs on virtual time only: no wall-clock timer is ever set", () => {
  const real = { setTimeout, setInterval };
  const forbidden = () => {
    throw new Error("a wall-clock timer was set");
  };
  globalThis.setTimeout = forbidden as unknown as typeof setTimeout;
  globalThis.setInterval = forbidden as unknown as typeof setInterval;
  try {
    lossyRun(1);
    const sim = new Simulation();
    const scheduler = new SimulationScheduler(sim);
    const seen: number[] = [];
    interval(1000, scheduler).pipe(take(3600)).subscribe(() => seen.push(scheduler.now()));
    sim.runUntil(3_600_000); // an hour of virtual time
    assert.equal(seen.length, 3600);
    assert.equal(seen.at(-1), 3_600_000);
  } finally {
    globalThis.setTimeout = real.setTimeout;
    globalThis.setInterval = real.setInterval;
  }
});

Deno.test("SimulationScheduler: nothing happens until the simulation runs, then at virtual times", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  const seen: [string, number][] = [];
  of("a").pipe(delay(250, scheduler)).subscribe((v) => seen.push([v, scheduler.now()]));
  timer(100, 50, scheduler).pipe(take(3)).subscribe((v) => seen.push([`t${v}`, scheduler.now()]));
  assert.deepEqual(seen, []);
  sim.runUntil(120);
  assert.deepEqual(seen, [["t0", 100]]);
  sim.runUntil(1000);
  assert.deepEqual(seen, [["t0", 100], ["t1", 150], ["t2", 200], ["a", 250]]);
});

Deno.test("SimulationScheduler: an unsubscribed action never runs", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  let runs = 0;
  const subscription = timer(100, scheduler).subscribe(() => runs++);
  sim.runUntil(50);
  subscription.unsubscribe();
  sim.runUntil(500);
  assert.equal(runs, 0);
});

Deno.test("throttleTime on the simulation's scheduler lets one value per window through", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  const seen: number[] = [];
  interval(10, scheduler).pipe(take(50), throttleTime(100, scheduler))
    .subscribe((v) => seen.push(v));
  sim.runUntil(1000);
  assert.deepEqual(seen, [0, 10, 20, 30, 40]);
});

Deno.test("retryWithBackoff resubscribes after each backoff, and gives up after maxRetries", () => {
  for (const strategy of ["exponential", "full", "decorrelated"] as const) {
    const sim = new Simulation();
    const scheduler = new SimulationScheduler(sim);
    const attemptsAt: number[] = [];
    const failing = new Observable<number>((subscriber) => {
      attemptsAt.push(scheduler.now());
      subscriber.error(new Error("boom"));
    });
    let error: unknown;
    failing.pipe(retryWithBackoff({
      maxRetries: 5,
      backoff: { strategy, baseMs: 10, capMs: 100 },
      random: new Random(1),
      scheduler,
    })).subscribe({ error: (e) => error = e });
    sim.runUntil(10_000);
    assert.equal(attemptsAt.length, 6, strategy);
    assert.match(String(error), /boom/);
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]!);
    // Virtual times are sums of floats: allow rounding in the last digit.
    gaps.forEach((gap) => assert.ok(gap >= 0 && gap <= 100 + 1e-9, `${strategy}: ${gaps}`));
    if (strategy === "exponential") {
      assert.deepEqual(gaps.map((g) => Math.round(g * 1e6) / 1e6), [20, 40, 80, 100, 100]);
    }
  }
});

Deno.test("retryWithBackoff retries only retryable errors, and only within the budget", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  let attempts = 0;
  const source = new Observable<number>((subscriber) => {
    attempts++;
    subscriber.error(new TypeError("not idempotent"));
  });
  const options = {
    maxRetries: 3,
    backoff: { strategy: "none" } as const,
    random: new Random(1),
    scheduler,
  };
  source.pipe(retryWithBackoff({ ...options, retryable: (e) => !(e instanceof TypeError) }))
    .subscribe({ error: () => {} });
  sim.runUntil(100);
  assert.equal(attempts, 1);
  attempts = 0;
  const budget = new RetryBudget({ ratio: 0, capacity: 2 });
  for (let i = 0; i < 3; i++) {
    source.pipe(retryWithBackoff({ ...options, budget })).subscribe({ error: () => {} });
  }
  sim.runUntil(200);
  assert.equal(attempts, 3 + 2, "three first attempts, and the two retries the budget held");
});

Deno.test("withDeadline fails a slow source at the deadline; rateLimit drops the excess", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  const seen: string[] = [];
  timer(80, scheduler).pipe(withDeadline(50, scheduler), map(() => "late"))
    .subscribe({
      next: (v) => seen.push(v),
      error: (e) => seen.push(`${e.name}@${scheduler.now()}`),
    });
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 });
  const passed: number[] = [];
  interval(10, scheduler).pipe(take(100), rateLimit(bucket, scheduler))
    .subscribe(() => passed.push(scheduler.now()));
  sim.runUntil(2000);
  assert.deepEqual(seen, ["TimeoutError@50"]);
  // 2 at once, then one per 100 ms over the remaining ~1000 ms.
  assert.ok(passed.length >= 11 && passed.length <= 12, `${passed.length}`);
});

Deno.test("withCircuitBreaker fails fast once open and lets one probe through later", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  const breaker = new CircuitBreaker({ windowCalls: 2, openMs: 100 });
  let calls = 0;
  const broken = new Observable<number>((s) => {
    calls++;
    s.error(new Error("down"));
  });
  const outcomes: string[] = [];
  const call = () =>
    broken.pipe(withCircuitBreaker(breaker, scheduler), catchError((e) => of(e.name)))
      .subscribe((v) => outcomes.push(String(v)));
  call();
  call();
  call();
  assert.equal(calls, 2);
  assert.deepEqual(outcomes, ["Error", "Error", "BreakerOpenError"]);
  sim.at(150, () => {
    call();
    call();
  });
  sim.runUntil(200);
  assert.equal(calls, 3, "one probe after openMs; the other call failed fast");
  assert.ok(new BreakerOpenError().message.startsWith("Cannot call"));
});

Deno.test("hedged sends a second request only if the first is slow, and takes the first answer", () => {
  const sim = new Simulation();
  const scheduler = new SimulationScheduler(sim);
  const delays = [200, 30];
  let sent = 0;
  const request = () => {
    const ms = delays[sent++]!;
    return timer(ms, scheduler).pipe(map(() => ms));
  };
  const seen: [number, number][] = [];
  hedged(request, 50, scheduler).subscribe((v) => seen.push([v, scheduler.now()]));
  sim.runUntil(1000);
  assert.deepEqual(seen, [[30, 80]]);
  assert.equal(sent, 2);
  sent = 0;
  delays.splice(0, 2, 10, 30);
  hedged(request, 50, scheduler).subscribe(() => {});
  sim.runUntil(2000);
  assert.equal(sent, 1, "a fast first answer cancels the hedge");
});
