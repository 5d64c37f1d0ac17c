// The chooser view: recommends a Python concurrency model for the workload the reader
// set, from what this run measured, and shows that evidence (and the page's earlier runs).

import { el, useStyles, formatMs } from './common.js';

/** Differences smaller than this share of the fastest time count as a tie: one run is noisy. */
export const NOISE = 0.10;

// Each model's label and its Python counterpart, from the models' descriptions in Rust
// (the compute worker sends them; render() receives them).
let LABEL = {};
let PYTHON = {};
// Among models that tie, the one a Python programmer would reach for first.
const PREFERENCE = {
  io: ['asyncio', 'gil-threads', 'processes', 'interpreters', 'free-threads', 'sequential'],
  mixed: ['asyncio', 'gil-threads', 'processes', 'interpreters', 'free-threads', 'sequential'],
  cpu: ['processes', 'interpreters', 'free-threads', 'gil-threads', 'asyncio', 'sequential'],
};

// Earlier runs of the same widget, newest last: the evidence accumulates.
const history = new WeakMap();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const sumOf = (run, state) => run.spans.filter((s) => s.state === state).reduce((a, s) => a + (s.end_us - s.start_us), 0);

/**
 * The recommendation for a measured report: `{ pick, kind, ioShare, ranked, tied,
 * baseline, noClearWinner, fallback, startupMs }`. Pure, so that it can be tested alone.
 */
export function choose(report) {
  const runs = (report.runs || []).filter((r) => Number.isFinite(r.wall_ms) && r.wall_ms > 0);
  if (!runs.length) return null;
  const baseline = runs.find((r) => r.model === 'sequential') || runs[0];
  // What the tasks spent their own time on, measured: running versus awaiting I/O.
  const cpu = sumOf(baseline, 'running') + sumOf(baseline, 'released');
  const io = sumOf(baseline, 'waiting-io');
  const ioShare = cpu + io > 0 ? io / (cpu + io) : Number(report.params?.io_fraction) || 0;
  const kind = ioShare >= 0.65 ? 'io' : ioShare <= 0.35 ? 'cpu' : 'mixed';
  const ranked = [...runs].sort((a, b) => a.wall_ms - b.wall_ms);
  const best = ranked[0].wall_ms;
  const tied = ranked.filter((r) => r.wall_ms <= best * (1 + NOISE));
  const noClearWinner = tied.some((r) => r.model === 'sequential') && tied.length > 1;
  const pick = noClearWinner
    ? runs.find((r) => r.model === 'sequential')
    : PREFERENCE[kind].map((m) => tied.find((r) => r.model === m)).find(Boolean) || ranked[0];
  // Free threads need a free-threaded CPython: name the best model standard CPython has.
  const fallback = pick.model === 'free-threads'
    ? ranked.find((r) => r.model !== 'free-threads' && r.model !== 'sequential') || null
    : null;
  const proc = runs.find((r) => r.model === 'processes');
  const startupMs = proc ? median(proc.spans.filter((s) => s.state === 'starting').map((s) => (s.end_us - s.start_us) / 1000)) : NaN;
  return { pick, kind, ioShare, ioFraction: Number(report.params?.io_fraction), ranked, tied, baseline, noClearWinner, fallback, startupMs };
}

const x = (v) => `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}×`;
const pct = (v) => `${Math.round(v * 100)}%`;

function verdictOf(c) {
  const m = c.pick.model;
  if (c.noClearWinner) {
    return ['No model is clearly faster than ', el('strong', {}, 'sequential code'), ' for this workload: the others are within 10% of it or slower. Keep it simple, or make the work bigger and run again.'];
  }
  switch (m) {
    case 'asyncio':
      return ['Recommended: ', el('strong', {}, 'asyncio'), ' if there are many tasks and asynchronous libraries exist for your I/O; with libraries that block, ', el('strong', {}, 'threads'), ' (ThreadPoolExecutor).'];
    case 'gil-threads':
      return ['Recommended: ', el('strong', {}, 'threads'), ' (ThreadPoolExecutor on standard CPython): no rewrite into async code, and the GIL is released while they wait.'];
    case 'processes':
      return ['Recommended: ', el('strong', {}, 'processes'), ' (ProcessPoolExecutor): one interpreter and one GIL per process, so the computing runs on several cores.'];
    case 'interpreters':
      return ['Recommended: ', el('strong', {}, 'interpreters'), ' (InterpreterPoolExecutor, Python 3.14) if every extension you import supports them: one GIL per interpreter, so the computing runs on several cores without starting processes; otherwise ', el('strong', {}, 'processes'), '.'];
    case 'free-threads':
      return ['Recommended: ', el('strong', {}, 'threads on free-threaded CPython'), ' (3.13t, 3.14t) if it is available and your extensions support it; on standard CPython, ',
        el('strong', {}, c.fallback ? LABEL[c.fallback.model] : 'processes'), '.'];
    default:
      return ['Recommended: ', el('strong', {}, LABEL[m] || m), '.'];
  }
}

function whyOf(c) {
  const base = c.baseline;
  const speed = (r) => base.wall_ms / r.wall_ms;
  const kindText = { io: 'mostly waiting', cpu: 'mostly computing', mixed: 'a mix of computing and waiting' }[c.kind];
  const parts = [`In this run the tasks spent ${pct(c.ioShare)} of their time waiting for I/O and ${pct(1 - c.ioShare)} computing (measured in the ${LABEL[base.model]} run${Number.isFinite(c.ioFraction) ? `; io_fraction was ${c.ioFraction}` : ''}): ${kindText}.`];
  const fastest = c.ranked[0];
  const others = c.tied.filter((r) => r !== fastest).map((r) => LABEL[r.model]);
  parts.push(`The fastest was ${LABEL[fastest.model]}, ${formatMs(fastest.wall_ms)}${base !== fastest ? ` (${x(speed(fastest))} as fast as ${LABEL[base.model]})` : ''}`
    + (others.length ? `; ${others.join(', ')} ${others.length > 1 ? 'were' : 'was'} within 10% of it, which one run cannot tell apart, so the simplest fit for this workload is named.` : '.'));
  const gil = c.ranked.find((r) => r.model === 'gil-threads');
  if (c.kind !== 'io' && gil && c.ranked.some((r) => r.model === 'free-threads')) {
    const free = c.ranked.find((r) => r.model === 'free-threads');
    if (free.wall_ms < gil.wall_ms * (1 - NOISE)) parts.push(`GIL threads (${formatMs(gil.wall_ms)}) were slower than the same threads without the GIL (${formatMs(free.wall_ms)}): only one of them can compute at a time.`);
  }
  return parts.join(' ');
}

function evidenceTable(c) {
  const base = c.baseline;
  const fastest = c.ranked[0].wall_ms;
  const maxSpeed = Math.max(...c.ranked.map((r) => base.wall_ms / r.wall_ms));
  const body = el('tbody');
  for (const r of c.ranked) {
    const speedup = base.wall_ms / r.wall_ms;
    const notes = [];
    if (r === c.pick) notes.push('recommended');
    if (r.wall_ms <= fastest * (1 + NOISE) && r !== c.ranked[0]) notes.push('within 10% of the fastest');
    if (r.model === 'processes' && Number.isFinite(c.startupMs)) notes.push(`a worker took ${formatMs(c.startupMs)} to start`);
    if (r.model === 'interpreters') notes.push('needs Python 3.14, and extensions that support interpreters');
    if (r.model === 'gil-threads' && r.gil_handoffs) notes.push(`${r.gil_handoffs} GIL hand-offs`);
    if (r.model === 'free-threads') notes.push('needs a free-threaded CPython');
    // Each model's colour is lab.css's --lab-c-<model id>: no list of models here.
    const colour = `var(--lab-c-${r.model})`;
    const bar = el('span', { class: 'lab-ch-bar', 'aria-hidden': 'true' });
    bar.style.width = `${Math.max(2, (speedup / maxSpeed) * 6).toFixed(2)}em`;
    bar.style.background = colour;
    const swatch = el('span', { class: 'lab-ch-swatch', 'aria-hidden': 'true' });
    swatch.style.background = colour;
    body.append(el('tr', { 'data-model': r.model, class: r === c.pick ? 'lab-ch-best' : '' },
      el('td', {},
        swatch,
        el('span', { class: 'lab-ch-model' }, LABEL[r.model] || r.model),
        el('span', { class: 'lab-ch-python' }, PYTHON[r.model] || '')),
      el('td', { class: 'lab-ch-num' }, formatMs(r.wall_ms)),
      el('td', { class: 'lab-ch-num' }, x(speedup), ' ', bar),
      el('td', {}, notes.join('; '))));
  }
  return el('table', { class: 'lab-table lab-ch-table' },
    el('caption', {}, `Evidence from this run, fastest first (speedup against ${LABEL[base.model]})`),
    el('thead', {}, el('tr', {}, ...['Model (in Python)', 'Wall time', 'Speedup', 'Notes'].map((h) => el('th', { scope: 'col' }, h)))),
    body);
}

function notesOf(c) {
  const models = new Set(c.ranked.map((r) => r.model));
  const items = [];
  if (models.has('processes')) items.push(`Processes pay start-up before any work: here ${Number.isFinite(c.startupMs) ? `about ${formatMs(c.startupMs)} per worker` : 'per worker'} (the "starting" spans in the timeline above), and their inputs and results are copied between memories. Bigger tasks make this cost matter less.`);
  if (models.has('gil-threads')) items.push('GIL threads include the GIL: one global lock that only one thread holds at a time while running Python code, released while waiting for I/O.');
  if (models.has('interpreters')) items.push('Interpreters stand for Python 3.14\'s concurrent.interpreters: several interpreters in one process, each with its own GIL and its own objects; arguments and results are copied between them, and not every extension module can be imported in one.');
  if (models.has('free-threads')) items.push('Free threads stand for free-threaded CPython (3.13t, 3.14t), an optional build; every extension module you use must support it.');
  items.push('One run is one sample: differences under 10% are counted as ties. Run again, or change the settings, and compare.');
  return el('ul', { class: 'lab-ch-notes' }, ...items.map((t) => el('li', {}, t)));
}

function historyOf(box, report, c) {
  const p = report.params || {};
  const list = history.get(box) || [];
  list.push({ settings: `${p.tasks} tasks, io_fraction ${p.io_fraction}, n ${p.n}, wait_ms ${p.wait_ms}`, pick: c.noClearWinner ? 'no clear winner' : LABEL[c.pick.model], fastest: LABEL[c.ranked[0].model], ms: c.ranked[0].wall_ms });
  history.set(box, list.slice(-8));
  if (list.length < 2) return null;
  return el('details', { class: 'lab-ch-history' },
    el('summary', {}, `Your runs of this widget (${list.length})`),
    el('ol', {}, ...list.slice(-8).map((h) => el('li', {}, `${h.settings}: fastest ${h.fastest} (${formatMs(h.ms)}); recommended ${h.pick}.`))));
}

/**
 * Renders (or re-renders, after a new run) the view into `box`; `models` are the models'
 * descriptions, for their labels and Python names.
 */
export function render(box, report, models = []) {
  useStyles();
  LABEL = Object.fromEntries(models.map((m) => [m.id, m.label]));
  PYTHON = Object.fromEntries(models.map((m) => [m.id, m.python]));
  box.replaceChildren();
  const root = el('section', { class: 'lab-ch', 'aria-label': 'Which model for this workload?' });
  box.append(root);
  root.append(el('p', { class: 'lab-view-heading' }, 'Which model for this workload?'));
  const c = report ? choose(report) : null;
  if (!c) {
    root.append(el('p', { class: 'lab-note' }, 'This run measured no model, so there is nothing to recommend.'));
    return;
  }
  if (c.ranked.length < 2) {
    root.append(el('p', { class: 'lab-note' }, 'Only one model ran: tick at least two to compare them.'));
  }
  root.dataset.pick = c.noClearWinner ? 'sequential' : c.pick.model;
  root.append(
    el('p', { class: 'lab-ch-verdict', 'data-model': root.dataset.pick }, ...verdictOf(c)),
    el('p', { class: 'lab-ch-why' }, whyOf(c)),
    evidenceTable(c),
    notesOf(c));
  const past = historyOf(box, report, c);
  if (past) root.append(past);
}
