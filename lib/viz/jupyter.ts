/**
 * Handing outputs to the Deno Jupyter kernel so that they arrive with their own cell.
 *
 * Deno's kernel (2.9.6) sends a cell's outputs from asynchronous operations that run only
 * when its event loop turns, and it may report the cell finished (`idle`) before the loop
 * has turned: the output then goes out late, or stamped with the next cell's request, and
 * a front end drops it or shows it under the next cell. A raw client shows which outputs
 * suffer: a cell's value (the kernel formats and sends it asynchronously, after the cell
 * has run), `Deno.jupyter.display` and `broadcast` whose promises nothing awaits, and even
 * an awaited display when no timer is pending. Waiting for one timer turn keeps the loop
 * running until the queued messages are sent, which is what the helpers here do. A cell's
 * value cannot be made safe this way (it is formatted after the cell's code has finished), so
 * chapters end a cell with `await show(...)` or `await print(...)` (figure.ts), which
 * resolve only after that turn, and leave the cell's value `undefined`.
 *
 * This is the one place in the library that uses a timer; it never affects results.
 *
 * @module
 */

/** Whether this code runs inside `deno jupyter` (reading `Deno.jupyter` throws outside it). */
export function inJupyterKernel(): boolean {
  try {
    const deno = (globalThis as { Deno?: { jupyter?: { broadcast?: unknown } } }).Deno;
    return typeof deno?.jupyter?.broadcast === "function";
  } catch {
    return false;
  }
}

/** Resolves after one turn of the event loop (a zero-delay timer). */
export function kernelTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A display bundle for a `Symbol.for("Jupyter.display")` method. Inside the kernel it is a
 * promise that resolves after one turn of the event loop, so the kernel keeps its loop
 * running, and sends what the cell queued, before it sends the value and reports the cell
 * finished. Elsewhere (tests, scripts) it is the bundle itself.
 */
export function displayWhenFlushed<T>(bundle: T): T | Promise<T> {
  if (!inJupyterKernel()) return bundle;
  return kernelTurn().then(() => bundle);
}
