// scripts/bench's worker: loads one wasm build of the site (threaded with a rayon pool,
// or single-threaded) and runs the bench.rs entry points on request, so every kernel is
// timed inside a worker, as the widgets' runs are. Messages are namespaced `bench:*`.

import { loadProcessScript } from '../lab/process-scripts.js';

const epochMs = () => performance.timeOrigin + performance.now();
let lab = null;
let singleModule = null; // the single-threaded build, for process workers
let processScript = null;

async function load({ threaded, module, single, threads }) {
  lab = await import(threaded ? '../lab/pkg/lab_wasm.js' : '../lab/pkg-st/lab_wasm.js');
  await lab.default({ module_or_path: module });
  singleModule = single;
  const poolStarted = performance.now();
  if (threaded) await lab.initThreadPool(threads);
  const poolStartMs = performance.now() - poolStarted;
  return { threaded: lab.isThreaded(), pool: threaded ? lab.poolSize() : 1, poolStartMs, isolated: self.crossOriginIsolated };
}

/** Spawn + instantiate of one process worker, as compute-worker.js starts them. */
async function processStart() {
  processScript ??= await loadProcessScript();
  return new Promise((resolve, reject) => {
    const asked = epochMs();
    const w = new Worker(processScript, { type: 'module', name: 'bench-process' });
    w.addEventListener('message', ({ data }) => {
      w.terminate();
      // `at` is the worker's epoch clock in microseconds.
      if (data.type === 'lab:process-ready') resolve(data.at / 1000 - asked);
      else reject(new Error(data.message));
    }, { once: true });
    w.addEventListener('error', (e) => reject(new Error(`a process worker failed: ${e.message}`)), { once: true });
    w.postMessage({ type: 'lab:process-load', module: singleModule });
  });
}

const ops = {
  load,
  kernel: ({ n }) => lab.benchKernel(n),
  interpreter: ({ n }) => lab.benchInterpreter(n),
  parallel: ({ n, chunks }) => lab.benchParallel(n, chunks),
  gil: ({ threads, n, switchMs }) => lab.benchGil(threads, n, switchMs),
  eventLoop: ({ tasks, awaits, timer }) => lab.benchEventLoop(tasks, awaits, timer),
  processStart,
  interpreterStart: ({ reps }) => lab.benchInterpreterStart(reps),
  models: () => lab.models(),
  // The machine predictions assume, with no process start measured yet.
  machine: () => lab.calibrate(1, 0, 0, 0, 0),
};

self.addEventListener('message', async ({ data }) => {
  if (!data || typeof data.type !== 'string' || !data.type.startsWith('bench:')) return;
  const op = ops[data.type.slice('bench:'.length)];
  try {
    if (!op) throw new Error(`unknown bench message ${data.type}`);
    postMessage({ type: 'bench:done', id: data.id, value: await op(data.args ?? {}) });
  } catch (e) {
    postMessage({ type: 'bench:error', id: data.id, message: String(e && e.message ? e.message : e) });
  }
});
