// Concurrency Lab's compute worker: every run happens here, never on the page's main
// thread (rayon on the main thread would freeze the page, and the main thread may not
// block on Atomics.wait). The page sends namespaced `lab:*` messages; this worker loads
// the threaded build when the page is cross-origin isolated, the single-threaded one
// otherwise, runs the experiment's models one at a time, and streams progress back.

import { loadProcessScript } from './process-scripts.js';

let lab = null;           // the loaded wasm bindings
let threaded = false;
let poolSize = 1;
let singleModule = null;  // the single-threaded build, for process workers
let threadBytes = null;   // shared memory one pool thread took when the pool started
let processBytes = null;  // memory of one process worker's own instance
let processStartUs = { spawn: 0, forkserver: 0 }; // a process's start-up by start method, as last measured (for predictions)

const POLL_MS = 50;       // how often a pool run's progress is read
// How often it is drawn and sent: drawing takes a core from the run it measures, so
// keep it rare enough not to change what it shows.
const DRAW_MS = 250;
const WARM_UP_MS = 400;   // at most, once per worker: until the interpreter's speed settles
const epochUs = () => (performance.timeOrigin + performance.now()) * 1000;
const oneLane = (model) => model === 'sequential' || model === 'asyncio';
const lanesOf = (model, params) => (oneLane(model) ? 1 : Math.min(params.threads, params.tasks));

async function load({ module, single, wantThreads, threads }) {
  threaded = wantThreads && self.crossOriginIsolated;
  singleModule = single;
  lab = await import(threaded ? './pkg/lab_wasm.js' : './pkg-st/lab_wasm.js');
  const { memory } = await lab.default({ module_or_path: module });
  if (threaded) {
    const before = memory.buffer.byteLength;
    await lab.initThreadPool(threads);
    poolSize = lab.poolSize();
    // Each thread's stack and thread-local data come out of the one shared memory.
    const grown = memory.buffer.byteLength - before;
    threadBytes = grown > 0 ? grown / poolSize : null;
  }
  // Measure optimised code, not the browser's first, baseline compilation of it.
  lab.warmUp(WARM_UP_MS);
  return { threaded, poolSize, isolated: self.crossOriginIsolated };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A run so far, for drawing while it goes on. */
function liveRun(model, params, spans, startedUs) {
  return {
    model, threads: lanesOf(model, params), wall_ms: (epochUs() - startedUs) / 1000,
    spans, results: [], gil_handoffs: 0,
  };
}

/** One in-memory model on the pool, polled so that progress reaches the page. */
async function poolModel(experiment, settings, model, params, progress) {
  const handle = lab.startRun(experiment, { ...settings, models: model });
  const spans = [];
  const startedUs = epochUs();
  let drawn = startedUs;
  try {
    for (;;) {
      await sleep(POLL_MS);
      const p = handle.poll();
      for (const [, s] of p.spans) spans.push(s);
      if (p.done) return p.report.runs[0];
      if (epochUs() - drawn >= DRAW_MS * 1000) {
        drawn = epochUs();
        progress(liveRun(model, params, spans, startedUs), new Set(spans.map((s) => s.task)).size / params.tasks);
      }
    }
  } finally {
    handle.free();
  }
}

let singleWarm = false;
let processScript = null; // the blob URL a process worker starts from

/**
 * Warms the single-threaded build's code before its first process run. The browser
 * shares a module's compiled code between the workers it is sent to, so the process
 * workers then start on optimised code too: what they pay is the start of a worker and
 * an instance, not the browser's first compilation (which a Python process does not pay).
 */
async function warmSingle() {
  if (singleWarm) return;
  const st = await import('./pkg-st/lab_wasm.js');
  await st.default({ module_or_path: singleModule });
  st.warmUp(WARM_UP_MS);
  singleWarm = true;
}

/** A worker's messages in order, one `next()` at a time; an error message or a failed worker rejects. */
function inbox(w) {
  const queue = [];
  let waiter = null;
  let failure = null;
  const deliver = () => {
    if (!waiter || (!queue.length && !failure)) return;
    const { resolve, reject } = waiter;
    waiter = null;
    if (!queue.length) return reject(failure);
    const data = queue.shift();
    if (data.type === 'lab:process-error') reject(new Error(data.message));
    else resolve(data);
  };
  w.addEventListener('message', ({ data }) => { queue.push(data); deliver(); });
  w.addEventListener('error', (e) => { failure = new Error(`a process worker failed: ${e.message}`); deliver(); });
  return () => new Promise((resolve, reject) => { waiter = { resolve, reject }; deliver(); });
}

/** A new process worker, with its inbox. */
function processWorker(name) {
  const w = new Worker(processScript, { type: 'module', name });
  return { w, next: inbox(w) };
}

// The fork server: workers started ahead of a run, outside its timing, each waiting to
// become one process. What a process started this way pays is what a forked child pays:
// its own new instance and memory, not the start of a worker.
const forkServer = [];

/** Tops the fork server up to `count` workers that have run their script. */
async function readyForkServer(count) {
  const starting = [];
  while (forkServer.length + starting.length < count) {
    const p = processWorker(`lab-process-ready-${forkServer.length + starting.length}`);
    p.w.postMessage({ type: 'lab:process-ping' });
    starting.push(p.next().then(() => p));
  }
  forkServer.push(...(await Promise.all(starting)));
}

/** The processes model: a worker per process, each with its own memory. */
async function processesModel(params, progress) {
  await warmSingle();
  processScript ??= await loadProcessScript();
  const lanes = lanesOf('processes', params);
  const forked = params.start === 'forkserver';
  if (forked) await readyForkServer(lanes);
  const records = [];
  const workers = [];
  const spans = [];
  const startedUs = epochUs();
  let drawn = startedUs;
  try {
    await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
      const spawnRequested = epochUs();
      const { w, next } = forked ? forkServer.pop() : processWorker(`lab-process-${lane}`);
      workers.push(w);
      w.postMessage({ type: 'lab:process-load', module: singleModule });
      // Like a Python child, which gets its target and arguments when it is created, the
      // first task goes with the start: the worker begins it as soon as it is ready.
      w.postMessage({ type: 'lab:process-task', params, task: lane });
      const { at: instanceReady, memory_bytes: bytes } = await next();
      processBytes = bytes;
      for (let task = lane; task < params.tasks; task += lanes) {
        // A reused worker has no start-up: both stamps are when its input was sent.
        let [requested, ready] = [spawnRequested, instanceReady];
        if (task !== lane) {
          requested = ready = epochUs();
          w.postMessage({ type: 'lab:process-task', params, task });
        }
        const done = await next();
        const resultCopied = epochUs();
        records.push({
          lane, task,
          spawn_requested_us: requested,
          instance_ready_us: ready,
          input_copied_us: done.received,
          work_start_us: done.work_start_us,
          work_end_us: done.work_end_us,
          result_copied_us: resultCopied,
          result: done.result,
          spans: done.spans,
        });
        spans.push(...done.spans.map((s) => ({ ...s, lane, start_us: s.start_us - startedUs, end_us: s.end_us - startedUs })));
        // As for the pool's runs, drawn at most every DRAW_MS: the other processes still run.
        if (epochUs() - drawn >= DRAW_MS * 1000) {
          drawn = epochUs();
          progress(liveRun('processes', params, spans, startedUs), records.length / params.tasks);
        }
      }
    }));
  } finally {
    for (const w of workers) w.terminate();
  }
  return lab.assembleProcesses(params, records);
}

/** Every model of one parameter set, one at a time; `progress(runsSoFar, live, fraction)`. */
async function runModels(experiment, settings, params, progress) {
  const runs = [];
  for (const [i, model] of params.models.entries()) {
    const step = (live, fraction) => progress(runs, live, model, (i + fraction) / params.models.length);
    let r;
    if (model === 'processes') r = await processesModel(params, step);
    else if (threaded) r = await poolModel(experiment, settings, model, params, step);
    else {
      // The single-threaded build blocks this worker for the model's run: say so first.
      step(liveRun(model, params, [], epochUs()), 0);
      r = lab.runBlocking(experiment, { ...settings, models: model });
    }
    runs.push(r);
  }
  return runs;
}

const report = (experiment, params, runs) => ({ experiment, params, source: 'measured', runs });

async function run({ id, experiment, settings }) {
  if (experiment === 'counter') return { counter: lab.runCounter(settings) };
  const post = (model, fraction, rendered) => postMessage({
    type: 'lab:progress', id, model, fraction: Math.min(1, fraction),
    chart: rendered.chart, timelines: rendered.timelines,
  });
  if (experiment === 'compare') {
    // The same tasks CPU-bound, then I/O-bound, then the costs only a run can measure.
    const halves = {};
    for (const [k, workload] of ['cpu', 'io'].entries()) {
      const at = { ...settings, workload };
      const params = lab.validateParams(experiment, at);
      const runs = await runModels(experiment, at, params, (done, live, model, fraction) => {
        post(`${workload}-bound, ${model}`, (k + fraction) / 2, lab.renderReport(report(experiment, params, [...done, live])));
      });
      halves[workload] = report(experiment, params, runs);
    }
    const costs = { ...lab.measureLoopCosts(), thread_bytes: threaded ? threadBytes : null, process_bytes: processBytes };
    return { compare: lab.renderCompare({ source: 'measured', cpu: halves.cpu, io: halves.io, costs }) };
  }
  const plan = lab.sweepPlan(experiment, settings);
  if (plan) {
    // A sweep: the same models at each value of one parameter, drawn as a curve.
    const points = [];
    const sweep = () => ({ experiment, param: plan.param, source: 'measured', points });
    for (const [k, x] of plan.values.entries()) {
      const at = { ...settings, [plan.param]: String(x) };
      const params = lab.validateParams(experiment, at);
      const runs = await runModels(experiment, at, params, (_, __, model, fraction) => {
        if (points.length) post(`${plan.param} = ${x}, ${model}`, (k + fraction) / plan.values.length, lab.renderSweep(sweep()));
      });
      points.push({ x, report: report(experiment, params, runs) });
      post(`${plan.param} = ${x}`, (k + 1) / plan.values.length, lab.renderSweep(sweep()));
    }
    return { sweep: lab.renderSweep(sweep()) };
  }
  const params = lab.validateParams(experiment, settings);
  // This machine, for a prediction to set beside the measurement: the loop's speed is
  // measured now, before the run, so the run itself is not used to predict itself.
  const machine = lab.calibrate(navigator.hardwareConcurrency || 1, processStartUs.spawn, processStartUs.forkserver);
  const runs = await runModels(experiment, settings, params, (done, live, model, fraction) => {
    post(model, fraction, lab.renderReport(report(experiment, params, [...done, live])));
  });
  const full = report(experiment, params, runs);
  const starts = runs.filter((r) => r.model === 'processes')
    .flatMap((r) => r.spans.filter((s) => s.state === 'starting').map((s) => s.end_us - s.start_us));
  if (starts.length) processStartUs[params.start] = starts.sort((a, b) => a - b)[Math.floor(starts.length / 2)];
  return { report: full, rendered: lab.renderReport(full), beside: lab.predictBeside(full, machine) };
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
        postMessage({ type: 'lab:done', id: data.id, ...(await run(data)) });
        break;
    }
  } catch (e) {
    // After a panic (or any trap) this worker's wasm must not run again: a thread is dead
    // or a call stopped halfway. `broken` asks the page for a fresh worker. A trap on this
    // thread says only "unreachable": the panic hook kept the real message.
    let panic;
    try { panic = lab?.panicMessage(); } catch { /* an instance that trapped may not answer */ }
    const message = panic ? `the run panicked: ${panic}` : String(e && e.message ? e.message : e);
    postMessage({ type: 'lab:error', id: data.id, message, broken: Boolean(panic) || e instanceof WebAssembly.RuntimeError });
  }
});
