/**
 * Reusable zod field schemas with messages in the course's voice: the rule, then what was
 * given ("must be between 0 and 1, got 1.5"). Zod numbers already reject NaN and
 * infinities.
 *
 * @module
 */
import { z } from "zod";

/** A probability: a finite number in [0, 1]. */
export function probability(): z.ZodNumber {
  return z.number().min(0, { error: "must be between 0 and 1" })
    .max(1, { error: "must be between 0 and 1" });
}

/** A duration or instant in milliseconds that may be zero. */
export function nonNegativeMs(): z.ZodNumber {
  return z.number().min(0, { error: "must be at least 0 ms" });
}

/** A duration in milliseconds that must be greater than zero. */
export function positiveMs(): z.ZodNumber {
  return z.number().gt(0, { error: "must be greater than 0 ms" });
}

/** A positive finite number (a rate, a scale, a shape parameter). */
export function positiveNumber(): z.ZodNumber {
  return z.number().gt(0, { error: "must be greater than 0" });
}

/** A finite number that may be zero but not negative. */
export function nonNegativeNumber(): z.ZodNumber {
  return z.number().min(0, { error: "must be at least 0" });
}

/** A whole number no smaller than `min`. */
export function integerAtLeast(min: number): z.ZodNumber {
  return z.number().int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` });
}

/** A seed: a whole number from 0 to 2^32 - 1. */
export function seedField(): z.ZodNumber {
  return z.number().int({ error: "must be a whole number" })
    .min(0, { error: "must be between 0 and 4294967295" })
    .max(0xffffffff, { error: "must be between 0 and 4294967295" });
}

/**
 * A node id: a non-empty name without spaces ("n1", "client-3"), and not a name every
 * object already has (`toString`, `constructor`, `__proto__`, ...): ids key plain
 * objects such as `clocks`, where such a name would read the built-in instead.
 */
export function nodeIdField(): z.ZodString {
  return z.string().regex(/^[^\s]+$/, { error: "must be a non-empty name without spaces" })
    .refine((id) => !isObjectPrototypeName(id), {
      error: "must not be a name every object has (toString, constructor, __proto__, ...)",
    });
}

/** Whether `name` is a property of every plain object (`toString`, `__proto__`, ...). */
export function isObjectPrototypeName(name: string): boolean {
  return name in Object.prototype;
}

/**
 * The fields of `shape` with some defaults replaced, each keeping its validation and its
 * description: a knob is declared once (in the protocol's options schema), and a use that
 * needs another default says so by name here instead of declaring the field again.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 *
 * const Options = z.strictObject({ timeoutMs: positiveMs().default(150).describe("Timeout") });
 * const Fast = z.strictObject(withDefaults(Options.shape, { timeoutMs: 50 }));
 * Fast.parse({}).timeoutMs; // 50
 * ```
 */
export function withDefaults<S extends Readonly<Record<string, z.ZodType>>>(
  shape: S,
  defaults: { readonly [K in keyof S]?: z.output<S[K]> },
): S {
  const fields: Record<string, z.ZodType> = { ...shape };
  for (const [key, value] of Object.entries(defaults)) {
    const field = shape[key];
    if (!(field instanceof z.ZodDefault)) {
      throw new TypeError(`Cannot override the default of "${key}": the field has no default`);
    }
    const redefaulted = (field.unwrap() as z.ZodType).default(value as never);
    fields[key] = field.description === undefined
      ? redefaulted
      : redefaulted.describe(field.description);
  }
  return fields as S;
}
