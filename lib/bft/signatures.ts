/**
 * Authenticated messages, simulated. Every replica and client signs what it sends with a
 * secret key only its own {@link Signer} holds; anyone can check a signature through the
 * shared {@link Verifier}. The "signature" is a keyed hash (a MAC over the message's
 * canonical text): not cryptography, but in the simulation a node can compute only its
 * own MAC, because the key ring gives each node a signer bound to its own key and never
 * the keys themselves. So a Byzantine node can replay what others signed, and sign lies
 * of its own, but it cannot forge another node's statement: verification rejects it.
 *
 * @module
 */
import type { NodeId } from "../sim/node.ts";
import { mix32, type Random } from "../sim/random.ts";

/** A signature: who signed, and the MAC of the signed text under the signer's key. */
export interface Signature {
  /** The node whose key made the MAC. */
  readonly by: NodeId;
  /** The MAC, 16 hex digits. */
  readonly mac: string;
}

/** A signed value: any object with a `sig` field over the rest of its fields. */
export interface Signed {
  /** The signature over every other field. */
  readonly sig: Signature;
}

/**
 * The canonical text of a value: JSON with object keys sorted, so the same content
 * always gives the same text whatever order its fields were written in.
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  // Messages are values (never changed once sent), and certificates nest the same
  // messages again and again: remember each frozen object's text.
  const known = Object.isFrozen(value) ? texts.get(value) : undefined;
  if (known !== undefined) return known;
  const text = canonicalText(value);
  if (Object.isFrozen(value)) texts.set(value, text);
  return text;
}

/** Canonical texts of frozen objects. */
const texts = new WeakMap<object, string>();

function canonicalText(value: object): string {
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) text += (i === 0 ? "" : ",") + canonical(value[i]);
    return text + "]";
  }
  const keys = Object.keys(value).sort();
  let text = "{";
  for (const key of keys) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    text += (text.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + leaf(field);
  }
  return text + "}";
}

function leaf(value: unknown): string {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  return canonical(value);
}

/** A 64-bit digest of a text, as 16 hex digits (two seeded 32-bit hashes). */
export function digestText(text: string): string {
  // Two FNV-1a hashes with different bases in one pass, each finished with an avalanche.
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  const hex = (h: number) => mix32(h).toString(16).padStart(8, "0");
  return hex(a) + hex(b);
}

/** The text a signature covers: every field but `sig`. */
function signedText(value: object): string {
  const { sig: _sig, ...rest } = value as Record<string, unknown>;
  return canonical(rest);
}

/** Signs values with one node's key. The only way a node can make its own signature. */
export interface Signer {
  /** The node this signer signs for. */
  readonly id: NodeId;
  /** `value` with a `sig` field made with this node's key. */
  sign<V extends object>(value: V): V & Signed;
}

/** Checks signatures made with any node's key. */
export interface Verifier {
  /** Whether `value.sig` is a valid signature by `value.sig.by` over the rest of `value`. */
  verify(value: object): boolean;
}

/**
 * The keys of every node in a run, drawn from a seeded stream. The simulation's builder
 * holds the ring; each node gets only {@link KeyRing.signer} for its own id and the
 * shared {@link KeyRing.verifier}.
 *
 * @example
 * ```ts
 * import { Random } from "../sim/random.ts";
 * import { KeyRing } from "./signatures.ts";
 *
 * const ring = new KeyRing(["r0", "r1"], new Random(1, "keys"));
 * const signed = ring.signer("r0").sign({ type: "Prepare", seq: 1 });
 * ring.verifier.verify(signed); // true
 * ring.verifier.verify({ ...signed, seq: 2 }); // false: the content changed
 * ```
 */
export class KeyRing {
  readonly #keys = new Map<NodeId, string>();
  readonly #verified = new WeakMap<object, boolean>();

  /** Keys for `ids`, drawn from `random`. */
  constructor(ids: readonly NodeId[], random: Random) {
    for (const id of ids) {
      this.#keys.set(id, `${random.uint32().toString(16)}:${random.uint32().toString(16)}`);
    }
  }

  /** The signer of node `id`. Throws a RangeError for a node without a key. */
  signer(id: NodeId): Signer {
    const key = this.#keys.get(id);
    if (key === undefined) throw new RangeError(`Cannot make a signer for ${id}: it has no key`);
    return {
      id,
      sign: <V extends object>(value: V): V & Signed => {
        const { sig: _old, ...rest } = value as V & Partial<Signed>;
        // Signed values are frozen: a signature covers a value that no one changes after.
        const sig = Object.freeze({ by: id, mac: digestText(`${key}|${signedText(rest)}`) });
        const signed = Object.freeze({ ...rest, sig });
        // Signed here, so valid: the verifier need not check it again.
        this.#verified.set(signed, true);
        return signed as V & Signed;
      },
    };
  }

  /** The verifier every node shares. */
  get verifier(): Verifier {
    return {
      verify: (value) => {
        // A sent message is frozen: check it once, however many replicas receive it.
        const known = Object.isFrozen(value) ? this.#verified.get(value) : undefined;
        if (known !== undefined) return known;
        const sig = (value as Partial<Signed>).sig;
        let valid = false;
        if (sig !== undefined && typeof sig === "object") {
          const key = this.#keys.get(sig.by);
          valid = key !== undefined && digestText(`${key}|${signedText(value)}`) === sig.mac;
        }
        if (Object.isFrozen(value)) this.#verified.set(value, valid);
        return valid;
      },
    };
  }
}

/** A forger's best try: `value` "signed as" `as`, with a MAC made under its own key. */
export function forge<V extends object>(signer: Signer, value: V, as: NodeId): V & Signed {
  const signed = signer.sign(value);
  return { ...signed, sig: { by: as, mac: signed.sig.mac } };
}
