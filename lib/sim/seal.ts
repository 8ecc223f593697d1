/**
 * Sealing a message on send: a deep freeze that also proves the message is data the
 * trace can hold. A receiver then cannot change anything the sender still holds, however
 * deep, and a message the trace could not serialise (a cycle, a BigInt) fails at its
 * send, naming where, instead of after the run when the trace is hashed.
 *
 * @module
 */

/** Deeper than this, a message is searched for a cycle; no protocol nests that far. */
const MAX_DEPTH = 64;

/** The walk's reason when it went too deep: a cycle, or too much nesting. */
const DEEP = "deep";
/** The walk's reason when it met a BigInt. */
const BIGINT = "bigint";

/** Thrown inside the walk, caught by {@link sealMessage}. */
class Unsendable {
  constructor(readonly reason: string) {}
}

/**
 * Checks that `message` is an object with a string `type` holding only data the trace
 * can record (no cycle, no BigInt) and, when `freeze` is set, freezes it and everything
 * it holds. Returns why it cannot be sent, or undefined when it can.
 *
 * A nested object that is already frozen is taken as sealed (it was sent before, or its
 * owner froze it), so a forwarded message or a log entry shared by many messages is not
 * walked again on every send. (A WeakSet of sealed messages would say so exactly, but
 * costs more than the walk on the millions of fresh messages of a sweep.)
 */
export function sealMessage(message: unknown, freeze: boolean): string | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return `a message must be an object with a string type, got ${describe(message)}`;
  }
  const type = (message as { type?: unknown }).type;
  if (typeof type !== "string") {
    return `a message must have a string type, got type ${describe(type)}`;
  }
  try {
    walk(message as Record<string, unknown>, 0, freeze);
  } catch (error) {
    if (error instanceof Unsendable) {
      if (error.reason === DEEP) {
        const cycle = findCycle(message, [], "");
        return cycle === undefined
          ? `it nests deeper than ${MAX_DEPTH} levels`
          : `it is cyclic: ${cycle} holds one of its own containers`;
      }
      return `${findBigInt(message, "")} is a BigInt, which the trace cannot hold ` +
        "(send it as a string)";
    }
    throw error;
  }
  return undefined;
}

function walk(value: Record<string, unknown> | unknown[], depth: number, freeze: boolean): void {
  if (depth === MAX_DEPTH) throw new Unsendable(DEEP);
  // Arrays by index, objects by for-in (own fields only on plain data; no key array is
  // allocated, which matters on the hot path of every send).
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkItem(value[i], depth, freeze);
  } else {
    for (const key in value) {
      if (Object.hasOwn(value, key)) checkItem(value[key], depth, freeze);
    }
  }
  if (freeze) Object.freeze(value);
}

function checkItem(item: unknown, depth: number, freeze: boolean): void {
  if (typeof item === "object") {
    if (item !== null && !Object.isFrozen(item)) {
      walk(item as Record<string, unknown>, depth + 1, freeze);
    }
  } else if (typeof item === "bigint") {
    throw new Unsendable(BIGINT);
  }
}

/** The path of the first BigInt in `value`: a second, careful pass, run only when there is one. */
function findBigInt(value: unknown, path: string): string | undefined {
  if (typeof value === "bigint") return `message${path}`;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = findBigInt(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The path of the first value that contains one of its ancestors, if any. */
function findCycle(value: unknown, ancestors: unknown[], path: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  if (ancestors.includes(value)) return `message${path}`;
  ancestors.push(value);
  for (const [key, item] of Object.entries(value)) {
    const found = findCycle(
      item,
      ancestors,
      Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
    );
    if (found !== undefined) return found;
  }
  ancestors.pop();
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  return String(value);
}
