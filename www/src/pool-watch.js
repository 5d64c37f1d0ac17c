// @ts-check
// The pool's threads run in workers that wasm-bindgen-rayon starts. A thread that traps
// without a panic (out of memory, a stack overflow) ends inside its worker's promise
// chain: no panic hook runs and its run would wait for ever. While the pool starts, each
// of its workers is started through a small wrapper that reports such an end to the
// compute worker as `lab:pool-trap`.

/**
 * The wrapper's source: it holds the messages that arrive while the pool's own script
 * loads, reports a trap, then hands the held messages to that script.
 * @param {string} helpers the URL of the pool's worker script
 */
const wrapper = (helpers) => `
const held = [];
const hold = (e) => held.push(e.data);
self.addEventListener('message', hold);
const report = (why) => self.postMessage({ type: 'lab:pool-trap', message: String(why && why.message ? why.message : why) });
self.addEventListener('unhandledrejection', (e) => report(e.reason));
self.addEventListener('error', (e) => report(e.error ?? e.message));
await import(${JSON.stringify(helpers)});
self.removeEventListener('message', hold);
for (const data of held) self.dispatchEvent(new MessageEvent('message', { data }));
`;

/**
 * Runs `start` (which starts the pool) with every worker it creates wrapped, and calls
 * `onTrap` with the message of any of them that traps later.
 * @template T
 * @param {() => Promise<T>} start
 * @param {(message: string) => void} onTrap
 * @returns {Promise<T>}
 */
export async function startWatchedPool(start, onTrap) {
  const scope = /** @type {any} */ (self);
  const Plain = scope.Worker;
  scope.Worker = class extends Plain {
    /** @param {string | URL} url @param {WorkerOptions} [options] */
    constructor(url, options) {
      const script = URL.createObjectURL(new Blob([wrapper(String(url))], { type: 'text/javascript' }));
      super(script, options);
      this.addEventListener('message', (/** @type {MessageEvent} */ { data }) => {
        if (data?.type === 'wasm_bindgen_worker_ready') URL.revokeObjectURL(script);
        if (data?.type === 'lab:pool-trap') onTrap(String(data.message));
      });
    }
  };
  try {
    return await start();
  } finally {
    // Process workers, started later, are not pool threads.
    scope.Worker = Plain;
  }
}
