// @ts-check
// The page's side of the compute worker: starts it, queues runs, and restarts it to stop
// a run or to grow the thread pool. The compiled wasm module is kept, so a restart only
// re-instantiates it. Messages follow protocol.js.

import { LabStoppedError, labMessage } from './protocol.js';

const here = new URL('.', import.meta.url);
const MAX_THREADS = 16;
// A compute worker that has not loaded by then never will: Firefox ESR can leave a worker
// blocked for ever in `new Worker()` as it starts its pool (seen while WebDriver BiDi
// listens for events: see the README), and wasm-bindgen-rayon's initThreadPool then waits
// for ever. Such a worker is replaced once; a second one that hangs is an error.
const LOAD_LIMIT_MS = 20_000;

/** A compute worker that did not load in time. */
class LabLoadError extends Error {}

/** @type {{ threaded?: Promise<WebAssembly.Module>, single?: Promise<WebAssembly.Module> } | null} */
let compiled = null;
/** @typedef {import('./protocol.js').LoadedMessage} Info */
/** @type {{ w: Worker, ready: Promise<Info>, pool: number, abort: (e: Error) => void } | null} */
let worker = null;
let nextId = 1;
/** @type {Map<number, { resolve: (m: any) => void, reject: (e: Error) => void, onProgress?: (m: import('./protocol.js').ProgressMessage) => void }>} */
const pending = new Map();

/** @param {'threaded' | 'single'} which */
function compile(which) {
  const path = which === 'threaded' ? 'pkg/lab_wasm_bg.wasm' : 'pkg-st/lab_wasm_bg.wasm';
  return WebAssembly.compileStreaming(fetch(new URL(path, here)));
}

/** Whether this page can use threads (SharedArrayBuffer needs cross-origin isolation). */
export const canThread = () => self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

/** @param {Error} error */
function failAll(error) {
  for (const [id, p] of pending) {
    p.reject(error);
    pending.delete(id);
  }
}

// What the tab's compute workers have measured of the machine (protocol.js `Measured`),
// kept for the tab's next page: its first prediction then starts from earlier timings.
// Session storage: it goes with the tab, never leaves the machine, and may be unavailable
// (then each page measures afresh).
const MEASURED_KEY = 'lab-measured';

/** @returns {import('./protocol.js').Measured | null} */
function measuredSoFar() {
  try {
    return JSON.parse(sessionStorage.getItem(MEASURED_KEY) ?? 'null');
  } catch {
    return null;
  }
}

/** @param {import('./protocol.js').Measured} measured */
function keepMeasured(measured) {
  try {
    sessionStorage.setItem(MEASURED_KEY, JSON.stringify(measured));
  } catch {
    // Storage refused (private mode, quota): the next page measures afresh.
  }
}

/** @param {number} pool */
function start(pool) {
  const wantThreads = canThread();
  compiled ??= {};
  const which = wantThreads ? 'threaded' : 'single';
  compiled[which] ??= compile(which);
  compiled.single ??= compile('single'); // process workers always load the single-threaded build
  const w = new Worker(new URL('compute-worker.js', here), { type: 'module', name: 'lab-compute' });
  /** @type {(e: Error) => void} */
  let abort = () => {};
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let watchdog;
  let armWatchdog = () => {};
  /** @type {Promise<Info>} */
  const ready = new Promise((resolve, reject) => {
    abort = reject;
    // Ends this worker and everything waiting on it; the next call starts a fresh one.
    const retire = (/** @type {Error} */ error) => {
      clearTimeout(watchdog);
      reject(error);
      w.terminate();
      if (worker?.w !== w) return; // already replaced: what is pending now is another worker's
      worker = null;
      failAll(error);
    };
    // Armed once the module is compiled and sent: a slow download is not a hang.
    armWatchdog = () => {
      watchdog = setTimeout(
        () => retire(new LabLoadError(`the compute worker did not start within ${LOAD_LIMIT_MS / 1000} s of getting its module`)),
        LOAD_LIMIT_MS,
      );
    };
    w.addEventListener('message', ({ data }) => {
      let msg;
      try {
        msg = labMessage(data, ['lab:loaded', 'lab:validated', 'lab:progress', 'lab:done', 'lab:need-pool', 'lab:error']);
      } catch (e) {
        return retire(/** @type {Error} */ (e)); // a worker that speaks another protocol cannot be trusted
      }
      if (msg.type === 'lab:loaded') {
        clearTimeout(watchdog);
        return resolve(msg);
      }
      // A worker that failed to load, or whose wasm panicked, cannot run again.
      if (msg.type === 'lab:error' && (msg.id === undefined || msg.broken)) return retire(new Error(msg.message));
      if (!('id' in msg) || msg.id === undefined) return;
      const p = pending.get(msg.id);
      if (!p) return; // an answer to a call that was stopped meanwhile
      if (msg.type === 'lab:progress') return p.onProgress?.(msg);
      pending.delete(msg.id);
      if (msg.type === 'lab:done' && msg.measured) keepMeasured(msg.measured);
      if (msg.type === 'lab:error') p.reject(new Error(msg.message));
      else p.resolve(msg);
    });
    // A worker that fails to load (a missing file, a script error) reports here.
    w.addEventListener('error', (e) => {
      e.preventDefault();
      retire(new Error(`the compute worker failed: ${e.message || 'could not load its script'}`));
    });
  });
  Promise.all([compiled[which], compiled.single])
    .then(([module, single]) => {
      w.postMessage({ type: 'lab:load', module, single, wantThreads, threads: pool, measured: measuredSoFar() });
      armWatchdog();
    })
    .catch((e) => {
      compiled = null; // let the next attempt fetch again
      w.dispatchEvent(new ErrorEvent('error', { message: `could not load the wasm module (${e.message})` }));
    });
  ready.catch(() => {}); // a worker stopped before anyone waited on it is no error
  worker = { w, ready, pool, abort };
  return worker;
}

/** Stops whatever runs, by ending the worker; the next call starts a fresh one. */
export function stop() {
  if (worker) {
    worker.w.terminate();
    // A run still waiting for the worker to load (it warms up first) has no pending
    // entry yet: without this, Stop during loading would leave it waiting for ever.
    worker.abort(new LabStoppedError());
  }
  worker = null;
  failAll(new LabStoppedError());
}

/** The worker, with a pool of at least `threadsNeeded` threads. @param {number} threadsNeeded */
function ensure(threadsNeeded) {
  const wanted = Math.min(MAX_THREADS, Math.max(navigator.hardwareConcurrency || 2, threadsNeeded));
  // The global rayon pool cannot grow: a bigger one means a new worker.
  if (worker && canThread() && worker.pool < threadsNeeded) stop();
  return worker ?? start(wanted);
}

/**
 * Sends one message and resolves with the worker's answer and what the worker is.
 * @param {Record<string, unknown>} message @param {number} threadsNeeded
 * @param {((m: import('./protocol.js').ProgressMessage) => void) | undefined} onProgress
 * @param {boolean} [retried] whether this is the second try after a worker that never loaded
 * @returns {Promise<any>}
 */
function call(message, threadsNeeded, onProgress, retried = false) {
  const { w, ready } = ensure(threadsNeeded);
  return ready.then((info) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: (d) => resolve({ ...d, info }), reject, onProgress });
    w.postMessage({ ...message, id });
  }), (e) => {
    if (e instanceof LabLoadError && !retried) return call(message, threadsNeeded, onProgress, true);
    throw e;
  });
}

// One call at a time: runs share the pool, and measuring two at once would measure
// neither. Checks of a link's settings wait their turn too: a run that needs a bigger
// pool replaces the worker, which would otherwise cut a check short.
let queue = Promise.resolve();

/** @template T @param {() => Promise<T>} job @returns {Promise<T>} */
function queued(job) {
  const result = queue.then(job);
  queue = result.then(() => {}, () => {});
  return result;
}

/**
 * Starts the worker and its pool ahead of the first call, so that a reader's first Run
 * does not wait for them. A failure to start waits for that call, which starts afresh.
 * @param {number} threadsNeeded
 */
export const warm = (threadsNeeded) => queued(async () => { ensure(threadsNeeded); });

/** Checks settings in Rust; resolves with the full parameters or rejects with why. */
export const validate = (/** @type {string} */ experiment, /** @type {Record<string, string>} */ settings) =>
  queued(() => call({ type: 'lab:validate', experiment, settings }, 1, undefined)).then((d) => d.params);

/**
 * Runs an experiment as Rust plans it; `onProgress` sees each `lab:progress` message.
 * `threadsHint` sizes the pool of a new worker; a run that needs more asks for it
 * (`lab:need-pool`) and is sent again to a worker with a pool that big.
 * @param {string} experiment @param {Record<string, string>} settings @param {number} threadsHint
 * @param {(m: import('./protocol.js').ProgressMessage) => void} onProgress
 */
export const run = (experiment, settings, threadsHint, onProgress) => queued(async () => {
  const message = { type: 'lab:run', experiment, settings };
  const answer = await call(message, threadsHint, onProgress);
  if (answer.type !== 'lab:need-pool') return answer;
  const again = await call(message, answer.threads, onProgress);
  if (again.type === 'lab:need-pool') throw new Error(`the worker pool could not grow to ${answer.threads} threads`);
  return again;
});
