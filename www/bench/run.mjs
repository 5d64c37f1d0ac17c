// scripts/bench's driver: measures the browser (headless Chromium, through the bench page
// and the real book pages), native Rust (the bench_native example) and CPython (the
// reference script) in one sitting, round by round, and writes bench-results/report.json
// and report.md. Run it through scripts/bench, which builds and lays out what it needs.
//
//   node www/bench/run.mjs --site DIR --server BIN --native BIN --out DIR
//        [--reps N] [--python-ref FILE] [--python-missing WHY]
//   node www/bench/run.mjs --first --site DIR --server BIN --out DIR [--reps N]
//        (only the first-result figures: page load to first widget result, a listing's
//        Run to first output; writes DIR/first.json)
//   node www/bench/run.mjs --markdown REPORT.json   (prints report.md again, measures nothing)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { browser as launchBrowser, serve, widgetSettled } from '../tests/harness.js';

const { values: opt } = parseArgs({
  options: {
    site: { type: 'string' },
    server: { type: 'string' },
    native: { type: 'string' },
    out: { type: 'string' },
    reps: { type: 'string', default: '5' },
    'python-ref': { type: 'string' },
    'python-missing': { type: 'string' },
    markdown: { type: 'string' },
    first: { type: 'boolean' },
  },
});
if (!opt.markdown) for (const k of opt.first ? ['site', 'server', 'out'] : ['site', 'server', 'native', 'out']) if (!opt[k]) throw new Error(`--${k} is required`);
const REPS = Number(opt.reps);
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps must be a whole number >= 1, not ${opt.reps}`);

// ---------------------------------------------------------------- what is measured

const SOURCE_N = 10_000_000; // the source's example: sum(range(10_000_000)), 4 tasks
// Every model, in the order the core describes them: read from the bench page (the wasm
// build's own `models()`) when the browser is up.
let ALL_MODELS = '';
const PROCESS_STARTS_PER_ROUND = 3;
// Pages whose widgets run (with the chapter's own settings) while long tasks are counted.
const LONG_TASK_PAGES = ['gil.html', 'comparison.html', 'why-gil.html', 'parallelism.html', 'event-loop.html'];
// The introduction has no widget: the first GIL experiment is the first CPU-bound one.
const FIRST_RESULT_PAGE = 'gil.html';
const FIRST_RESULT_SETTINGS = { n: '100000' };
// A chapter with no widget: what any page of the book costs.
const IDLE_BASELINE_PAGE = 'introduction.html';

const TARGETS = {
  wasmNativeRatio: 1.15,
  parallelEfficiency: 0.9,
  speedupVsNative: 0.95,
  longTasks: 0,
  firstResultMs: 1000,
  listingFirstOutputMs: 300,
  // Each build that runs programs may grow to 300 kB gzipped (the lab's Python will live
  // in it); it was 145 kB before the model descriptions, plans and interpreters model.
  gzipWasmBytes: 300_000,
};

// ---------------------------------------------------------------- small helpers

const say = (msg) => process.stderr.write(`\x1b[1m  ->\x1b[0m ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

function stats(samples) {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!xs.length) return { median: null, min: null, max: null, n: 0, samples };
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length, samples };
}

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memory_gib: Math.round((memKb / 1024 / 1024) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    rustc_native: process.env.BENCH_RUSTC || null,
    rustc_wasm: process.env.BENCH_WASM_RUSTC || null,
    commit: process.env.BENCH_GIT || null,
  };
}

function gzipSize(file) {
  const gz = spawnSync('gzip', ['-9', '-c', file], { maxBuffer: 64 << 20 });
  if (gz.status === 0) return gz.stdout.length;
  return zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
}

// Every wasm build of the site, as it is served: the widgets' two, the
// two with the lab's Python that run listings, and the compiler, which loads only for an
// edited listing and has no size target.
const WASM_BUILDS = {
  threaded: ['gzipped wasm, threaded build', 'lab/pkg/lab_wasm'],
  single: ['gzipped wasm, single build', 'lab/pkg-st/lab_wasm'],
  python_threaded: ['gzipped wasm, Python threaded build', 'lab/pkg-py/lab_wasm'],
  python_single: ['gzipped wasm, Python single-threaded build', 'lab/pkg-py-st/lab_wasm'],
  compiler: [null, 'lab/pkg-pyc/lab_pyc'],
};

function wasmSizes(site) {
  const out = {};
  for (const [build, [, stem]] of Object.entries(WASM_BUILDS)) {
    const wasm = path.join(site, `${stem}_bg.wasm`);
    const glue = path.join(site, `${stem}.js`);
    out[build] = {
      wasm_bytes: fs.statSync(wasm).size,
      wasm_gzip_bytes: gzipSize(wasm),
      js_gzip_bytes: gzipSize(glue),
    };
  }
  return out;
}

// ---------------------------------------------------------------- the three sides

function nativeRun(sizes, only) {
  const args = [...Object.entries(sizes).map(([k, v]) => `${k}=${v}`), `only=${only}`];
  const r = spawnSync(opt.native, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`bench_native failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function pythonRound() {
  const r = spawnSync('python3', [opt['python-ref']], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`the CPython reference failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

const call = (page, which, op, args) => page.evaluate(([w, o, a]) => window.bench.call(w, o, a), [which, op, args]);

/**
 * One round of kernels and mechanisms: each figure natively, then at once in the
 * browser, so that each pair sees (nearly) the same machine load.
 */
async function pairedRound(page, sizes) {
  const native = {};
  const r = {};
  Object.assign(native, nativeRun(sizes, 'kernel'));
  r.kernel_ms = await call(page, 'threaded', 'kernel', { n: sizes.kernel_n });
  r.kernel_st_ms = await call(page, 'single', 'kernel', { n: sizes.kernel_n });
  Object.assign(native, nativeRun(sizes, 'interp'));
  r.interp_ms = await call(page, 'threaded', 'interpreter', { n: sizes.interp_n });
  r.interp_st_ms = await call(page, 'single', 'interpreter', { n: sizes.interp_n });
  Object.assign(native, nativeRun(sizes, 'par'));
  r.par_serial_ms = await call(page, 'threaded', 'kernel', { n: sizes.par_n });
  r.par_ms = await call(page, 'threaded', 'parallel', { n: sizes.par_n, chunks: sizes.chunks });
  Object.assign(native, nativeRun(sizes, 'gil'));
  r.gil = await call(page, 'threaded', 'gil', { threads: sizes.gil_threads, n: sizes.gil_n, switchMs: sizes.switch_ms });
  Object.assign(native, nativeRun(sizes, 'loop'));
  r.loop_yield = await call(page, 'threaded', 'eventLoop', { tasks: sizes.loop_tasks, awaits: sizes.loop_awaits, timer: false });
  r.loop_timer = await call(page, 'threaded', 'eventLoop', { tasks: sizes.loop_tasks, awaits: sizes.loop_awaits, timer: true });
  r.process_start_ms = [];
  for (let i = 0; i < PROCESS_STARTS_PER_ROUND; i++) r.process_start_ms.push(await call(page, 'threaded', 'processStart', {}));
  // A new interpreter's own state, built on a pool thread (the interpreters model's start).
  r.interpreter_start_us = await call(page, 'threaded', 'interpreterStart', { reps: 2000 });
  return { native, wasm: r };
}

/** The sum of 0..n, as the CPU-bound tasks return it (exact below 2^53). */
const sumBelow = (n) => (n * (n - 1)) / 2;

async function modelsRound(page, equalN) {
  const runOne = async (experiment, settings, expected) => {
    const out = await page.evaluate(([e, s, t]) => window.bench.runModels(e, s, t), [experiment, settings, Number(settings.threads)]);
    out.summary.forEach((m, i) => {
      if (!out.results[i].every((x) => x === expected)) throw new Error(`${experiment} ${m.model}: wrong results ${out.results[i]}`);
    });
    return Object.fromEntries(out.summary.map((m) => [m.model, { wall_ms: m.wall_ms, speedup: m.speedup, threads: m.threads, predicted_ms: m.predicted_ms }]));
  };
  // 4 CPU-bound tasks of n iterations under `models`, and `more` settings.
  const cpu = (n, models, more = {}) => runOne('gil-cpu', { workload: 'cpu', tasks: '4', threads: '4', n: String(n), models, ...more }, sumBelow(n));
  // Processes again, started the way Linux starts them (a fork server; see StartMethod).
  const forked = (n) => cpu(n, 'sequential,processes', { start: 'forkserver' });
  return {
    cpu: await cpu(SOURCE_N, ALL_MODELS),
    io: await runOne('io-wait', { workload: 'io', tasks: '4', threads: '4', wait_ms: '500', models: ALL_MODELS }, 0),
    cpu_fork: await forked(SOURCE_N),
    ...(equalN ? { cpu_equal: await cpu(equalN, ALL_MODELS), cpu_equal_fork: await forked(equalN) } : {}),
  };
}

// Installed in every page before its scripts run: records main-thread long tasks, and
// long animation frames with the scripts that ran in them (to say where the time went).
const LONG_TASK_OBSERVER = () => {
  window.__longTasks = [];
  window.__frames = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__frames.push({
          start: e.startTime,
          duration: e.duration,
          // From the start of rendering (rAF callbacks, style, layout, paint) to the end.
          render: e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0,
          styleLayout: e.styleAndLayoutStart > 0 ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
          scripts: e.scripts.map((x) => ({
            what: `${(x.sourceURL || '?').split('/').pop()} ${x.sourceFunctionName || x.invoker || ''}`.trim(),
            duration: x.duration,
            layout: x.forcedStyleAndLayoutDuration,
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch { /* no long-animation-frame entries in this browser */ }
};

/** Opens each page, runs every widget on it one after another, and counts long tasks. */
async function longTaskPass(browser, url) {
  const context = await browser.newContext();
  await context.addInitScript(LONG_TASK_OBSERVER);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const pages = [];
  try {
    for (const file of LONG_TASK_PAGES) {
      await page.goto(url + file);
      const ids = await page.$$eval('.lab-widget', (ws) => ws.map((w) => w.id));
      for (const id of ids) await page.waitForSelector(`#${id}[data-ready]`);
      const mark = await page.evaluate(() => performance.now());
      const widgets = [];
      for (const id of ids) {
        const from = await page.evaluate(() => performance.now());
        await page.click(`#${id} [data-action=run]`);
        await widgetSettled(page, `#${id}`, 300_000);
        const state = await page.getAttribute(`#${id}`, 'data-state');
        const to = await page.evaluate(() => performance.now());
        const threads = await page.$eval(`#${id}`, (w) => {
          const input = w.querySelector('.lab-controls input[name=threads]');
          return Number(input ? input.value : JSON.parse(w.dataset.params).threads) || 1;
        });
        widgets.push({ id, experiment: await page.getAttribute(`#${id}`, 'data-lab'), threads, state, from, to });
        if (state !== 'done') problems.push(`${file}#${id}: ${await page.textContent(`#${id} .lab-error`)}`);
      }
      await sleep(100); // let the observer deliver the last entries
      const tasks = await page.evaluate(() => window.__longTasks);
      const frames = await page.evaluate(() => window.__frames);
      const widgetAt = (t) => widgets.find((w) => t.start >= w.from && t.start <= w.to)?.id ?? null;
      pages.push({
        page: file,
        widgets,
        during_runs: tasks.filter((t) => t.start >= mark && t.duration > 50).map((t) => ({ ...t, page: file, widget: widgetAt(t) })),
        during_load: tasks.filter((t) => t.start < mark && t.duration > 50),
        frames_during_runs: frames.filter((t) => t.start >= mark),
        frames_during_load: frames.filter((t) => t.start < mark),
      });
    }
  } finally {
    await context.close();
  }
  return { pages, problems };
}

// Installed before the page's scripts: presses Run on the first widget as soon as it is
// mounted (with a small n), as an eager reader would, and notes when its result appears.
const FIRST_RESULT_CLICKER = (settings) => {
  window.__first = {};
  const mo = new MutationObserver(() => {
    const w = document.querySelector('.lab-widget');
    if (!w) return;
    if (w.dataset.ready && window.__first.clicked === undefined) {
      for (const [name, value] of Object.entries(settings)) {
        const input = w.querySelector(`.lab-controls input[name=${name}]`);
        if (input) input.value = value;
      }
      window.__first.ready = performance.now();
      w.querySelector('[data-action=run]').click();
      window.__first.clicked = performance.now();
    }
    if ((w.dataset.result || w.dataset.state === 'error') && window.__first.result === undefined) {
      window.__first.result = performance.now();
      window.__first.state = w.dataset.state;
      mo.disconnect();
    }
  });
  mo.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready', 'data-result', 'data-state'] });
};

/** One cold load (a fresh context: empty cache) of a page to its first widget's result. */
async function firstResult(browser, url) {
  const context = await browser.newContext();
  await context.addInitScript(FIRST_RESULT_CLICKER, FIRST_RESULT_SETTINGS);
  const page = await context.newPage();
  const wasm = [];
  page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
  try {
    await page.goto(url + FIRST_RESULT_PAGE);
    // Every 100 ms, not every frame: see harness.js `widgetSettled`.
    await page.waitForFunction(() => window.__first.result !== undefined, null, { timeout: 60_000, polling: 100 });
    const t = await page.evaluate(() => ({
      ...window.__first,
      response_end: performance.getEntriesByType('navigation')[0]?.responseEnd,
      dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd,
    }));
    if (t.state !== 'done') throw new Error(`the first widget on ${FIRST_RESULT_PAGE} ended in ${t.state}`);
    // Run it again on the same page: everything is started and compiled now, so this
    // is the run alone and the difference is the cost of starting up.
    const again = await page.evaluate(() => new Promise((resolve) => {
      const w = document.querySelector('.lab-widget');
      const start = performance.now();
      const mo = new MutationObserver(() => {
        if (w.dataset.state === 'done' || w.dataset.state === 'error') {
          mo.disconnect();
          resolve({ ms: performance.now() - start, state: w.dataset.state });
        }
      });
      mo.observe(w, { attributes: true, attributeFilter: ['data-state'] });
      w.querySelector('[data-action=run]').click();
    }));
    return { ...t, second_run_ms: again.ms, wasm: [...new Set(wasm)].sort() };
  } finally {
    await context.close();
  }
}

/** CPU time (ms) used so far by every process this one started (the browser's). */
function childrenCpuMs() {
  const parent = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const m = /^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) parent.set(Number(pid), Number(m[1]));
    } catch { /* ended meanwhile */ }
  }
  const ours = (pid) => {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) if (p === process.pid) return true;
    return false;
  };
  const tick = 1000 / 100; // USER_HZ
  let ms = 0;
  for (const pid of parent.keys()) {
    if (pid === process.pid || !ours(pid)) continue;
    try {
      // Fields after the command name: utime and stime are the 12th and 13th.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(f[11]) + Number(f[12])) * tick;
    } catch { /* ended meanwhile */ }
  }
  return ms;
}

/**
 * What a page costs a reader who reads it and runs nothing: one cold load (empty cache),
 * the first widget (if any) scrolled into view, as a reader reaching it would, then
 * IDLE_MS without a click. The site's files it fetched (page and workers; counted from
 * the files, since the service worker hides transfer sizes), the workers it started and
 * the CPU time every process of the browser spent.
 */
const IDLE_MS = 3000;
async function idleCost(browser, url, site, file) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const fetched = new Set();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === new URL(url).origin) fetched.add(decodeURIComponent(u.pathname));
  });
  let workers = 0;
  page.on('worker', () => workers++);
  try {
    const cpu0 = childrenCpuMs();
    await page.goto(url + file, { waitUntil: 'load' });
    await page.evaluate(() => document.querySelector('.lab-widget')?.scrollIntoView());
    await page.waitForTimeout(IDLE_MS);
    const cpuMs = childrenCpuMs() - cpu0;
    let bytes = 0;
    let gzip = 0;
    let wasmGzip = 0;
    for (const p of fetched) {
      const f = path.join(site, p.endsWith('/') ? `${p}index.html` : p);
      if (!fs.existsSync(f) || !fs.statSync(f).isFile()) continue;
      const body = fs.readFileSync(f);
      const gz = zlib.gzipSync(body, { level: 9 }).length;
      bytes += body.length;
      gzip += gz;
      if (f.endsWith('.wasm')) wasmGzip += gz;
    }
    return { page: file, files: fetched.size, bytes, gzip_bytes: gzip, wasm_gzip_bytes: wasmGzip, workers, cpu_ms: cpuMs };
  } finally {
    await context.close();
  }
}

/**
 * From pressing Run on an unedited listing to its first output on screen, on a page
 * already loaded (the reader has read to the listing): the first Run on the page, which
 * starts the Python worker and loads its build, and a second Run. With `reach`, the
 * pointer comes to rest on Run REACH_MS before the click, as a reader's does (the page
 * starts loading Python then); without it, the click comes from nowhere (a script, or a
 * screen reader's activation without focus first): the whole start is after it.
 */
const LISTING_PAGE = 'synchronisation.html';
const LISTING = '#lab-synchronisation-bank';
// Between the pointer arriving on a button and the click: a reader aims, then presses.
const REACH_MS = 150;
async function listingFirstOutput(browser, url, reach) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(url + LISTING_PAGE, { waitUntil: 'load' });
    await page.waitForSelector(`${LISTING}[data-ready]`);
    await page.locator(LISTING).scrollIntoViewIfNeeded();
    await page.waitForTimeout(2000);
    if (reach) {
      await page.hover(`${LISTING} [data-action=run]`);
      await page.waitForTimeout(REACH_MS);
    }
    const once = () => page.evaluate((sel) => new Promise((resolve) => {
      const w = document.querySelector(sel);
      const out = w.querySelector('.lab-output');
      let start;
      const mo = new MutationObserver(() => {
        if (start === undefined) return;
        if (out.textContent !== '' && !out.hidden) {
          mo.disconnect();
          resolve({ ms: performance.now() - start, state: w.dataset.state });
        } else if (w.dataset.state === 'error') {
          mo.disconnect();
          resolve({ ms: null, state: 'error' });
        }
      });
      mo.observe(w, { subtree: true, childList: true, characterData: true, attributes: true });
      w.querySelector('[data-action=run]').addEventListener('click', (e) => { start = e.timeStamp; }, { once: true, capture: true });
      w.querySelector('[data-action=run]').click();
    }), LISTING);
    const waitDone = () => widgetSettled(page, LISTING, 60_000);
    const first = await once();
    await waitDone();
    await page.waitForTimeout(500);
    const second = await once();
    await waitDone();
    return { first_ms: first.ms, second_ms: second.ms };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- the run

/**
 * `--first`: only the two first-result figures, REPS cold loads each, in a few minutes
 * (the full bench takes much longer and its other figures need a quiet machine for
 * longer). Writes first.json and prints the medians against their targets.
 */
async function firstResultsOnly(browser, info, load, url) {
  say(`page load to first widget result: ${REPS} cold loads of ${FIRST_RESULT_PAGE}`);
  const first = [];
  for (let r = 0; r < REPS; r++) first.push(await firstResult(browser, url));
  say(`runnable listing, Run to first output: ${REPS} cold loads of ${LISTING_PAGE}`);
  const listing = [];
  for (let r = 0; r < REPS; r++) listing.push(await listingFirstOutput(browser, url, true));
  const listingCold = [];
  for (let r = 0; r < REPS; r++) listingCold.push(await listingFirstOutput(browser, url, false));
  load.push(loadavg());
  const report = {
    ...info,
    load_average: load,
    first_result: {
      page: FIRST_RESULT_PAGE,
      result_ms: stats(first.map((x) => x.result)),
      ready_ms: stats(first.map((x) => x.ready)),
      second_run_ms: stats(first.map((x) => x.second_run_ms)),
      target_ms: TARGETS.firstResultMs,
    },
    listing_first_output: {
      page: LISTING_PAGE,
      pointer_on_run_before_click_ms: REACH_MS,
      first_run_ms: stats(listing.map((x) => x.first_ms)),
      second_run_ms: stats(listing.map((x) => x.second_ms)),
      first_run_click_from_nowhere_ms: stats(listingCold.map((x) => x.first_ms)),
      target_ms: TARGETS.listingFirstOutputMs,
    },
    finished: new Date().toISOString(),
  };
  fs.mkdirSync(opt.out, { recursive: true });
  fs.writeFileSync(path.join(opt.out, 'first.json'), `${JSON.stringify(report, null, 2)}\n`);
  const line = (name, s, goal) => say(`${name}: median ${f(s.median)} ms (${f(s.min)}-${f(s.max)}), target ≤ ${goal} ms: ${s.median <= goal ? 'met' : 'missed'}`);
  line('page load to first widget result', report.first_result.result_ms, TARGETS.firstResultMs);
  line(`listing, Run to first output (first Run, pointer on Run ${REACH_MS} ms before)`, report.listing_first_output.first_run_ms, TARGETS.listingFirstOutputMs);
  line('listing, Run to first output (first Run, a click with no pointer before it)', report.listing_first_output.first_run_click_from_nowhere_ms, TARGETS.listingFirstOutputMs);
  say(`listing, later Run: median ${f(report.listing_first_output.second_run_ms.median)} ms; wrote ${path.join(opt.out, 'first.json')}`);
}

async function main() {
  const started = new Date();
  const load = [loadavg()];
  const info = { machine: machine(), reps: REPS, started: started.toISOString() };
  say(`machine: ${info.machine.cpu}, ${info.machine.cores} cores, load ${load[0].join(' ')}`);

  const server = await serve({ root: opt.site, server: opt.server });
  const browser = await launchBrowser();
  info.browser = `Chromium ${browser.version()} (headless, via playwright-core)`;
  const pageProblems = [];
  if (opt.first) {
    try {
      await firstResultsOnly(browser, info, load, server.url);
    } finally {
      await browser.close();
      server.close();
    }
    return;
  }
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => pageProblems.push(`bench page: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageProblems.push(`bench page console: ${m.text()}`); });
    await page.goto(`${server.url}bench/index.html`);
    const env = await page.evaluate(() => window.bench.init());
    info.browser_env = env;
    info.machine_defaults = await call(page, 'threaded', 'machine', {});
    info.model_ids = (await call(page, 'threaded', 'models', {})).map((m) => m.id);
    ALL_MODELS = info.model_ids.join(',');
    const cores = env.hardwareConcurrency;
    const sizes = {
      kernel_n: 200_000_000, interp_n: 20_000_000, par_n: 400_000_000, chunks: 8 * cores,
      gil_threads: 2, gil_n: 4_000_000, switch_ms: 0.1, loop_tasks: 4, loop_awaits: 250_000,
    };
    info.sizes = sizes;

    // The first call of each kernel runs in V8's baseline tier (Liftoff) until the
    // optimised code is ready; note it once, then warm up so rounds measure the
    // optimised code, as every widget run after the first does.
    say('browser: first (cold) calls, then warm-up');
    const cold = {
      kernel_ms: await call(page, 'threaded', 'kernel', { n: sizes.kernel_n }),
      interp_ms: await call(page, 'threaded', 'interpreter', { n: sizes.interp_n }),
    };
    for (let i = 0; i < 3; i++) {
      for (const which of ['threaded', 'single']) {
        await call(page, which, 'kernel', { n: 1_000_000 });
        await call(page, which, 'interpreter', { n: 1_000_000 });
        await call(page, which, 'eventLoop', { tasks: 2, awaits: 10_000, timer: i % 2 === 0 });
      }
      await call(page, 'threaded', 'parallel', { n: 4_000_000, chunks: sizes.chunks });
      await call(page, 'threaded', 'gil', { threads: 2, n: 100_000, switchMs: 0.1 });
      await sleep(200);
    }
    await call(page, 'threaded', 'processStart', {});
    // The engine's compute worker starts with the first run and its code is cold too:
    // one round of the execution models first, kept apart from the measured rounds.
    say('browser: a first (cold) round of the execution models');
    const coldModels = await modelsRound(page, null);

    // The lab's interpreter runs an iteration faster than CPython does, so at the source's
    // size a task is shorter than CPython's and a fixed cost (a process worker's start)
    // weighs more. A second CPU-bound workload gives each task as much time as CPython's:
    // n from CPython's sequential time per task over the browser's time per iteration.
    let equalN = null;
    if (opt['python-ref']) {
      say('sizing the CPU-bound tasks to take as long as CPython\'s (one CPython run, one interpreter run)');
      const py = pythonRound();
      const nsPerIter = (await call(page, 'threaded', 'interpreter', { n: sizes.interp_n })) * 1e6 / sizes.interp_n;
      const pyTaskNs = (py.cpu_bound_s.sequential / 4) * 1e9;
      equalN = Math.min(100_000_000, Math.round(pyTaskNs / nsPerIter / 1e6) * 1e6);
      info.equal_time = { n: equalN, cpython_task_ms: pyTaskNs / 1e6, browser_ns_per_iter: nsPerIter };
    }

    const rounds = [];
    const disturbed = [];
    for (let r = 0; r < REPS; r++) {
      say(`round ${r + 1}/${REPS}: kernels and mechanisms, native then browser, figure by figure`);
      const { native, wasm } = await pairedRound(page, sizes);
      say(`round ${r + 1}/${REPS}: browser execution models (4 tasks, n=${SOURCE_N}; 4 x 500 ms waits)`);
      const models = await modelsRound(page, equalN);
      let python = null;
      if (opt['python-ref']) {
        say(`round ${r + 1}/${REPS}: CPython reference`);
        python = pythonRound();
      }
      load.push(loadavg());
      const round = { native, wasm, models, python, load: load.at(-1) };
      const why = impossible(round, info.machine.cores);
      if (why.length && disturbed.length < MAX_DISTURBED) {
        // Something else took the machine mid-round: throw the round away and measure again.
        say(`round ${r + 1}/${REPS} was disturbed (${why.join('; ')}): measuring it again`);
        disturbed.push({ load: round.load, reasons: why });
        r--;
        continue;
      }
      rounds.push(round);
    }
    await context.close();

    say(`long tasks: every widget on ${LONG_TASK_PAGES.length} pages, ${REPS} passes`);
    const longTasks = [];
    for (let r = 0; r < REPS; r++) longTasks.push(await longTaskPass(browser, server.url));

    say(`page load to first widget result: ${REPS} cold loads of ${FIRST_RESULT_PAGE}`);
    const first = [];
    for (let r = 0; r < REPS; r++) first.push(await firstResult(browser, server.url));
    say(`runnable listing, Run to first output: ${REPS} cold loads of ${LISTING_PAGE}`);
    const listing = [];
    for (let r = 0; r < REPS; r++) listing.push(await listingFirstOutput(browser, server.url, true));
    const listingCold = [];
    for (let r = 0; r < REPS; r++) listingCold.push(await listingFirstOutput(browser, server.url, false));

    say(`what a page costs when nothing is run: ${REPS} cold loads of ${FIRST_RESULT_PAGE} and of ${IDLE_BASELINE_PAGE}, ${IDLE_MS / 1000} s idle each`);
    const idle = { widgets: [], none: [] };
    for (let r = 0; r < REPS; r++) {
      idle.widgets.push(await idleCost(browser, server.url, opt.site, FIRST_RESULT_PAGE));
      idle.none.push(await idleCost(browser, server.url, opt.site, IDLE_BASELINE_PAGE));
    }
    load.push(loadavg());

    const report = summarise({ info, sizes, cold, coldModels, rounds, longTasks, first, idle, listing, listingCold, load, wasmSizes: wasmSizes(opt.site), pageProblems });
    report.disturbed_rounds = disturbed;
    report.finished = new Date().toISOString();
    fs.mkdirSync(opt.out, { recursive: true });
    fs.writeFileSync(path.join(opt.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(opt.out, 'report.md'), markdown(report));
    say(`wrote ${path.join(opt.out, 'report.json')} and report.md`);
  } finally {
    await browser.close();
    server.close();
  }
}

// ---------------------------------------------------------------- figures and targets

/** How many rounds may be thrown away in one sitting before the bench keeps what it gets. */
const MAX_DISTURBED = 2 * REPS;
/** Noise a figure may show before it counts as impossible. */
const SLACK = 1.1;

/**
 * Why a round's figures cannot all be true, if they cannot: a speedup above the machine's
 * core count, or native code slower than the same code in wasm (the reference slower than
 * what it is the reference for). Either means the round was disturbed by other work.
 */
function impossible(round, cores) {
  const why = [];
  const { native, wasm } = round;
  const check = (name, speedup) => {
    if (speedup > cores * SLACK) why.push(`${name} ${speedup.toFixed(2)}x on ${cores} cores`);
  };
  check('native rayon speedup', native.par_serial_ms / native.par_ms);
  check('browser pool speedup', wasm.par_serial_ms / wasm.par_ms);
  for (const [workload, ms] of Object.entries(round.models ?? {})) {
    // I/O-bound runs wait rather than compute: their speedups may exceed the cores.
    if (!workload.startsWith('cpu')) continue;
    for (const [model, m] of Object.entries(ms)) if (m?.speedup) check(`${model} speedup (${workload})`, m.speedup);
  }
  for (const [name, key] of [['sum_native', 'kernel_ms'], ['interpreter', 'interp_ms']]) {
    if (native[key] * 1 > wasm[key] * SLACK) {
      why.push(`native ${name} ${native[key].toFixed(1)} ms slower than wasm ${wasm[key].toFixed(1)} ms`);
    }
  }
  return why;
}

/** Totals of long animation frames: their time, and the scripts that used most of it. */
function frameTime(frames) {
  const by = new Map();
  let scripts = 0;
  let layout = 0;
  for (const fr of frames) {
    for (const x of fr.scripts) {
      by.set(x.what, (by.get(x.what) ?? 0) + x.duration);
      scripts += x.duration;
      layout += x.layout ?? 0;
    }
  }
  return {
    frames: frames.length,
    total_ms: frames.reduce((s, fr) => s + fr.duration, 0),
    scripts_ms: scripts,
    forced_layout_ms: layout,
    render_ms: frames.reduce((s, fr) => s + (fr.render ?? 0), 0),
    style_layout_ms: frames.reduce((s, fr) => s + (fr.styleLayout ?? 0), 0),
    top_scripts: [...by].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([what, ms]) => ({ what, ms })),
  };
}

function summarise({ info, sizes, cold, coldModels, rounds, longTasks, first, idle, listing, listingCold, load, wasmSizes, pageProblems }) {
  const col = (f) => stats(rounds.map(f));
  const cores = info.browser_env.hardwareConcurrency;
  const pool = info.browser_env.threaded.pool;
  const nativeThreads = rounds[0].native.rayon_threads;
  const speedupB = (r) => r.wasm.par_serial_ms / r.wasm.par_ms;
  const speedupN = (r) => r.native.par_serial_ms / r.native.par_ms;

  const kernel = {
    wasm_ms: col((r) => r.wasm.kernel_ms),
    wasm_single_build_ms: col((r) => r.wasm.kernel_st_ms),
    native_ms: col((r) => r.native.kernel_ms),
    ratio: col((r) => r.wasm.kernel_ms / r.native.kernel_ms),
    ratio_single_build: col((r) => r.wasm.kernel_st_ms / r.native.kernel_ms),
    best_ratio: Math.min(...rounds.map((r) => r.wasm.kernel_ms)) / Math.min(...rounds.map((r) => r.native.kernel_ms)),
    first_call_wasm_ms: cold.kernel_ms,
  };
  const interpreter = {
    wasm_ms: col((r) => r.wasm.interp_ms),
    wasm_single_build_ms: col((r) => r.wasm.interp_st_ms),
    native_ms: col((r) => r.native.interp_ms),
    ratio: col((r) => r.wasm.interp_ms / r.native.interp_ms),
    ratio_single_build: col((r) => r.wasm.interp_st_ms / r.native.interp_ms),
    best_ratio: Math.min(...rounds.map((r) => r.wasm.interp_ms)) / Math.min(...rounds.map((r) => r.native.interp_ms)),
    wasm_ns_per_iter: col((r) => (r.wasm.interp_ms * 1e6) / sizes.interp_n),
    native_ns_per_iter: col((r) => (r.native.interp_ms * 1e6) / sizes.interp_n),
    first_call_wasm_ms: cold.interp_ms,
  };
  const parallel = {
    browser_threads: pool,
    native_threads: nativeThreads,
    browser_serial_ms: col((r) => r.wasm.par_serial_ms),
    browser_parallel_ms: col((r) => r.wasm.par_ms),
    native_serial_ms: col((r) => r.native.par_serial_ms),
    native_parallel_ms: col((r) => r.native.par_ms),
    browser_speedup: col(speedupB),
    native_speedup: col(speedupN),
    browser_efficiency: col((r) => speedupB(r) / cores),
    native_efficiency: col((r) => speedupN(r) / nativeThreads),
    browser_vs_native: col((r) => speedupB(r) / speedupN(r)),
    best_browser_speedup: Math.min(...rounds.map((r) => r.wasm.par_serial_ms)) / Math.min(...rounds.map((r) => r.wasm.par_ms)),
    best_native_speedup: Math.min(...rounds.map((r) => r.native.par_serial_ms)) / Math.min(...rounds.map((r) => r.native.par_ms)),
  };
  const modelIds = info.model_ids;
  const models = {};
  for (const w of ['cpu', 'io', 'cpu_fork', 'cpu_equal', 'cpu_equal_fork']) {
    if (!rounds[0].models[w]) continue;
    models[w] = {};
    for (const m of modelIds.filter((id) => rounds[0].models[w][id])) {
      models[w][m] = {
        wall_ms: col((r) => r.models[w][m]?.wall_ms),
        speedup: col((r) => r.models[w][m]?.speedup),
        // Measured over the widget's own prediction for this machine, minus one.
        prediction_error: col((r) => r.models[w][m]?.wall_ms / r.models[w][m]?.predicted_ms - 1),
        threads: rounds[0].models[w][m]?.threads,
      };
    }
  }
  const py = rounds[0].python
    ? {
      version: rounds[0].python.python,
      cpus: rounds[0].python.cpus,
      cpu: {
        sequential_s: col((r) => r.python.cpu_bound_s.sequential),
        'gil-threads': col((r) => r.python.cpu_bound_speedup.threads),
        processes: col((r) => r.python.cpu_bound_speedup.processes),
      },
      io: {
        sequential_s: col((r) => r.python.io_bound_s.sequential),
        'gil-threads': col((r) => r.python.io_bound_speedup.threads),
        asyncio: col((r) => r.python.io_bound_speedup.asyncio),
      },
    }
    : { missing: opt['python-missing'] || 'not run' };
  const allProcessStarts = rounds.flatMap((r) => r.wasm.process_start_ms);
  const costs = {
    process_start_ms: stats(allProcessStarts),
    interpreter_start_us: col((r) => r.wasm.interpreter_start_us),
    // A pool thread is started once, with the page's pool: what one cost then.
    thread_start_ms: info.browser_env.threaded.poolStartMs / info.browser_env.threaded.pool,
    gil_gap_us: { browser: col((r) => r.wasm.gil.gap_median_us), native: col((r) => r.native.gil.gap_median_us) },
    gil_waiting_per_handoff_us: { browser: col((r) => r.wasm.gil.waiting_per_handoff_us), native: col((r) => r.native.gil.waiting_per_handoff_us) },
    gil_handoffs: { browser: col((r) => r.wasm.gil.handoffs), native: col((r) => r.native.gil.handoffs) },
    loop_yield_us: { browser: col((r) => r.wasm.loop_yield.per_switch_us), native: col((r) => r.native.loop_yield.per_switch_us) },
    loop_timer_us: { browser: col((r) => r.wasm.loop_timer.per_switch_us), native: col((r) => r.native.loop_timer.per_switch_us) },
    // What a widget's predictions assume (crates/lab/src/predict.rs's Machine, as the
    // wasm build's `calibrate` returns it before any process start was measured).
    predicted: {
      process_start_ms: info.machine_defaults.process_start_us / 1000,
      interpreter_start_us: info.machine_defaults.interpreter_start_us,
      wake_us: info.machine_defaults.wake_us,
      copy_us: info.machine_defaults.copy_us,
    },
  };
  const duringRuns = longTasks.flatMap((p) => p.pages.flatMap((pg) => pg.during_runs));
  const duringLoad = longTasks.flatMap((p) => p.pages.flatMap((pg) => pg.during_load));
  const long = {
    pages: LONG_TASK_PAGES,
    widgets: longTasks[0].pages.flatMap((pg) => pg.widgets.map((w) => `${pg.page}#${w.id} (${w.experiment})`)),
    passes: longTasks.length,
    per_pass: stats(longTasks.map((p) => p.pages.reduce((s, pg) => s + pg.during_runs.length, 0))),
    total_during_runs: duringRuns.length,
    by_widget: longTasks[0].pages.flatMap((pg) => pg.widgets.map((w) => {
      const mine = duringRuns.filter((t) => t.page === pg.page && t.widget === w.id);
      return {
        widget: `${pg.page}#${w.id}`,
        experiment: w.experiment,
        threads: w.threads,
        long_tasks: mine.length,
        longest_ms: mine.reduce((m, t) => Math.max(m, t.duration), 0),
        run_ms: stats(longTasks.map((p) => p.pages.find((x) => x.page === pg.page)?.widgets.find((x) => x.id === w.id)).filter(Boolean).map((x) => x.to - x.from)),
      };
    })),
    longest_during_runs_ms: duringRuns.reduce((m, t) => Math.max(m, t.duration), 0),
    during_runs: duringRuns,
    total_during_load: duringLoad.length,
    longest_during_load_ms: duringLoad.reduce((m, t) => Math.max(m, t.duration), 0),
    problems: [...new Set(longTasks.flatMap((p) => p.problems))],
    // Where long animation frames (> 50 ms) spent their time, by script.
    frame_time_during_runs: frameTime(longTasks.flatMap((p) => p.pages.flatMap((pg) => pg.frames_during_runs))),
    frame_time_during_load: frameTime(longTasks.flatMap((p) => p.pages.flatMap((pg) => pg.frames_during_load))),
  };
  const firstResult = {
    page: FIRST_RESULT_PAGE,
    settings: FIRST_RESULT_SETTINGS,
    result_ms: stats(first.map((f) => f.result)),
    ready_ms: stats(first.map((f) => f.ready)),
    dom_content_loaded_ms: stats(first.map((f) => f.dcl)),
    response_end_ms: stats(first.map((f) => f.response_end)),
    second_run_ms: stats(first.map((f) => f.second_run_ms)),
    compile_ms: { threaded: info.browser_env.threaded.compileMs, single: info.browser_env.single.compileMs },
    wasm_fetched: first[0].wasm,
  };

  // A verdict on a figure whose rounds spread by more than 1.5× is flagged as noisy.
  const target = (name, value, goal, ok, spread) => ({
    name, value, target: goal, met: value === null ? null : ok,
    noisy: spread && spread.max / spread.min > 1.5 ? `rounds ${f(spread.min)}–${f(spread.max)}` : null,
  });
  const targets = [
    target('wasm / native, sum_native, one thread', kernel.ratio.median, `≤ ${TARGETS.wasmNativeRatio}`, kernel.ratio.median <= TARGETS.wasmNativeRatio, kernel.ratio),
    target('wasm / native, interpreter eval(sum_loop), one thread', interpreter.ratio.median, `≤ ${TARGETS.wasmNativeRatio}`, interpreter.ratio.median <= TARGETS.wasmNativeRatio, interpreter.ratio),
    target(`browser parallel efficiency, sum_parallel on ${pool} threads`, parallel.browser_efficiency.median, `≥ ${TARGETS.parallelEfficiency}`, parallel.browser_efficiency.median >= TARGETS.parallelEfficiency, parallel.browser_efficiency),
    target('browser speedup / native rayon speedup', parallel.browser_vs_native.median, `≥ ${TARGETS.speedupVsNative}`, parallel.browser_vs_native.median >= TARGETS.speedupVsNative, parallel.browser_vs_native),
    target('main-thread long tasks > 50 ms while widgets run', long.total_during_runs, `${TARGETS.longTasks}`, long.total_during_runs <= TARGETS.longTasks),
    target('runnable listing: Run to first output, the page\'s first Run', listing.length ? stats(listing.map((l) => l.first_ms)).median : null, `≤ ${TARGETS.listingFirstOutputMs} ms`, listing.length && stats(listing.map((l) => l.first_ms)).median <= TARGETS.listingFirstOutputMs),
    target('page load to first widget result', firstResult.result_ms.median, `≤ ${TARGETS.firstResultMs} ms`, firstResult.result_ms.median <= TARGETS.firstResultMs),
    ...Object.entries(WASM_BUILDS).filter(([, [name]]) => name).map(([b, [name]]) => target(name, wasmSizes[b].wasm_gzip_bytes, `≤ ${TARGETS.gzipWasmBytes / 1000} kB`, wasmSizes[b].wasm_gzip_bytes <= TARGETS.gzipWasmBytes)),
  ];
  // What the execution models must show on this machine (2 or more cores).
  const speedup = (w, m) => models[w]?.[m]?.speedup;
  const modelTarget = (name, w, m, lo, hi) => {
    const x = speedup(w, m);
    if (!x) return null;
    const goal = hi === undefined ? `≥ ${lo}×` : `${lo}–${hi}×`;
    return target(name, x.median, goal, x.median >= lo && (hi === undefined || x.median <= hi), x);
  };
  const equalN = info.equal_time?.n;
  const modelTargets = [
    modelTarget('CPU-bound, 4 tasks: threads under the GIL', 'cpu', 'gil-threads', 0.7, 1.15),
    modelTarget('CPU-bound, 4 tasks: free threads', 'cpu', 'free-threads', 1.8),
    modelTarget('CPU-bound, 4 tasks: processes (spawn)', 'cpu', 'processes', 1.8),
    modelTarget('CPU-bound, 4 tasks: interpreters', 'cpu', 'interpreters', 1.8),
    modelTarget('CPU-bound, 4 tasks: processes (forkserver)', 'cpu_fork', 'processes', 1.8),
    modelTarget(`CPU-bound, 4 tasks as long as CPython's (n=${equalN?.toLocaleString('en')}): processes (spawn)`, 'cpu_equal', 'processes', 1.8),
    modelTarget(`CPU-bound, 4 tasks as long as CPython's (n=${equalN?.toLocaleString('en')}): processes (forkserver)`, 'cpu_equal_fork', 'processes', 1.8),
    modelTarget(`CPU-bound, 4 tasks as long as CPython's (n=${equalN?.toLocaleString('en')}): free threads`, 'cpu_equal', 'free-threads', 1.8),
    modelTarget('I/O-bound, 4 tasks: threads under the GIL', 'io', 'gil-threads', 3.8),
    modelTarget('I/O-bound, 4 tasks: asyncio', 'io', 'asyncio', 3.8),
  ].filter(Boolean);
  return {
    ...info,
    load_average: { samples: load, one_minute: stats(load.map((l) => l[0])) },
    sizes,
    targets,
    model_targets: modelTargets,
    // Every model's run on the source's CPU-bound workload against its prediction.
    prediction_targets: Object.entries(models.cpu ?? {})
      .filter(([, m]) => Number.isFinite(m.prediction_error?.median))
      .map(([id, m]) => target(`CPU-bound, 4 tasks: ${id}, measured against predicted`, m.prediction_error.median, 'within ±15%', Math.abs(m.prediction_error.median) <= 0.15)),
    kernel,
    interpreter,
    parallel,
    models,
    models_first_round: coldModels,
    cpython: py,
    costs,
    long_tasks: long,
    first_result: firstResult,
    listing_first_output: {
      page: LISTING_PAGE,
      listing: LISTING,
      pointer_on_run_before_click_ms: REACH_MS,
      first_run_ms: stats(listing.map((l) => l.first_ms)),
      later_run_ms: stats(listing.map((l) => l.second_ms)),
      first_run_click_from_nowhere_ms: stats(listingCold.map((l) => l.first_ms)),
    },
    idle_cost: {
      idle_ms: IDLE_MS,
      ...Object.fromEntries(Object.entries(idle).map(([k, loads]) => [k, {
        page: loads[0].page,
        files: stats(loads.map((l) => l.files)),
        gzip_bytes: stats(loads.map((l) => l.gzip_bytes)),
        wasm_gzip_bytes: stats(loads.map((l) => l.wasm_gzip_bytes)),
        workers: stats(loads.map((l) => l.workers)),
        cpu_ms: stats(loads.map((l) => l.cpu_ms)),
      }])),
    },
    wasm_sizes: wasmSizes,
    problems: pageProblems,
    rounds,
  };
}

// ---------------------------------------------------------------- Markdown

const f = (x, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const ms = (s, d = 0) => (s?.median == null ? '—' : `${f(s.median, d)} ms`);
const range = (s, d = 2) => (s?.median == null ? '—' : `${f(s.median, d)} (${f(s.min, d)}–${f(s.max, d)})`);
const kb = (b) => `${(b / 1000).toFixed(1)} kB`;
const verdict = (t) => `${t.met === null ? 'not measured' : t.met ? '**met**' : '**missed**'}${t.noisy ? ` (noisy: ${t.noisy})` : ''}`;

// The main runs' processes are spawned; the fork server's have rows of their own.
const rowName = (model) => (model === 'processes' ? 'processes, spawn' : model);

function markdown(r) {
  const m = r.machine;
  const L = [];
  const load = r.load_average.one_minute;
  L.push('# Concurrency Lab benchmark report', '');
  L.push(`- **Machine:** ${m.cpu}, ${m.cores} cores (the browser reports \`hardwareConcurrency\` = ${r.browser_env.hardwareConcurrency}), ${m.memory_gib} GiB memory; ${m.kernel}`);
  L.push(`- **Browser:** ${r.browser}; page cross-origin isolated: ${r.browser_env.threaded.isolated}; rayon pool of ${r.browser_env.threaded.pool} Web Workers`);
  L.push(`- **Toolchains:** native ${m.rustc_native ?? '?'}; wasm ${m.rustc_wasm ?? '?'}; ${m.node}${r.cpython.version ? `; CPython ${r.cpython.version}` : ''}`);
  L.push(`- **When:** ${r.started} to ${r.finished}${m.commit ? `, commit ${m.commit}` : ''}`);
  L.push(`- **Load average (1 min) during the run:** median ${f(load.median)}, ${f(load.min)}–${f(load.max)} (${m.cores} cores: above ${m.cores} means other work was competing for them)`);
  L.push(`- **Repetitions:** every figure is the median of ${r.reps} rounds (min–max in brackets); each figure is measured natively and then at once in the browser, and CPython's rounds alternate with the browser's, so every pair sees about the same load. Ratios are the median of per-round ratios; \"best\" is the ratio of the fastest runs, which noise can only slow down.`);
  L.push('');
  L.push('## Targets', '');
  L.push('| figure | measured | target | |', '|---|---|---|---|');
  const row = (x, text) => L.push(`| ${x.name} | ${text} | ${x.target} | ${verdict(x)} |`);
  // Each target's row, found by name (a report written before a target existed has none).
  const targetRow = (prefix, text) => {
    const t = r.targets.find((x) => x.name.startsWith(prefix));
    if (t) row(t, text());
  };
  targetRow('wasm / native, sum_native', () => `${range(r.kernel.ratio)} — wasm ${ms(r.kernel.wasm_ms)}, native ${ms(r.kernel.native_ms)}; best ${f(r.kernel.best_ratio)}`);
  targetRow('wasm / native, interpreter', () => `${range(r.interpreter.ratio)} — wasm ${ms(r.interpreter.wasm_ms)}, native ${ms(r.interpreter.native_ms)}; best ${f(r.interpreter.best_ratio)}`);
  targetRow('browser parallel efficiency', () => `${range(r.parallel.browser_efficiency)} — speedup ${f(r.parallel.browser_speedup.median)}× on ${r.parallel.browser_threads} threads; best ${f(r.parallel.best_browser_speedup)}×`);
  targetRow('browser speedup / native', () => `${range(r.parallel.browser_vs_native)} — browser ${f(r.parallel.browser_speedup.median)}×, native ${f(r.parallel.native_speedup.median)}× on ${r.parallel.native_threads} threads; best ${f(r.parallel.best_browser_speedup)}× vs ${f(r.parallel.best_native_speedup)}×`);
  targetRow('main-thread long tasks', () => `${r.long_tasks.total_during_runs} in ${r.long_tasks.passes} passes over ${r.long_tasks.widgets.length} widgets${r.long_tasks.total_during_runs ? ` (longest ${f(r.long_tasks.longest_during_runs_ms, 0)} ms)` : ''}`);
  targetRow('runnable listing', () => `${range(r.listing_first_output.first_run_ms, 0)} ms (${r.listing_first_output.listing}, ${r.listing_first_output.page}; a later Run ${ms(r.listing_first_output.later_run_ms)})`);
  targetRow('page load to first widget result', () => `${range(r.first_result.result_ms, 0)} ms (cold cache, ${r.first_result.page}, n=${r.first_result.settings.n})`);
  for (const [build, [name]] of Object.entries(WASM_BUILDS)) {
    const size = r.wasm_sizes[build];
    if (name) targetRow(name, () => `${kb(size.wasm_gzip_bytes)} (${kb(size.wasm_bytes)} raw)`);
  }
  L.push('');
  const thrown = r.disturbed_rounds ?? [];
  L.push(thrown.length
    ? `**Disturbed rounds:** ${thrown.length} round(s) were thrown away and measured again, because a figure in them was physically impossible: ${thrown.map((d) => `${d.reasons.join(', ')} (load ${f(d.load[0])})`).join('; ')}.`
    : '**Disturbed rounds:** none (no round had a speedup above the core count or native code slower than wasm).', '');
  if (load.median > m.cores) {
    L.push(`**Caution:** the load average (median ${f(load.median)}) was above the ${m.cores} cores during this run: other programs were using the CPU, so the parallel figures mostly measure that competition, and every figure is noisier than on an idle machine (see the ranges). The ratios pair figures measured back to back, which cancels part of it.`, '');
  }
  L.push(`Sizes: sum_native over 0..${r.sizes.kernel_n.toLocaleString('en')}; the interpreter over 0..${r.sizes.interp_n.toLocaleString('en')}; sum_parallel over 0..${r.sizes.par_n.toLocaleString('en')} in ${r.sizes.chunks} chunks, against sum_native over the same range on one thread. wasm figures are from the threaded build (the one widgets run on an isolated page); the single-threaded build: sum_native ${range(r.kernel.ratio_single_build)}× native, interpreter ${range(r.interpreter.ratio_single_build)}× native. The very first call, before V8 has optimised the code, took ${f(r.kernel.first_call_wasm_ms, 0)} ms (sum_native) and ${f(r.interpreter.first_call_wasm_ms, 0)} ms (interpreter).`);
  L.push('');

  L.push('## Execution models on the source\'s workloads, browser vs CPython', '');
  const py = r.cpython;
  if (py.missing) L.push(`CPython was not measured: ${py.missing}`, '');
  L.push(`CPU-bound: 4 tasks of \`sum(range(${SOURCE_N.toLocaleString('en')}))\`; I/O-bound: 4 tasks each waiting 500 ms. Speedup over sequential, median of ${r.reps} rounds (min–max).`, '');
  L.push('| model | CPU-bound, browser | CPU-bound, CPython | I/O-bound, browser | I/O-bound, CPython |', '|---|---|---|---|---|');
  const pyCell = (w, m) => (py.missing ? '—' : py[w][m] ? `${range(py[w][m])}×` : '—');
  for (const m of Object.keys(r.models.cpu)) {
    const b = (w) => `${range(r.models[w][m].speedup)}×`;
    L.push(`| ${rowName(m)} (${r.models.cpu[m].threads} ${m === 'processes' ? 'workers' : 'lane(s)'}) | ${b('cpu')} | ${m === 'sequential' ? `1× (${f(py.cpu?.sequential_s?.median)} s)` : pyCell('cpu', m)} | ${b('io')} | ${m === 'sequential' ? `1× (${f(py.io?.sequential_s?.median)} s)` : pyCell('io', m)} |`);
    if (m === 'processes' && r.models.cpu_fork) {
      L.push(`| processes, forkserver (${r.models.cpu_fork.processes.threads} workers) | ${range(r.models.cpu_fork.processes.speedup)}× | ${pyCell('cpu', m)} (fork) | — | — |`);
    }
  }
  L.push('');
  if (r.models.cpu_equal) {
    const e = r.equal_time;
    L.push(`### CPU-bound tasks as long as CPython's`, '');
    L.push(`The lab's interpreter took ${f(e.browser_ns_per_iter, 1)} ns per iteration where CPython took ${f(e.cpython_task_ms * 1e6 / SOURCE_N, 1)} ns, so at the source's size a task here lasts ${f(SOURCE_N * e.browser_ns_per_iter / 1e6, 0)} ms against CPython's ${f(e.cpython_task_ms, 0)} ms, and a fixed cost such as a process worker's start weighs ${f(e.cpython_task_ms * 1e6 / SOURCE_N / e.browser_ns_per_iter)}× more. The same 4 tasks with n=${e.n.toLocaleString('en')} (sized at the start of this run so that a task takes as long as CPython's):`, '');
    L.push('| model | speedup, browser | wall time |', '|---|---|---|');
    for (const m of ALL_MODELS.split(',')) L.push(`| ${rowName(m)} | ${range(r.models.cpu_equal[m].speedup)}× | ${ms(r.models.cpu_equal[m].wall_ms)} |`);
    const fork = r.models.cpu_equal_fork?.processes;
    if (fork) L.push(`| processes, forkserver | ${range(fork.speedup)}× | ${ms(fork.wall_ms)} |`);
    L.push('');
  }
  if (r.model_targets?.length) {
    L.push('### Targets for the models', '');
    L.push('| figure | measured speedup | target | |', '|---|---|---|---|');
    for (const t of r.model_targets) L.push(`| ${t.name} | ${f(t.value)}× | ${t.target} | ${verdict(t)} |`);
    L.push('');
  }
  if (r.prediction_targets?.length) {
    L.push('### Predictions', '');
    L.push('| figure | measured / predicted − 1 (median) | target | |', '|---|---|---|---|');
    for (const t of r.prediction_targets) L.push(`| ${t.name} | ${t.value >= 0 ? '+' : ''}${f(t.value * 100, 0)}% | ${t.target} | ${verdict(t)} |`);
    L.push('');
  }
  const coldSeq = r.models_first_round.cpu.sequential.wall_ms;
  L.push(`Sequential wall time in the browser: CPU-bound ${ms(r.models.cpu.sequential.wall_ms)}, I/O-bound ${ms(r.models.io.sequential.wall_ms)}. These rounds ran on a compute worker that had already run the models once; on that first, cold round (V8 still running its baseline code), the CPU-bound sequential run took ${f(coldSeq, 0)} ms (${f(coldSeq / r.models.cpu.sequential.wall_ms.median)}× the later rounds' median). A widget's first run on a page is such a cold round, and its sequential baseline is the first model it runs. CPython ${py.version ?? ''} has no free-threaded build here, its reference script runs no processes on the I/O-bound workload and no asyncio on the CPU-bound one: those cells are empty.`);
  L.push('');

  L.push('## What the mechanisms cost', '');
  L.push('| mechanism | browser | native Rust | the predictions assume |', '|---|---|---|---|');
  const c = r.costs;
  L.push(`| starting a process worker (spawn + instantiate the single-threaded build), ${c.process_start_ms.n} starts | ${range(c.process_start_ms, 1)} ms | — | ${c.predicted.process_start_ms} ms of a core's work (one alone takes that; starts at once share the cores) |`);
  if (c.interpreter_start_us) L.push(`| starting an interpreter (its own lock, namespace and compiled code, on a pool thread) | ${range(c.interpreter_start_us, 1)} µs | — | ${c.predicted.interpreter_start_us} µs |`);
  if (Number.isFinite(c.thread_start_ms)) L.push(`| starting a thread of the pool (once per page, with the pool: its start divided by its threads) | ${f(c.thread_start_ms, 1)} ms | — | — |`);
  L.push(`| GIL hand-off: from one thread dropping the lock to the other running (median gap; 2 threads, switch interval ${r.sizes.switch_ms} ms) | ${range(c.gil_gap_us.browser, 1)} µs | ${range(c.gil_gap_us.native, 1)} µs | ${c.predicted.wake_us} µs |`);
  L.push(`| time in waiting-gil spans per hand-off (same run) | ${range(c.gil_waiting_per_handoff_us.browser, 0)} µs | ${range(c.gil_waiting_per_handoff_us.native, 0)} µs | |`);
  L.push(`| hand-offs in the run | ${range(c.gil_handoffs.browser, 0)} | ${range(c.gil_handoffs.native, 0)} | |`);
  L.push(`| event-loop switch: one bare yield (${r.sizes.loop_tasks} tasks × ${r.sizes.loop_awaits.toLocaleString('en')} awaits) | ${range(c.loop_yield_us.browser, 3)} µs | ${range(c.loop_yield_us.native, 3)} µs | |`);
  L.push(`| event-loop switch: \`sleep(0)\` through the timer queue | ${range(c.loop_timer_us.browser, 3)} µs | ${range(c.loop_timer_us.native, 3)} µs | |`);
  L.push(`| interpreter, one loop iteration | ${range(r.interpreter.wasm_ns_per_iter, 1)} ns | ${range(r.interpreter.native_ns_per_iter, 1)} ns | measured by each widget before its prediction |`);
  L.push('');
  L.push(`The hand-off itself is the gap between one thread's last running span and the other's first (in the browser the clock ticks every 5 µs, so its gaps come in steps of 5 µs). The time spent waiting per hand-off is the switch interval (${r.sizes.switch_ms} ms) plus however long the waiting thread takes to get a core once its timed wait expires: on an idle machine about the interval, on a busy one up to the kernel's scheduling tick, which is why the run makes fewer hand-offs than its length divided by the interval.`);
  L.push('');

  L.push('## Long tasks and first result', '');
  L.push(`Long tasks: a \`PerformanceObserver\` for \`longtask\` on each page while every widget on it ran with the chapter's own settings, one after another (${r.long_tasks.passes} passes over ${r.long_tasks.pages.join(', ')}). During the runs: ${r.long_tasks.total_during_runs} over 50 ms${r.long_tasks.total_during_runs ? ` (longest ${f(r.long_tasks.longest_during_runs_ms, 0)} ms)` : ''}. While the pages loaded, before any run: ${r.long_tasks.total_during_load}${r.long_tasks.total_during_load ? ` (longest ${f(r.long_tasks.longest_during_load_ms, 0)} ms)` : ''}.${r.long_tasks.problems.length ? ` Widgets that failed: ${r.long_tasks.problems.join('; ')}.` : ''}`);
  if (r.long_tasks.total_during_runs) {
    L.push('');
    L.push(`| widget | experiment | threads | long tasks (all passes) | longest | run time |`, '|---|---|---|---|---|---|');
    for (const w of r.long_tasks.by_widget) {
      L.push(`| ${w.widget} | ${w.experiment} | ${w.threads} | ${w.long_tasks} | ${w.long_tasks ? `${f(w.longest_ms, 0)} ms` : '—'} | ${ms(w.run_ms)} |`);
    }
  }
  const ft = r.long_tasks.frame_time_during_runs;
  if (ft.frames) {
    L.push('');
    L.push(`Long animation frames (over 50 ms) during the runs: ${ft.frames}, ${f(ft.total_ms, 0)} ms in all, of which scripts ${f(ft.scripts_ms, 0)} ms (forced style and layout inside them ${f(ft.forced_layout_ms, 0)} ms) and the rendering step ${f(ft.render_ms, 0)} ms (style and layout ${f(ft.style_layout_ms, 0)} ms, then paint); the rest is time between them, when the main thread was busy with other work or waiting for a core. Scripts that used most of it: ${ft.top_scripts.map((x) => `\`${x.what}\` ${f(x.ms, 0)} ms`).join(', ') || 'none attributed'}.`);
  }
  L.push('');
  if (r.listing_first_output) {
    const l = r.listing_first_output;
    L.push(`Runnable listing: from pressing Run on ${l.listing} (${l.page}, unedited, the page loaded) to its first output on screen: ${ms(l.first_run_ms)} on the page's first Run with the pointer on Run ${l.pointer_on_run_before_click_ms ?? '—'} ms before the click (the page starts the Python worker as the pointer arrives), ${ms(l.first_run_click_from_nowhere_ms)} for a first Run whose click comes with no pointer or focus before it (the whole start after the click), and ${ms(l.later_run_ms)} on a later Run (median of ${r.reps}; target 300 ms).`, '');
  }
  if (r.idle_cost) {
    const { widgets: w, none: n, idle_ms: idleMs } = r.idle_cost;
    const kb = (x) => `${f(x.median / 1000, 0)} kB`;
    L.push(`What a page costs a reader who runs nothing: a cold load, the first widget scrolled into view, and ${idleMs / 1000} s idle; median of ${r.reps}. ${w.page} (the warm start fires: the compute worker and its pool start ahead of a click): ${kb(w.gzip_bytes)} gzipped in ${f(w.files.median, 0)} files, of which ${kb(w.wasm_gzip_bytes)} wasm; ${f(w.workers.median, 0)} workers started; ${f(w.cpu_ms.median, 0)} ms of CPU in all the browser's processes. ${n.page} (no widget): ${kb(n.gzip_bytes)} in ${f(n.files.median, 0)} files, ${f(n.workers.median, 0)} workers, ${f(n.cpu_ms.median, 0)} ms of CPU. The difference is what the warm start costs a reader who never presses Run.`, '');
  }
  L.push(`First result: ${r.reps} cold loads (a fresh browser context each) of ${r.first_result.page}; the first widget's Run is pressed the moment the widget is mounted, with n=${r.first_result.settings.n}. Median times from navigation start: page received ${ms(r.first_result.response_end_ms)}, widget mounted ${ms(r.first_result.ready_ms)}, DOMContentLoaded ${ms(r.first_result.dom_content_loaded_ms)}, result shown ${ms(r.first_result.result_ms)}. Pressing Run again on the same page, with the compute worker and its pool already started, took ${ms(r.first_result.second_run_ms)}: the rest is start-up (fetching and compiling both wasm builds — ${f(r.first_result.compile_ms.threaded, 0)} ms and ${f(r.first_result.compile_ms.single, 0)} ms on the bench page —, starting the compute worker and its pool, instantiating the module in each). The page fetched ${r.first_result.wasm_fetched.join(' and ')} (an isolated page compiles the single-threaded build too, for process workers).`);
  L.push('');
  const compiler = r.wasm_sizes.compiler;
  if (compiler) L.push(`The compiler's wasm, loaded only to run an edited listing: ${kb(compiler.wasm_gzip_bytes)} gzipped (${kb(compiler.wasm_bytes)} raw).`, '');
  L.push(`Gzipped JS glue, for the record: threaded ${kb(r.wasm_sizes.threaded.js_gzip_bytes)}, single-threaded ${kb(r.wasm_sizes.single.js_gzip_bytes)}. Sizes are \`gzip -9\` of the files in the built site; 1 kB = 1000 bytes.`);
  if (r.problems.length) L.push('', `Problems on the bench page: ${r.problems.join('; ')}`);
  L.push('');
  return L.join('\n');
}

if (opt.markdown) {
  process.stdout.write(markdown(JSON.parse(fs.readFileSync(opt.markdown, 'utf8'))));
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e.stack || e}\n`);
  process.exit(1);
});
