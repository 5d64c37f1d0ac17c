// @ts-check
// Runnable listings (`data-lab="python"` widgets, written under a ```python block by
// mdbook-lab): Run starts a Python worker the first time (python-worker.js, which alone
// downloads the build with Python), shows the output while the program runs, and after it
// stdout, stderr or the traceback and a per-thread summary of the trace. Stop ends the run.
// Editing, links that carry a program and marked traceback lines: listing/editor.js. Its
// settings (listing/controls.js) and output (listing/output.js) have modules of their own.

import { copyEmbed } from './embed-code.js';
import { setState } from './views/common.js';
import { clearMarks, markTraceback, mountEditing, programOf } from './listing/editor.js';
import { readSettings, runOptions, settingPairs, applyQuery, lockSettings, describe } from './listing/controls.js';
import { showOutput, streamOutput, showCpython, noteRecordedSource } from './listing/output.js';

/** The one Python worker of the page, started by the first Run (or as a reader reaches
 * for Run). @type {Worker | null} */
let worker = null;
/** Whether the worker has its build loaded and its threads started. */
let loaded = false;
/** The widget whose listing runs now, and how to settle its run. */
/** @type {{ root: HTMLElement, t0: number, threaded: boolean, lines: any[], settle: (msg: any) => void } | null} */
let active = null;
/** After Stop: ends the worker if the run does not end by itself soon. */
/** @type {ReturnType<typeof setTimeout> | undefined} */
let killTimer;

// Python threads each take one thread of the worker pool for as long as they live, and so
// do the main thread, each process and each subinterpreter. The book's listings need up
// to 10 at once (a pool of four processes or interpreters with its threads, eight threads
// and the main thread), and `ProcessPoolExecutor()` starts a process per core
// (`os.cpu_count()` is the machine's `hardwareConcurrency`) next to a few threads.
const POOL_THREADS = Math.max(16, (navigator.hardwareConcurrency || 1) + 8);
// The threaded build stops a run at its next step; the single-threaded one cannot be
// reached while it runs, so its worker is ended instead.
const STOP_GRACE_MS = 1000;

/** Each listing's source as the book has it, whose compiled code the widget carries. */
/** @type {WeakMap<HTMLElement, string>} */
const bookSources = new WeakMap();

/**
 * The compiled code to send with `source`: the book's (data-code, base64) while the
 * source is the book's; none for an edited one, which the worker compiles.
 * @param {HTMLElement} root @param {string} source
 */
function bookCode(root, source) {
  return source === bookSources.get(root) ? root.dataset.code : undefined;
}

const threaded = () => self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';

const $ = (/** @type {ParentNode} */ root, /** @type {string} */ sel) => /** @type {any} */ (root.querySelector(sel));

function startWorker() {
  const w = new Worker(new URL('./python-worker.js', import.meta.url), { type: 'module', name: 'lab-python' });
  w.onmessage = ({ data }) => {
    if (data.type === 'loaded') loaded = true;
    else if (data.type === 'checked') checks.shift()?.(data);
    else active?.settle(data);
  };
  w.onerror = (e) => {
    const message = e.message || 'the Python worker failed to start';
    for (const answer of checks.splice(0)) answer({ failed: message });
    active?.settle({ type: 'failed', message });
  };
  return w;
}

/** Compile checks waiting for the worker's answers, oldest first. @type {((answer: any) => void)[]} */
const checks = [];

/**
 * Compiles `source` on the page's Python worker without running it.
 * @param {string} source @returns {Promise<string | null>} the error as CPython reports it, or null
 */
function check(source) {
  worker ??= startWorker();
  worker.postMessage({ type: 'check', source, threaded: threaded(), threads: POOL_THREADS });
  return new Promise((resolve, reject) => checks.push((answer) => (answer.failed ? reject(new Error(answer.failed)) : resolve(answer.report))));
}

/**
 * Starts the worker, its build and its threads as a reader reaches for Run (the pointer
 * over it, a finger on it, keyboard focus on it): most of a first Run's wait is spent
 * before the click. A reader who never comes near Run downloads nothing of Python.
 */
function warm() {
  if (worker) return;
  worker = startWorker();
  worker.postMessage({ type: 'load', threaded: threaded(), threads: POOL_THREADS });
}

/** Ends the worker (a new Run starts another). */
function endWorker() {
  worker?.terminate();
  worker = null;
  loaded = false;
  for (const answer of checks.splice(0)) answer({ failed: 'the Python worker was ended' });
}

const ms = (/** @type {number} */ v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/** The per-thread table of a finished run. @param {HTMLElement} box @param {any} summary */
function showSummary(box, summary) {
  box.replaceChildren();
  // The caption stays above the table's scroll box, so that on a phone it is read whole
  // while the table scrolls sideways under it.
  const caption = document.createElement('p');
  caption.className = 'lab-summary-caption';
  caption.id = `${box.closest('.lab-widget')?.id ?? 'lab'}-summary-caption`;
  const children = summary.lanes.filter((/** @type {any} */ l) => l.process).map((/** @type {any} */ l) => /^interpreter \d+$/.test(l.process));
  const kinds = ['Threads', children.includes(false) && 'processes', children.includes(true) && 'interpreters'].filter(Boolean);
  const who = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : kinds[0];
  caption.textContent = summary.gil
    ? `${who}: time running, waiting for the GIL and blocked; the GIL changed hands ${summary.handoffs} times.`
    : `${who}: time running and blocked (no GIL).`;
  const scroll = document.createElement('div');
  scroll.className = 'lab-table-scroll';
  const table = document.createElement('table');
  table.setAttribute('aria-labelledby', caption.id);
  const head = table.createTHead().insertRow();
  for (const h of ['thread', 'running', 'waiting for the GIL', 'blocked']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    head.append(th);
  }
  const body = table.createTBody();
  for (const lane of summary.lanes) {
    const row = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = lane.name;
    row.append(th);
    for (const v of [lane.running_ms, lane.gil_ms, lane.blocked_ms]) row.insertCell().textContent = ms(v);
  }
  scroll.append(table);
  box.append(caption, scroll);
  box.hidden = false;
  // Wider than its box (a phone), it scrolls sideways: the keyboard must reach it.
  if (scroll.scrollWidth > scroll.clientWidth) {
    scroll.tabIndex = 0;
    scroll.setAttribute('role', 'region');
    scroll.setAttribute('aria-labelledby', caption.id);
  }
}

/** The run's timeline, an SVG drawn by the lab's own chart code in the worker. @param {HTMLElement} box @param {string | undefined} svg */
function showTimeline(box, svg) {
  if (!svg) return;
  const figure = document.createElement('figure');
  figure.className = 'lab-timeline-figure';
  figure.innerHTML = svg; // the lab's own markup: every label in it is escaped
  box.append(figure);
  // Wider than a phone, it scrolls sideways: the keyboard must reach it to scroll it.
  if (figure.scrollWidth > figure.clientWidth) {
    figure.tabIndex = 0;
    figure.setAttribute('aria-label', 'Timeline of the run (scrolls sideways)');
  }
}

/** Runs the widget's listing. @param {HTMLElement} root */
function run(root) {
  const status = $(root, '.lab-status');
  if (active) {
    // One listing at a time: the page has one Python worker.
    status.textContent = 'Another listing on this page is running: stop it or let it finish first.';
    return;
  }
  const out = $(root, '.lab-output');
  const error = $(root, '.lab-error');
  const summaryBox = $(root, '.lab-summary');
  clearMarks(root);
  error.hidden = true;
  summaryBox.hidden = true;
  streamOutput(out, '');
  // The program as the reader has it (edited, or from a link), else the book's.
  const source = programOf(root);
  showCpython(root, out, source);
  delete root.dataset.result;
  const settings = readSettings(root);
  lockSettings(root, true);
  setState(root, 'running');
  const wantThreads = threaded();
  status.textContent = loaded ? 'Running...' : 'Loading Python, then running...';
  worker ??= startWorker();
  active = {
    root,
    t0: performance.now(),
    threaded: wantThreads,
    lines: [],
    settle(/** @type {any} */ msg) {
      if (msg.type === 'output') {
        status.textContent = 'Running...';
        if (active) active.lines.push(...(msg.lines ?? []));
        streamOutput(out, msg.stdout, active?.lines ?? []);
        return;
      }
      clearTimeout(killTimer);
      active = null;
      lockSettings(root, false);
      if (msg.type === 'failed') {
        endWorker(); // its state is unknown after a failure
        error.textContent = msg.message;
        error.hidden = false;
        status.textContent = '';
        setState(root, 'error');
        return;
      }
      const r = msg.result;
      showOutput(out, r);
      showCpython(root, out, source);
      const how = describe(settings);
      status.textContent = r.stopped
        ? `Stopped after ${ms(r.wall_ms)}.`
        : `Finished in ${ms(r.wall_ms)} with exit code ${r.exit_code}${how ? ` (${how})` : ''}${wantThreads ? '' : ' (threads cannot run here: the page is not cross-origin isolated)'}.`;
      if (r.exit_code !== 0 && !r.stopped) markTraceback(root, r.stderr);
      // A listing that did not compile never ran: no threads to show.
      if (r.summary.lanes.length > 0) {
        showSummary(summaryBox, r.summary);
        showTimeline(summaryBox, r.timeline);
      }
      // The chart and the marked lines are in the widget; the result keeps the figures.
      const { timeline: _drawn, lines: _marked, ...figures } = r;
      root.dataset.result = JSON.stringify({ ...figures, settings });
      setState(root, r.exit_code === 0 || r.stopped ? 'done' : 'error');
    },
  };
  worker.postMessage({ type: 'run', source, code: bookCode(root, source), threaded: wantThreads, threads: POOL_THREADS, options: runOptions(settings) });
}

/** Stops the widget's run. @param {HTMLElement} root */
function stop(root) {
  if (active?.root !== root || !worker) return;
  worker.postMessage({ type: 'stop' });
  const { settle, t0 } = active;
  killTimer = setTimeout(() => {
    // Still running: end the worker, and with it the program.
    endWorker();
    settle({
      type: 'done',
      result: { stdout: $(root, '.lab-output').textContent, stderr: '', exit_code: 1, stopped: true, wall_ms: performance.now() - t0, threads: 0, summary: { gil: true, handoffs: 0, lanes: [] } },
    });
  }, active.threaded ? STOP_GRACE_MS : 0);
}

/** Makes one listing widget live. @param {HTMLElement} root */
export function mountListing(root) {
  if (root.dataset.mounted) return;
  root.dataset.mounted = 'true';
  bookSources.set(root, root.dataset.source ?? '');
  const runButton = $(root, '[data-action=run]');
  runButton.addEventListener('click', () => run(root));
  for (const reach of ['pointerenter', 'focus', 'touchstart']) runButton.addEventListener(reach, warm, { passive: true });
  $(root, '[data-action=stop]').addEventListener('click', () => stop(root));
  // Its embed page and links run it with the settings chosen here.
  root.querySelector('[data-action=embed]')?.addEventListener('click', () => copyEmbed(root, settingPairs(root)));
  noteRecordedSource(root);
  applyQuery(root, new URLSearchParams(location.search));
  $(root, '.lab-status').textContent = 'Press Run to run this listing in your browser.';
  mountEditing(root, { run: () => run(root), check });
  root.dataset.ready = 'true';
}
