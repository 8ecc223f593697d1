/**
 * Shared pieces of the viz tests: a small faulty run with every kind of event the
 * space-time diagram draws, and a parser to query figure markup.
 */
import { parseHTML } from "linkedom";
import { Simulation } from "../../lib/sim/mod.ts";

/** Messages of the fixture run. */
export type GossipMessage =
  | { type: "Ping"; seq: number }
  | { type: "Pong"; seq: number }
  | { type: "Gossip"; round: number };

/** The node ids of the fixture run, in the order they are added. */
export const NODES = ["n1", "n2", "n3", "n4"] as const;

/**
 * Four nodes pinging and gossiping at random over a lossy network, with a partition
 * {n1 n2} | {n3 n4} from 60 to 110 ms, n3 crashed from 130 to 170 ms and n2 paused from
 * 200 to 230 ms. Notes: "recovered" after the restart and one with markup characters.
 */
export function faultyRun(seed = 3, untilMs = 300): Simulation<GossipMessage> {
  const sim = new Simulation<GossipMessage>({
    seed,
    network: { latency: { kind: "uniform", minMs: 3, maxMs: 12 }, lossProbability: 0.06 },
    faults: [
      { atMs: 60, kind: "partition", groups: [["n1", "n2"], ["n3", "n4"]] },
      { atMs: 110, kind: "heal" },
      { atMs: 130, kind: "crash", node: "n3" },
      { atMs: 170, kind: "restart", node: "n3" },
      { atMs: 200, kind: "pause", node: "n2" },
      { atMs: 230, kind: "resume", node: "n2" },
    ],
  });
  sim.addNodes([...NODES], (ctx) => {
    let seq = 0;
    return {
      start: () => {
        ctx.setTimer(ctx.random.uniform(5, 15), "tick");
        if (ctx.incarnation > 1) ctx.log("recovered", { incarnation: ctx.incarnation });
        if (ctx.id === "n4") ctx.log("watch <this> & that");
      },
      onTimer: () => {
        const peer = ctx.random.pick(ctx.peers);
        ctx.send(peer, seq % 3 === 2 ? { type: "Gossip", round: seq } : { type: "Ping", seq });
        seq++;
        ctx.setTimer(ctx.random.uniform(15, 30), "tick");
      },
      onMessage: (from, message) => {
        if (message.type === "Ping") ctx.send(from, { type: "Pong", seq: message.seq });
      },
    };
  });
  sim.runUntil(untilMs);
  return sim;
}

/** A queryable element of parsed markup. */
export interface ParsedElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): ParsedElement | null;
  querySelectorAll(selector: string): ArrayLike<ParsedElement>;
}

/** Parses figure markup into a document to query with CSS selectors. */
export function parseMarkup(markup: string): ParsedElement {
  const window = parseHTML(`<!DOCTYPE html><html><body>${markup}</body></html>`) as unknown as {
    document: { body: ParsedElement };
  };
  return window.document.body;
}

/** The elements matching `selector` in `markup`, as a plain array. */
export function select(markup: string, selector: string): ParsedElement[] {
  return Array.from(parseMarkup(markup).querySelectorAll(selector));
}

/** The text of each element matching `selector` in `markup`. */
export function texts(markup: string, selector: string): string[] {
  return select(markup, selector).map((element) => element.textContent ?? "");
}

/** How many elements match `selector` in `markup`. */
export function count(markup: string, selector: string): number {
  return parseMarkup(markup).querySelectorAll(selector).length;
}

/** The text of each `<title>` under elements matching `selector`. */
export function titles(markup: string, selector: string): string[] {
  return texts(markup, `${selector} title`);
}
