/**
 * Distributed tracing, after Dapper (Sigelman et al., 2010): every request carries a trace
 * context (the trace's id and its parent span's id); every service that handles it
 * records a span (its name, its parent, when it started and ended on the service's own
 * clock) and passes a context naming its own span to the services it calls. The spans of
 * one trace form a tree, drawn as a waterfall.
 *
 * Spans are recorded as notes in the simulator's trace (`ctx.log("span", {...})`), the
 * way a real service hands them to a collector; {@link spansFromTrace} collects them.
 * A {@link TracedService} does some work of its own and then calls other services in
 * stages: the calls of one stage go out together (a fan-out) and the next stage starts
 * when every reply is in. {@link criticalPath} finds, in a trace, the spans the
 * request's latency waited on: shortening anything off that path does not make the
 * request faster.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { Node, NodeContext, NodeId } from "../sim/node.ts";
import type { Random } from "../sim/random.ts";
import type { Trace } from "../sim/trace.ts";
import { type Figure, plot } from "../viz/figure.ts";

/** What a call carries so the callee's span joins the caller's trace. */
export interface TraceContext {
  /** The trace: one id for every span of one request. */
  readonly traceId: string;
  /** The caller's span: the parent of the callee's. */
  readonly parentSpanId: string;
}

/** Every message of the traced services. */
export type TracingMessage =
  | { readonly type: "TracedCall"; readonly callId: number; readonly context: TraceContext }
  | { readonly type: "TracedReply"; readonly callId: number };

/** One span: a service's handling of one call. */
export interface Span {
  /** The trace it belongs to. */
  readonly traceId: string;
  /** Its id. */
  readonly spanId: string;
  /** Its parent's id, or null for the root. */
  readonly parentSpanId: string | null;
  /** The service (node) that recorded it. */
  readonly service: NodeId;
  /** When it started, on the service's clock, in ms. */
  readonly startMs: number;
  /** When it ended, on the service's clock, in ms. */
  readonly endMs: number;
}

/** What a traced service does with a call. */
export interface ServicePlan {
  /** Its own work before any call, uniform between these, in ms. */
  readonly workMs: readonly [number, number];
  /** With this probability the work takes `slowMs` instead (a tail). Default 0. */
  readonly slowProbability?: number;
  /** The slow work's time, in ms. Default 0. */
  readonly slowMs?: number;
  /** Calls to other services, stage by stage; a stage's calls go out together. Default none. */
  readonly stages?: readonly (readonly NodeId[])[];
}

/** 8 random bytes as hex: a span or trace id. */
export function traceIdFrom(random: Random): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += random.int(0, 256).toString(16).padStart(2, "0");
  return out;
}

type ServiceTimer = { readonly callId: number };

interface Handling {
  readonly from: NodeId;
  readonly callId: number;
  readonly span: Omit<Span, "endMs">;
  stage: number;
  waiting: Set<number>;
}

/** A service that records a span per call, works, and calls others in stages. */
export class TracedService implements Node<TracingMessage, ServiceTimer> {
  readonly #ctx: NodeContext<TracingMessage, ServiceTimer>;
  readonly #plan: ServicePlan;
  readonly #handling = new Map<number, Handling>();
  readonly #outgoing = new Map<number, number>();
  #nextCall = 1;

  /** A service acting through `ctx` by `plan`. */
  constructor(ctx: NodeContext<TracingMessage, ServiceTimer>, plan: ServicePlan) {
    this.#ctx = ctx;
    this.#plan = plan;
  }

  /** Starts a span for each call; finishes a stage when its last reply comes. */
  onMessage(from: NodeId, message: TracingMessage): void {
    if (message.type === "TracedCall") {
      const id = this.#nextCall++;
      this.#handling.set(id, {
        from,
        callId: message.callId,
        span: {
          traceId: message.context.traceId,
          spanId: traceIdFrom(this.#ctx.random),
          parentSpanId: message.context.parentSpanId,
          service: this.#ctx.id,
          startMs: this.#ctx.now(),
        },
        stage: -1,
        waiting: new Set(),
      });
      const [min, max] = this.#plan.workMs;
      const slow = this.#ctx.random.chance(this.#plan.slowProbability ?? 0);
      this.#ctx.setTimer(slow ? this.#plan.slowMs ?? 0 : this.#ctx.random.uniform(min, max), {
        callId: id,
      });
      return;
    }
    const id = this.#outgoing.get(message.callId);
    if (id === undefined) return;
    this.#outgoing.delete(message.callId);
    const handling = this.#handling.get(id);
    if (handling === undefined) return;
    handling.waiting.delete(message.callId);
    if (handling.waiting.size === 0) this.#nextStage(id, handling);
  }

  /** The service's own work is done: start calling. */
  onTimer(payload: ServiceTimer): void {
    const handling = this.#handling.get(payload.callId);
    if (handling !== undefined) this.#nextStage(payload.callId, handling);
  }

  #nextStage(id: number, handling: Handling): void {
    const stages = this.#plan.stages ?? [];
    handling.stage++;
    const stage = stages[handling.stage];
    if (stage === undefined) {
      this.#handling.delete(id);
      const span: Span = { ...handling.span, endMs: this.#ctx.now() };
      this.#ctx.log("span", { ...span });
      this.#ctx.send(handling.from, { type: "TracedReply", callId: handling.callId });
      return;
    }
    for (const target of stage) {
      const callId = this.#nextCall++;
      this.#outgoing.set(callId, id);
      handling.waiting.add(callId);
      this.#ctx.send(target, {
        type: "TracedCall",
        callId,
        context: { traceId: handling.span.traceId, parentSpanId: handling.span.spanId },
      });
    }
  }
}

/** Options of a {@link TracingClient}. */
export interface TracingClientOptions {
  /** The service the client calls. */
  readonly entry: NodeId;
  /** How many requests, one after another. */
  readonly requests: number;
}

/** A client: starts a trace per request (its span is the root) and sends them one at a time. */
export class TracingClient implements Node<TracingMessage> {
  readonly #ctx: NodeContext<TracingMessage>;
  readonly #options: TracingClientOptions;
  #sent = 0;
  #root: Omit<Span, "endMs"> | undefined;

  /** A client acting through `ctx`. */
  constructor(ctx: NodeContext<TracingMessage>, options: TracingClientOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Sends the first request. */
  start(): void {
    this.#send();
  }

  /** Closes the root span, sends the next request. */
  onMessage(_from: NodeId, message: TracingMessage): void {
    if (message.type !== "TracedReply" || this.#root === undefined) return;
    this.#ctx.log("span", { ...this.#root, endMs: this.#ctx.now() });
    this.#root = undefined;
    this.#send();
  }

  #send(): void {
    if (this.#sent >= this.#options.requests) return;
    this.#sent++;
    const traceId = traceIdFrom(this.#ctx.random);
    this.#root = {
      traceId,
      spanId: traceIdFrom(this.#ctx.random),
      parentSpanId: null,
      service: this.#ctx.id,
      startMs: this.#ctx.now(),
    };
    this.#ctx.send(this.#options.entry, {
      type: "TracedCall",
      callId: this.#sent,
      context: { traceId, parentSpanId: this.#root.spanId },
    });
  }
}

/** Every span recorded in `trace`, in the order they ended. */
export function spansFromTrace(trace: Trace): Span[] {
  return trace.ofKind("note")
    .filter((record) => record.text === "span" && record.data !== undefined)
    .map((record) => record.data as unknown as Span);
}

/** A span's share of the critical path: the time the request waited on it alone. */
export interface CriticalSegment {
  /** The span. */
  readonly span: Span;
  /** The part of the critical path spent in this span and not in a child, in ms. */
  readonly selfMs: number;
}

/**
 * The critical path of a trace's span tree: starting from the root's end, walk back to
 * the child that ended last before it, take that child's own critical path, continue
 * from that child's start, and count the gaps as the parent's own time. For a fan-out,
 * only the slowest call of each stage is on the path. The segments' times add up to the
 * root's duration.
 *
 * @example
 * ```ts
 * import { criticalPath, type Span } from "./tracing.ts";
 *
 * const s = (spanId: string, parentSpanId: string | null, startMs: number, endMs: number): Span =>
 *   ({ traceId: "t", spanId, parentSpanId, service: spanId, startMs, endMs });
 * const path = criticalPath([s("root", null, 0, 10), s("a", "root", 1, 4), s("b", "root", 1, 8)]);
 * path.map((p) => `${p.span.spanId}:${p.selfMs}`); // ["root:1", "b:7", "root:2"]
 * ```
 */
export function criticalPath(spans: readonly Span[]): CriticalSegment[] {
  const root = spans.find((span) => span.parentSpanId === null);
  if (root === undefined) throw new RangeError("Cannot find a critical path: no root span");
  const children = new Map<string, Span[]>();
  for (const span of spans) {
    if (span.parentSpanId === null) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const walk = (span: Span, untilMs: number): CriticalSegment[] => {
    // Segments are collected backwards from `untilMs`, then reversed.
    const segments: CriticalSegment[][] = [];
    let t = Math.min(untilMs, span.endMs);
    const kids = [...(children.get(span.spanId) ?? [])].sort((a, b) => b.endMs - a.endMs);
    // One pass over the children, latest end first: each is taken at most once, so the
    // walk ends even for zero-length spans.
    for (const next of kids) {
      if (next.endMs > t || next.startMs < span.startMs) continue;
      if (t > next.endMs) segments.push([{ span, selfMs: t - next.endMs }]);
      segments.push(walk(next, next.endMs));
      t = next.startMs;
    }
    if (t > span.startMs) segments.push([{ span, selfMs: t - span.startMs }]);
    return segments.reverse().flat();
  };
  return walk(root, root.endMs);
}

/** Options of {@link traceWaterfall}. */
export interface TraceWaterfallOptions {
  /** The figure's title. */
  readonly title?: string;
  /** The figure's subtitle. */
  readonly subtitle?: string;
  /** Width in pixels. Default 760. */
  readonly width?: number;
}

/**
 * The waterfall of one trace: a bar per span from its start to its end, named at its
 * start, children under their parent (depth first), times from the root's start. Spans on the critical path are
 * dark; the rest light.
 */
export function traceWaterfall(
  spans: readonly Span[],
  options: TraceWaterfallOptions = {},
): Figure {
  const root = spans.find((span) => span.parentSpanId === null);
  if (root === undefined) throw new RangeError("Cannot draw a waterfall: no root span");
  const critical = new Set(criticalPath(spans).map((segment) => segment.span.spanId));
  const ordered: { span: Span; depth: number }[] = [];
  const visit = (span: Span, depth: number) => {
    ordered.push({ span, depth });
    spans.filter((s) => s.parentSpanId === span.spanId)
      .sort((a, b) => a.startMs - b.startMs || a.service.localeCompare(b.service))
      .forEach((child) => visit(child, depth + 1));
  };
  visit(root, 0);
  const rows = ordered.map(({ span, depth }, i) => ({
    // The row's key is its place in the tree; the service's name is drawn at the bar.
    row: i,
    service: span.service,
    depth,
    start: span.startMs - root.startMs,
    end: span.endMs - root.startMs,
    durationMs: Math.round((span.endMs - span.startMs) * 10) / 10,
    onPath: critical.has(span.spanId) ? "on the critical path" : "off the path",
  }));
  return plot({
    title: options.title ?? "Trace waterfall",
    ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
    width: options.width ?? 760,
    height: 40 + rows.length * 24,
    marginLeft: 80,
    marginRight: 60,
    x: { label: "ms since the request started", grid: true },
    y: { axis: null, domain: rows.map((r) => r.row) },
    color: {
      legend: true,
      domain: ["on the critical path", "off the path"],
      range: ["#1f5f99", "#a9c8e6"],
    },
    marks: [
      Plot.barX(rows, {
        x1: "start",
        x2: "end",
        y: "row",
        fill: "onPath",
        insetTop: 3,
        insetBottom: 3,
      }),
      Plot.text(rows, { x: "start", y: "row", text: "service", textAnchor: "end", dx: -4 }),
      Plot.text(rows, {
        x: "end",
        y: "row",
        text: (r: { durationMs: number }) => `${r.durationMs} ms`,
        textAnchor: "start",
        dx: 4,
        fontSize: 10,
      }),
    ],
  });
}
