// The page's side of the compute worker: starts it, queues runs, and restarts it to stop
// a run or to grow the thread pool. The compiled wasm module is kept, so a restart only
// re-instantiates it.

const here = new URL('.', import.meta.url);
const MAX_THREADS = 16;

let compiled = null; // { threaded: Promise<WebAssembly.Module>, single: ... }
let worker = null;   // { w, ready: Promise<info>, pool, abort(message) }
let nextId = 1;
const pending = new Map(); // id -> { resolve, reject, onProgress }

function compile(which) {
  const path = which === 'threaded' ? 'pkg/lab_wasm_bg.wasm' : 'pkg-st/lab_wasm_bg.wasm';
  return WebAssembly.compileStreaming(fetch(new URL(path, here)));
}

/** Whether this page can use threads (SharedArrayBuffer needs cross-origin isolation). */
export const canThread = () => self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

function failAll(message) {
  for (const [id, p] of pending) {
    p.reject(new Error(message));
    pending.delete(id);
  }
}

function start(pool) {
  const wantThreads = canThread();
  compiled ??= {};
  const which = wantThreads ? 'threaded' : 'single';
  compiled[which] ??= compile(which);
  compiled.single ??= compile('single'); // process workers always load the single-threaded build
  const w = new Worker(new URL('compute-worker.js', here), { type: 'module', name: 'lab-compute' });
  let abort;
  const ready = new Promise((resolve, reject) => {
    abort = (message) => reject(new Error(message));
    // Ends this worker and everything waiting on it; the next call starts a fresh one.
    const retire = (message) => {
      reject(new Error(message));
      w.terminate();
      if (worker?.w !== w) return; // already replaced: what is pending now is another worker's
      worker = null;
      failAll(message);
    };
    w.addEventListener('message', ({ data }) => {
      if (!data || typeof data.type !== 'string') return;
      if (data.type === 'lab:loaded') return resolve(data);
      // A worker that failed to load, or whose wasm panicked, cannot run again.
      if (data.type === 'lab:error' && (data.id === undefined || data.broken)) return retire(data.message);
      const p = pending.get(data.id);
      if (!p) return;
      if (data.type === 'lab:progress') p.onProgress?.(data);
      else {
        pending.delete(data.id);
        if (data.type === 'lab:error') p.reject(new Error(data.message));
        else p.resolve(data);
      }
    });
    // A worker that fails to load (a missing file, a script error) reports here.
    w.addEventListener('error', (e) => {
      e.preventDefault();
      retire(`the compute worker failed: ${e.message || 'could not load its script'}`);
    });
  });
  Promise.all([compiled[which], compiled.single])
    .then(([module, single]) => w.postMessage({ type: 'lab:load', module, single, wantThreads, threads: pool }))
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
    worker.abort('stopped');
  }
  worker = null;
  failAll('stopped');
}

function ensure(threadsNeeded) {
  const wanted = Math.min(MAX_THREADS, Math.max(navigator.hardwareConcurrency || 2, threadsNeeded));
  // The global rayon pool cannot grow: a bigger one means a new worker.
  if (worker && canThread() && worker.pool < threadsNeeded) stop();
  return worker ?? start(wanted);
}

function call(message, threadsNeeded, onProgress) {
  const { w, ready } = ensure(threadsNeeded);
  return ready.then((info) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve: (d) => resolve({ ...d, info }), reject, onProgress });
    w.postMessage({ ...message, id });
  }));
}

// One call at a time: runs share the pool, and measuring two at once would measure
// neither. Checks of a link's settings wait their turn too: a run that needs a bigger
// pool replaces the worker, which would otherwise cut a check short.
let queue = Promise.resolve();

function queued(message, threads, onProgress) {
  const result = queue.then(() => call(message, threads, onProgress));
  queue = result.catch(() => {});
  return result;
}

/** Checks settings in Rust; resolves with the full parameters or rejects with why. */
export const validate = (experiment, settings) =>
  queued({ type: 'lab:validate', experiment, settings }, 1).then((d) => d.params);

/** Runs an experiment; `onProgress` sees `{fraction, model, chart}` while it goes on. */
export const run = (experiment, settings, threads, onProgress) =>
  queued({ type: 'lab:run', experiment, settings }, threads, onProgress);
