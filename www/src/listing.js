// @ts-check
// Runnable listings (`data-lab="python"` widgets, written under a ```python block by
// mdbook-lab): Run starts a Python worker the first time (python-worker.js, which alone
// downloads the build with Python), shows the output while the program runs, and after it
// stdout, stderr or the traceback and a per-thread summary of the trace. Stop ends the run.

import { copyEmbed } from './embed-code.js';
import { setState } from './views/common.js';

/** The one Python worker of the page, started by the first Run. @type {Worker | null} */
let worker = null;
/** The widget whose listing runs now, and how to settle its run. */
/** @type {{ root: HTMLElement, t0: number, threaded: boolean, settle: (msg: any) => void } | null} */
let active = null;
/** After Stop: ends the worker if the run does not end by itself soon. */
/** @type {ReturnType<typeof setTimeout> | undefined} */
let killTimer;

// Python threads each take one thread of the worker pool for as long as they live.
const POOL_THREADS = 8;
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
  w.onmessage = ({ data }) => active?.settle(data);
  w.onerror = (e) => active?.settle({ type: 'failed', message: e.message || 'the Python worker failed to start' });
  return w;
}

/** Ends the worker (a new Run starts another). */
function endWorker() {
  worker?.terminate();
  worker = null;
}

const ms = (/** @type {number} */ v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/** The per-thread table of a finished run. @param {HTMLElement} box @param {any} summary */
function showSummary(box, summary) {
  box.replaceChildren();
  const table = document.createElement('table');
  const caption = table.createCaption();
  caption.textContent = summary.gil
    ? `Threads: time running, waiting for the GIL and blocked; the GIL changed hands ${summary.handoffs} times.`
    : 'Threads: time running and blocked (no GIL).';
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
  box.append(table);
  box.hidden = false;
}

/** The run's timeline, an SVG drawn by the lab's own chart code in the worker. @param {HTMLElement} box @param {string | undefined} svg */
function showTimeline(box, svg) {
  if (!svg) return;
  const figure = document.createElement('figure');
  figure.className = 'lab-timeline-figure';
  figure.innerHTML = svg; // the lab's own markup: every label in it is escaped
  box.append(figure);
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
  error.hidden = true;
  summaryBox.hidden = true;
  out.textContent = '';
  out.hidden = true;
  delete root.dataset.result;
  setState(root, 'running');
  const wantThreads = threaded();
  status.textContent = worker ? 'Running...' : 'Loading Python, then running...';
  worker ??= startWorker();
  active = {
    root,
    t0: performance.now(),
    threaded: wantThreads,
    settle(/** @type {any} */ msg) {
      if (msg.type === 'output') {
        status.textContent = 'Running...';
        out.textContent = msg.stdout;
        out.hidden = false;
        return;
      }
      clearTimeout(killTimer);
      active = null;
      if (msg.type === 'failed') {
        endWorker(); // its state is unknown after a failure
        error.textContent = msg.message;
        error.hidden = false;
        status.textContent = '';
        setState(root, 'error');
        return;
      }
      const r = msg.result;
      out.textContent = r.stdout + r.stderr;
      out.hidden = out.textContent === '';
      status.textContent = r.stopped
        ? `Stopped after ${ms(r.wall_ms)}.`
        : `Finished in ${ms(r.wall_ms)} with exit code ${r.exit_code}${wantThreads ? '' : ' (threads cannot run here: the page is not cross-origin isolated)'}.`;
      // A listing that did not compile never ran: no threads to show.
      if (r.summary.lanes.length > 0) {
        showSummary(summaryBox, r.summary);
        showTimeline(summaryBox, r.timeline);
      }
      // The chart is in the widget; the result keeps the figures.
      const { timeline: _drawn, ...figures } = r;
      root.dataset.result = JSON.stringify(figures);
      setState(root, r.exit_code === 0 || r.stopped ? 'done' : 'error');
    },
  };
  const source = root.dataset.source ?? '';
  worker.postMessage({ type: 'run', source, code: bookCode(root, source), threaded: wantThreads, threads: POOL_THREADS });
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
  $(root, '[data-action=run]').addEventListener('click', () => run(root));
  $(root, '[data-action=stop]').addEventListener('click', () => stop(root));
  // A listing has no settings: its embed page shows it as the book has it.
  root.querySelector('[data-action=embed]')?.addEventListener('click', () => copyEmbed(root, []));
  $(root, '.lab-status').textContent = 'Press Run to run this listing in your browser.';
  root.dataset.ready = 'true';
}
