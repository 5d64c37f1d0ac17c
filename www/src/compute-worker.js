// @ts-check
// Concurrency Lab's compute worker: every run happens here, never on the page's main
// thread (rayon on the main thread would freeze the page, and the main thread may not
// block on Atomics.wait). The page sends the messages of protocol.js; this worker loads
// the threaded build when the page is cross-origin isolated, the single-threaded one
// otherwise, and follows the plan Rust makes for each run (`planRun`): it runs every
// step's models one at a time, where each model's description says they run, sends the
// steps back to Rust to be drawn (`render`), and streams progress to the page.

import { loadProcessScript } from './process-scripts.js';
import { startWatchedPool } from './pool-watch.js';
import { labMessage } from './protocol.js';

/** @type {any} the loaded wasm bindings (see pkg/lab_wasm.d.ts) */
let lab = null;
let threaded = false;
let poolSize = 1;
/** @type {WebAssembly.Module | null} the single-threaded build, for process workers */
let singleModule = null;
/** @type {number | null} shared memory one pool thread took when the pool started */
let threadBytes = null;
/** @type {number | null} memory of one process worker's own instance */
let processBytes = null;
/** @type {string | null} why a pool thread ended without a panic, if one did */
let poolTrap = null;
/**
 * A process's start-up by start method, as last measured (here or on an earlier page of the
 * tab), and how many started at once (for predictions).
 * @type {import('./protocol.js').Measured['process_starts']}
 */
const processStarts = { spawn: { us: 0, together: 0 }, forkserver: { us: 0, together: 0 } };

/**
 * Takes over what an earlier page of the tab measured; anything of another shape is ignored
 * (it came from storage the page does not control).
 * @param {import('./protocol.js').Measured | null} measured
 */
function restoreMeasured(measured) {
  if (!measured || typeof measured !== 'object') return;
  if (Array.isArray(measured.loop_ns)) lab.restoreLoopSamples(Float64Array.from(measured.loop_ns.filter((x) => typeof x === 'number')));
  for (const method of /** @type {const} */ (['spawn', 'forkserver'])) {
    const start = measured.process_starts?.[method];
    if (start && Number.isFinite(start.us) && start.us > 0 && Number.isInteger(start.together) && start.together > 0) {
      processStarts[method] = { us: start.us, together: start.together };
    }
  }
}

const POLL_MS = 50;       // how often a pool run's progress is read
// How often it is drawn and sent: drawing takes a core from the run it measures, so
// keep it rare enough not to change what it shows.
const DRAW_MS = 250;
const WARM_UP_MS = 400;   // at most, once per worker: until the interpreter's speed settles
const epochUs = () => (performance.timeOrigin + performance.now()) * 1000;

/** @param {import('./protocol.js').LoadMessage} msg */
async function load({ module, single, wantThreads, threads, measured }) {
  threaded = wantThreads && self.crossOriginIsolated;
  singleModule = single;
  lab = await import(threaded ? './pkg/lab_wasm.js' : './pkg-st/lab_wasm.js');
  const { memory } = await lab.default({ module_or_path: module });
  if (threaded) {
    const before = memory.buffer.byteLength;
    await startWatchedPool(() => lab.initThreadPool(threads), (message) => { poolTrap ??= message; });
    poolSize = lab.poolSize();
    // Each thread's stack and thread-local data come out of the one shared memory.
    const grown = memory.buffer.byteLength - before;
    threadBytes = grown > 0 ? grown / poolSize : null;
  }
  // Measure optimised code, not the browser's first, baseline compilation of it.
  lab.warmUp(WARM_UP_MS);
  restoreMeasured(measured);
  return { threaded, poolSize, isolated: self.crossOriginIsolated, models: lab.models() };
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A model's run so far, for drawing while it goes on.
 * @param {string} model @param {number} lanes @param {object[]} spans @param {number} startedUs
 */
const liveRun = (model, lanes, spans, startedUs) => ({
  model, threads: lanes, wall_ms: (epochUs() - startedUs) / 1000, spans, results: [], gil_handoffs: 0,
});

/** @typedef {(live: object, fraction: number) => void} Progress */

/**
 * One model on the pool, polled so that progress reaches the page.
 * @param {any} params @param {string} model @param {number} lanes @param {Progress} progress
 */
async function poolModel(params, model, lanes, progress) {
  const handle = lab.startRun(params, model);
  /** @type {{task: number}[]} */
  const spans = [];
  const startedUs = epochUs();
  let drawn = startedUs;
  try {
    for (;;) {
      await sleep(POLL_MS);
      const p = handle.poll(); // throws a panic's message first
      if (poolTrap) {
        // The instance is broken (`lab:error` with `broken`): the page starts a fresh pool.
        throw new WebAssembly.RuntimeError(`a thread of the run stopped (${poolTrap}): it ran out of memory or stack, or the lab has a bug; the next run starts on a fresh pool`);
      }
      spans.push(...p.spans);
      if (p.done) return p.run;
      if (epochUs() - drawn >= DRAW_MS * 1000) {
        drawn = epochUs();
        progress(liveRun(model, lanes, spans, startedUs), new Set(spans.map((s) => s.task)).size / params.tasks);
      }
    }
  } finally {
    handle.free();
  }
}

let singleWarm = false;
/** @type {string | null} the blob URL a process worker starts from */
let processScript = null;

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

/**
 * A worker's messages in order, one `next(types)` at a time: the next message must be one
 * of `types`; a `lab:process-error`, a message of another type or a failed worker rejects.
 * @param {Worker} w
 */
function inbox(w) {
  /** @type {unknown[]} */
  const queue = [];
  /** @type {{ resolve: (m: any) => void, reject: (e: Error) => void, types: any[] } | null} */
  let waiter = null;
  /** @type {Error | null} */
  let failure = null;
  const deliver = () => {
    if (!waiter || (!queue.length && !failure)) return;
    const { resolve, reject, types } = waiter;
    waiter = null;
    if (!queue.length) return reject(/** @type {Error} */ (failure));
    try {
      const msg = labMessage(queue.shift(), [...types, 'lab:process-error']);
      if (msg.type === 'lab:process-error') reject(new Error(msg.message));
      else resolve(msg);
    } catch (e) {
      reject(/** @type {Error} */ (e));
    }
  };
  w.addEventListener('message', ({ data }) => { queue.push(data); deliver(); });
  w.addEventListener('error', (e) => { failure = new Error(`a process worker failed: ${e.message}`); deliver(); });
  /**
   * @param {...('lab:process-pong' | 'lab:process-ready' | 'lab:process-done')} types
   * @returns {Promise<any>}
   */
  function next(...types) {
    return new Promise((resolve, reject) => { waiter = { resolve, reject, types }; deliver(); });
  }
  return next;
}

/** A new process worker, with its inbox. @param {string} name */
function processWorker(name) {
  const w = new Worker(/** @type {string} */ (processScript), { type: 'module', name });
  return { w, next: inbox(w) };
}

// The fork server: workers started ahead of a run, outside its timing, each waiting to
// become one process. What a process started this way pays is what a forked child pays:
// its own new instance and memory, not the start of a worker.
/** @type {ReturnType<typeof processWorker>[]} */
const forkServer = [];

/** Tops the fork server up to `count` workers that have run their script. @param {number} count */
async function readyForkServer(count) {
  const starting = [];
  while (forkServer.length + starting.length < count) {
    const p = processWorker(`lab-process-ready-${forkServer.length + starting.length}`);
    p.w.postMessage({ type: 'lab:process-ping' });
    starting.push(p.next('lab:process-pong').then(() => p));
  }
  forkServer.push(...(await Promise.all(starting)));
}

/**
 * The processes model: a worker per process, each with its own memory.
 * @param {any} params @param {number} lanes @param {Progress} progress
 */
async function processesModel(params, lanes, progress) {
  await warmSingle();
  processScript ??= await loadProcessScript();
  const forked = params.start === 'forkserver';
  if (forked) await readyForkServer(lanes);
  /** @type {object[]} */
  const records = [];
  /** @type {Worker[]} */
  const workers = [];
  /** @type {object[]} */
  const spans = [];
  const startedUs = epochUs();
  let drawn = startedUs;
  try {
    await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
      const spawnRequested = epochUs();
      const { w, next } = forked ? /** @type {ReturnType<typeof processWorker>} */ (forkServer.pop()) : processWorker(`lab-process-${lane}`);
      workers.push(w);
      w.postMessage({ type: 'lab:process-load', module: singleModule });
      // Like a Python child, which gets its target and arguments when it is created, the
      // first task goes with the start: the worker begins it as soon as it is ready.
      w.postMessage({ type: 'lab:process-task', params, task: lane });
      const { at: instanceReady, memory_bytes: bytes } = await next('lab:process-ready');
      processBytes = bytes;
      for (let task = lane; task < params.tasks; task += lanes) {
        // A reused worker has no start-up: both stamps are when its input was sent.
        let [requested, ready] = [spawnRequested, instanceReady];
        if (task !== lane) {
          requested = ready = epochUs();
          w.postMessage({ type: 'lab:process-task', params, task });
        }
        const done = await next('lab:process-done');
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
        spans.push(...done.spans.map((/** @type {any} */ s) => ({ ...s, lane, start_us: s.start_us - startedUs, end_us: s.end_us - startedUs })));
        // As for the pool's runs, drawn at most every DRAW_MS: the other processes still run.
        if (epochUs() - drawn >= DRAW_MS * 1000) {
          drawn = epochUs();
          progress(liveRun('processes', lanes, spans, startedUs), records.length / params.tasks);
        }
      }
    }));
  } finally {
    for (const w of workers) w.terminate();
  }
  return lab.assembleProcesses(params, records);
}

/**
 * One model of a step, where its description says it runs.
 * @param {any} params @param {{model: string, host: string, lanes: number}} planned @param {Progress} progress
 */
async function runModel(params, { model, host, lanes }, progress) {
  if (host === 'workers') return processesModel(params, lanes, progress);
  if (threaded) return poolModel(params, model, lanes, progress);
  // The single-threaded build blocks this worker for the model's run: say so first.
  progress(liveRun(model, lanes, [], epochUs()), 0);
  return lab.runBlocking(params, model);
}

/**
 * A step's report from its runs.
 * @param {string} experiment @param {any} params @param {object[]} runs
 */
const report = (experiment, params, runs) => ({ experiment, params, source: 'measured', runs });

/**
 * Runs an experiment as Rust planned it and returns what the page shows.
 * @param {import('./protocol.js').RunMessage} msg
 */
async function run({ id, experiment, settings }) {
  const plan = lab.planRun(experiment, settings);
  // The pool cannot grow: the page starts a worker with a bigger one and asks again.
  if (threaded && plan.pool_threads > poolSize) return { type: 'lab:need-pool', id, threads: plan.pool_threads };
  if (plan.kind === 'counter') {
    const { html, rows, expected } = lab.runCounter(plan.steps[0].params);
    return { type: 'lab:done', id, figure: { html, rows }, report: null, beside: null, expected };
  }
  // This machine, for a prediction to set beside the measurement: the loop's speed is
  // timed just before the run and again just after it (see `calibrate`), never from the
  // run itself, so the run is not used to predict itself.
  if (plan.kind === 'report') lab.sampleLoopSpeed();
  /** @type {{x: number | null, report: any}[]} */
  const steps = [];
  const total = plan.steps.length;
  for (const [k, step] of plan.steps.entries()) {
    /** @type {object[]} */
    const runs = [];
    for (const [i, planned] of step.models.entries()) {
      const progress = (/** @type {object} */ live, /** @type {number} */ fraction) => {
        // A sweep draws its curve from finished points only; the others draw the step
        // that runs, with the model running now last.
        if (plan.kind === 'sweep' && !steps.length) return;
        const shown = plan.kind === 'sweep'
          ? steps
          : [{ x: step.x, report: report(experiment, step.params, [...runs, live]) }];
        postMessage({
          type: 'lab:progress', id,
          label: [step.label, planned.model].filter(Boolean).join(', '),
          fraction: Math.min(1, (k + (i + fraction) / step.models.length) / total),
          html: lab.render({ experiment, steps: shown }).html,
        });
      };
      runs.push(await runModel(step.params, planned, progress));
    }
    steps.push({ x: step.x, report: report(experiment, step.params, runs) });
    if (plan.kind === 'sweep') {
      postMessage({ type: 'lab:progress', id, label: step.label, fraction: (k + 1) / total, html: lab.render({ experiment, steps }).html });
    }
  }
  const costs = plan.kind === 'comparison'
    ? { ...lab.measureLoopCosts(), thread_bytes: threaded ? threadBytes : null, process_bytes: processBytes }
    : {};
  const figure = lab.render({ experiment, steps, costs });
  if (plan.kind !== 'report') return { type: 'lab:done', id, figure, report: null, beside: null, expected: null };
  const full = steps[0].report;
  // Process starts from earlier runs only: this run's are recorded below, after.
  const machine = lab.calibrate(navigator.hardwareConcurrency || 1, processStarts.spawn.us, processStarts.spawn.together,
    processStarts.forkserver.us, processStarts.forkserver.together);
  const procs = full.runs.find((/** @type {any} */ r) => r.model === 'processes');
  const starts = procs ? procs.spans.filter((/** @type {any} */ s) => s.state === 'starting').map((/** @type {any} */ s) => s.end_us - s.start_us) : [];
  if (starts.length) {
    const method = /** @type {'spawn' | 'forkserver'} */ (full.params.start);
    starts.sort((/** @type {number} */ a, /** @type {number} */ b) => a - b);
    processStarts[method] = { us: starts[Math.floor(starts.length / 2)], together: procs.threads };
  }
  /** @type {import('./protocol.js').Measured} */
  const kept = { loop_ns: Array.from(lab.loopSamples()), process_starts: processStarts };
  return { type: 'lab:done', id, figure, report: full, beside: lab.predictBeside(full, machine), expected: null, measured: kept };
}

self.addEventListener('message', async (/** @type {MessageEvent} */ { data }) => {
  /** @type {import('./protocol.js').LabMessage | undefined} */
  let msg;
  try {
    msg = labMessage(data, ['lab:load', 'lab:validate', 'lab:run']);
    switch (msg.type) {
      case 'lab:load':
        postMessage({ type: 'lab:loaded', ...(await load(msg)) });
        break;
      case 'lab:validate':
        postMessage({ type: 'lab:validated', id: msg.id, params: lab.validateParams(msg.experiment, msg.settings) });
        break;
      case 'lab:run':
        postMessage(await run(msg));
        break;
    }
  } catch (e) {
    // After a panic (or any trap) this worker's wasm must not run again: a thread is dead
    // or a call stopped halfway. `broken` asks the page for a fresh worker. A trap on this
    // thread says only "unreachable": the panic hook kept the real message.
    let panic;
    try { panic = lab?.panicMessage(); } catch { /* an instance that trapped may not answer */ }
    const err = /** @type {any} */ (e);
    const message = panic ? `the run panicked: ${panic}` : String(err && err.message ? err.message : err);
    const id = msg && 'id' in msg ? msg.id : undefined;
    postMessage({ type: 'lab:error', id, message, broken: Boolean(panic) || e instanceof WebAssembly.RuntimeError });
  }
});
