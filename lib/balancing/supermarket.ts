/**
 * The supermarket model (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", IEEE TPDS 2001): requests arrive as a Poisson stream at rate λn to n FIFO
 * servers with exponential service of mean 1; each samples d servers and joins the
 * shortest queue. As n → ∞ the fraction of servers with at least i requests tends to
 * λ^((d^i − 1)/(d − 1)), and the mean time in system to
 * T_d(λ) = Σ_{i ≥ 1} λ^((d^i − d)/(d − 1)), which is 1/(1 − λ) for d = 1.
 *
 * @module
 */

/**
 * The fixed point's mean time in system T_d(λ), in units of the mean service time.
 *
 * @example
 * ```ts
 * supermarketSojourn(0.9, 1); // 10
 * supermarketSojourn(0.9, 2); // 2.614
 * supermarketSojourn(0.9, 3); // 2.028
 * ```
 */
export function supermarketSojourn(lambda: number, d: number): number {
  if (!(lambda >= 0 && lambda < 1)) {
    throw new RangeError(`Cannot solve the supermarket model: λ must be in [0, 1), got ${lambda}`);
  }
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(
      `Cannot solve the supermarket model: d must be a whole number at least 1, got ${d}`,
    );
  }
  if (d === 1) return 1 / (1 - lambda);
  let total = 0;
  // Exponents (d^i − d)/(d − 1) grow doubly exponentially, so a few dozen terms suffice.
  for (let i = 1; i < 64; i++) {
    const exponent = (d ** i - d) / (d - 1);
    const term = lambda ** exponent;
    total += term;
    if (term < 1e-15) break;
  }
  return total;
}

/**
 * The fixed point's fraction of servers holding at least `i` requests:
 * λ^((d^i − 1)/(d − 1)), or λ^i for d = 1.
 *
 * @example
 * ```ts
 * supermarketTail(0.9, 2, 3); // 0.9^7 = 0.478
 * ```
 */
export function supermarketTail(lambda: number, d: number, i: number): number {
  return d === 1 ? lambda ** i : lambda ** ((d ** i - 1) / (d - 1));
}
