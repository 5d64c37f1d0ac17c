// Concurrency Lab's compute worker: every run happens here, never on the page's main
// thread (rayon on the main thread would freeze the page, and the main thread may not
// block on Atomics.wait). The page sends namespaced `lab:*` messages; this worker loads
// the threaded build when the page is cross-origin isolated, the single-threaded one
// otherwise, and streams progress back while a run goes on.

let lab = null;      // the loaded wasm bindings
let threaded = false;
let poolSize = 1;

const POLL_MS = 50;  // how often a run's progress is read and sent

async function load({ module, wantThreads, threads }) {
  threaded = wantThreads && self.crossOriginIsolated;
  const url = threaded ? './pkg/lab_wasm.js' : './pkg-st/lab_wasm.js';
  lab = await import(url);
  await lab.default({ module_or_path: module });
  if (threaded) {
    await lab.initThreadPool(threads);
    poolSize = lab.poolSize();
  }
  return { threaded, poolSize, isolated: self.crossOriginIsolated };
}

const lanesOf = (model, params) => (model === 'sequential' || model === 'asyncio' ? 1 : Math.min(params.threads, params.tasks));

function fraction(params, current, spans) {
  const models = params.models.length;
  const tasks = new Set(spans.filter(([m]) => m === current).map(([, s]) => s.task)).size;
  return Math.min(1, (current + tasks / params.tasks) / models);
}

// Draws what is known so far: finished models plus the one running, its bar growing.
function partialReport(experiment, params, runs, current, spans, startedAt) {
  const live = spans.filter(([m]) => m === current).map(([, s]) => s);
  const model = params.models[current];
  const run = {
    model,
    threads: lanesOf(model, params),
    wall_ms: performance.now() - startedAt,
    spans: live,
    results: [],
    gil_handoffs: 0,
  };
  return { experiment, params, source: 'measured', runs: [...runs, run] };
}

async function run({ id, experiment, settings }) {
  const params = lab.validateParams(experiment, settings);
  if (!threaded) {
    const report = lab.runBlocking(experiment, settings);
    return { report, rendered: lab.renderReport(report) };
  }
  const handle = lab.startRun(experiment, settings);
  const spans = [];
  let current = 0;
  let modelStart = performance.now();
  const done = [];
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const p = handle.poll();
    spans.push(...p.spans);
    if (p.done) {
      handle.free();
      return { report: p.report, rendered: lab.renderReport(p.report) };
    }
    while (current < p.model) {
      // A model finished: its real wall time arrives with the final report; until then
      // draw it from the spans seen.
      const seen = spans.filter(([m]) => m === current).map(([, s]) => s);
      const wall = seen.reduce((t, s) => Math.max(t, s.end_us), 0) / 1000;
      done.push({ model: params.models[current], threads: lanesOf(params.models[current], params), wall_ms: wall, spans: seen, results: [], gil_handoffs: 0 });
      current = p.model;
      modelStart = performance.now();
    }
    const partial = partialReport(experiment, params, done, current, spans, modelStart);
    postMessage({
      type: 'lab:progress',
      id,
      fraction: fraction(params, current, spans),
      model: params.models[current],
      chart: lab.renderReport(partial).chart,
    });
  }
}

self.addEventListener('message', async ({ data }) => {
  if (!data || typeof data.type !== 'string' || !data.type.startsWith('lab:')) return;
  try {
    switch (data.type) {
      case 'lab:load':
        postMessage({ type: 'lab:loaded', ...(await load(data)) });
        break;
      case 'lab:validate':
        postMessage({ type: 'lab:validated', id: data.id, params: lab.validateParams(data.experiment, data.settings) });
        break;
      case 'lab:run':
        postMessage({ type: 'lab:done', id: data.id, ...(await run(data)), threaded, poolSize });
        break;
    }
  } catch (e) {
    postMessage({ type: 'lab:error', id: data.id, message: String(e && e.message ? e.message : e) });
  }
});
