/**
 * Compact binary timestamps: unsigned LEB128 varints (7 bits per byte, the high bit set
 * on every byte but the last), the encoding of Protocol Buffers. Small counters take one
 * byte, which is what makes a timestamp's size on the wire a fair comparison.
 *
 * @module
 */

/**
 * Bytes an unsigned varint takes for `value` (a whole number from 0 to 2^53 - 1).
 *
 * @example
 * ```ts
 * varintSize(127); // 1
 * varintSize(128); // 2
 * ```
 */
export function varintSize(value: number): number {
  checkVarint(value);
  let bytes = 1;
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

/** Appends `value` to `out` as a varint. */
export function writeVarint(out: number[], value: number): void {
  checkVarint(value);
  let rest = value;
  while (rest >= 128) {
    out.push((rest % 128) | 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

/** Reads a varint from `bytes` at `offset`: the value and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0, scale = 1, at = offset;
  for (;;) {
    const byte = bytes[at];
    if (byte === undefined) {
      throw new RangeError(`Cannot read a varint at byte ${offset}: the bytes end inside it`);
    }
    at++;
    value += (byte & 127) * scale;
    if (byte < 128) return [value, at];
    scale *= 128;
    if (scale > 2 ** 56) {
      throw new RangeError(`Cannot read a varint at byte ${offset}: it is longer than 8 bytes`);
    }
  }
}

function checkVarint(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot encode ${value} as a varint: it must be a whole number from 0 to 2^53 - 1`,
    );
  }
}
