// The bench page's module: starts one bench worker per wasm build and exposes
// `window.bench` to scripts/bench's driver (run.mjs), which calls it through Playwright.
// The execution models run through the site's own engine (../lab/engine.js), exactly
// as a widget runs them.

import * as engine from '../lab/engine.js';

const lab = new URL('../lab/', import.meta.url);
const compile = (path) => WebAssembly.compileStreaming(fetch(new URL(path, lab)));

let nextId = 1;

/** A bench worker with a promise-returning `call(op, args)`. */
function startWorker(name) {
  const w = new Worker(new URL('bench-worker.js', import.meta.url), { type: 'module', name });
  const pending = new Map();
  w.addEventListener('message', ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.type === 'bench:error') p.reject(new Error(`${name}: ${data.message}`));
    else p.resolve(data.value);
  });
  w.addEventListener('error', (e) => {
    for (const p of pending.values()) p.reject(new Error(`${name} failed: ${e.message}`));
    pending.clear();
  });
  return {
    call(op, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ type: `bench:${op}`, id, args });
      });
    },
    terminate: () => w.terminate(),
  };
}

const workers = {};

async function init() {
  if (!self.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: no threads');
  // Fetched and compiled one after the other, so each time is that build's alone.
  const timedCompile = async (file) => {
    const start = performance.now();
    const module = await compile(file);
    return [module, performance.now() - start];
  };
  const [threadedModule, threadedCompileMs] = await timedCompile('pkg/lab_wasm_bg.wasm');
  const [singleModule, singleCompileMs] = await timedCompile('pkg-st/lab_wasm_bg.wasm');
  const threads = navigator.hardwareConcurrency || 2;
  workers.threaded = startWorker('bench-threaded');
  workers.single = startWorker('bench-single');
  const [threaded, single] = await Promise.all([
    workers.threaded.call('load', { threaded: true, module: threadedModule, single: singleModule, threads }),
    workers.single.call('load', { threaded: false, module: singleModule, single: singleModule }),
  ]);
  document.getElementById('status').textContent = 'ready';
  return {
    threaded: { ...threaded, compileMs: threadedCompileMs },
    single: { ...single, compileMs: singleCompileMs },
    hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent,
  };
}

/** Runs an experiment through the site's engine; returns each model's summary row. */
async function runModels(experiment, settings, threads) {
  const { figure, report, beside, info } = await engine.run(experiment, settings, threads, () => {});
  const summary = figure.rows.map((m, i) => ({ ...m, predicted_ms: beside?.predicted_ms[i] }));
  return { summary, results: report.runs.map((r) => r.results), info };
}

window.bench = {
  init,
  call: (which, op, args) => workers[which].call(op, args),
  runModels,
};
