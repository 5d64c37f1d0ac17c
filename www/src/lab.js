// @ts-check
// Mounts every Concurrency Lab widget on the page: reads its settings (from the
// chapter and from a shared link), runs it on the compute worker, and shows the
// measurement beside the prediction. Safe to run twice (print.html has every chapter).

import * as engine from './engine.js';
import { LabStoppedError } from './protocol.js';
import { copyEmbed } from './embed-code.js';
import * as predict from './views/predict.js';
import { setState } from './views/common.js';
import { mountListing } from './listing.js';

// The settings a widget has are the ones its chapter's parameters name (the
// preprocessor writes every one of them into data-params).
const settingNames = (/** @type {HTMLElement} */ root) => Object.keys(JSON.parse(String(root.dataset.params)));

/**
 * The settings the widget shows, which a link may set: its value fields, and the models
 * when it has their checkboxes.
 * @param {HTMLElement} root
 */
function shownNames(root) {
  const names = [...root.querySelectorAll(VALUE_FIELDS)].map((f) => /** @type {HTMLInputElement} */ (f).name);
  if (root.querySelector('.lab-controls input[name=model]')) names.push('models');
  return names;
}

/** One of the widget's own parts, which every widget has (so typed loosely). */
const $ = (/** @type {ParentNode} */ root, /** @type {string} */ sel) => /** @type {any} */ (root.querySelector(sel));
// The controls that hold one setting's value each (the models are checkboxes).
const VALUE_FIELDS = '.lab-controls input[type=number], .lab-controls select';

/** @param {HTMLElement} root @param {string} message */
function showError(root, message) {
  const box = $(root, '.lab-error');
  // The wasm build only knows it has no threads; say the page's real reason.
  if (self.crossOriginIsolated) message = message.replace('it is not cross-origin isolated', noSharedMemory);
  box.textContent = message; // text, never markup: messages may echo a link's values
  box.hidden = false;
  setState(root, 'error');
}

// WebKitGTK (2.50) isolates pages but exposes no SharedArrayBuffer, nor posts shared memory
// to a worker: https://bugs.webkit.org/show_bug.cgi?id=317847
const noSab = 'this browser gives pages no SharedArrayBuffer';
const noSharedMemory = `${noSab}, even though the page is cross-origin isolated`;

/** @param {HTMLElement} root */
function clearError(root) {
  const box = $(root, '.lab-error');
  box.hidden = true;
  box.textContent = '';
}

/**
 * The widget's settings: the chapter's, overridden by the form's current values.
 * @param {HTMLElement} root @returns {Record<string, string>}
 */
function settingsOf(root) {
  const settings = JSON.parse(String(root.dataset.params));
  for (const input of root.querySelectorAll(VALUE_FIELDS)) {
    const field = /** @type {HTMLInputElement | HTMLSelectElement} */ (input);
    settings[field.name] = field.value;
  }
  const boxes = /** @type {HTMLInputElement[]} */ ([...root.querySelectorAll('.lab-controls input[name=model]')]);
  if (boxes.length) {
    // The chapter's order first (its first model is the baseline), then any added.
    const order = String(settings.models).split(',');
    const rank = (/** @type {string} */ m) => (order.includes(m) ? order.indexOf(m) : order.length);
    settings.models = boxes.filter((b) => b.checked).map((b) => b.value)
      .sort((a, b) => rank(a) - rank(b)).join(',');
  }
  return settings;
}

/**
 * Threads of the pool a new compute worker should start with: the widget's thread count
 * when a model that runs on the pool may run (a chosen one, or one the experiment fixes).
 * Only a hint: a run that needs more asks for them.
 * @param {HTMLElement} root @param {Record<string, string>} settings
 */
function threadsHint(root, settings) {
  const pool = root.querySelector('.lab-models')
    ? root.querySelector('.lab-models input[data-needs-threads]:checked')
    : Number(root.dataset.poolThreads) > 0;
  return pool ? Math.max(1, Number(settings.threads) || 1) : 1;
}

/**
 * @param {HTMLElement} root @param {import('./protocol.js').LoadedMessage} info
 * @param {number} used
 */
function describeEnv(root, info, used) {
  const isolated = !info.isolated ? 'not cross-origin isolated (no shared memory)'
    : info.threaded ? 'cross-origin isolated' : `cross-origin isolated, but ${noSab}`;
  const cores = navigator.hardwareConcurrency || '?';
  $(root, '.lab-env').textContent = info.threaded
    ? `Ran on up to ${used} thread(s) from a pool of ${info.poolSize} Web Workers; this machine reports ${cores} logical cores; the page is ${isolated}.`
    : `Ran on the single-threaded build: the page is ${isolated}, so models that need threads are unavailable.`;
}

/** @param {HTMLElement} root */
async function runWidget(root) {
  clearError(root);
  const settings = settingsOf(root);
  const measured = $(root, '.lab-measured');
  const progress = $(root, '.lab-progress');
  const status = $(root, '.lab-status');
  setState(root, 'running');
  progress.hidden = false;
  progress.value = 0;
  status.textContent = 'Running…';
  let hidden = document.visibilityState === 'hidden';
  const onVisibility = () => { if (document.visibilityState === 'hidden') hidden = true; };
  document.addEventListener('visibilitychange', onVisibility);
  const started = performance.now();
  try {
    const result = await engine.run(String(root.dataset.lab), settings, threadsHint(root, settings), (p) => {
      progress.value = p.fraction;
      status.textContent = `Running ${p.label}… ${Math.round(p.fraction * 100)}%`;
      measured.hidden = false;
      measured.innerHTML = `<figcaption>Measuring on this machine…</figcaption>${p.html}`;
    });
    const { figure, report, beside, expected, info } = result;
    // A hidden tab throttles timers: its numbers would not be a fair measurement.
    const valid = !hidden;
    const caption = `<figcaption>Measured on this machine${valid ? '' : ' — not valid: the page was hidden during the run'}.</figcaption>`;
    measured.hidden = false;
    measured.innerHTML = `${caption}${figure.html}${beside ? beside.table : ''}`;
    const models = figure.rows;
    if (beside) models.forEach((/** @type {any} */ m, /** @type {number} */ i) => { m.predicted_ms = beside.predicted_ms[i]; });
    root.dataset.result = JSON.stringify({
      experiment: root.dataset.lab,
      valid,
      isolated: info.isolated,
      threaded: info.threaded,
      pool_size: info.poolSize,
      ...(expected != null ? { expected } : {}),
      models,
    });
    predict.show(root, JSON.parse(root.dataset.result));
    describeEnv(root, info, Math.max(...models.map((/** @type {{threads: number}} */ m) => m.threads)));
    if (root.dataset.view && report) await showView(root, report, info.models);
    status.textContent = `Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`;
    setState(root, 'done');
  } catch (e) {
    status.textContent = '';
    if (e instanceof LabStoppedError) {
      status.textContent = 'Stopped.';
      setState(root, root.dataset.result ? 'done' : 'idle');
    } else {
      showError(root, e instanceof Error ? e.message : String(e));
    }
  } finally {
    progress.hidden = true;
    document.removeEventListener('visibilitychange', onVisibility);
  }
}

/** Draws a widget's extra view (its name was checked when the book was built). */
async function showView(/** @type {HTMLElement} */ root, /** @type {object} */ report, /** @type {object[]} */ models) {
  let box = $(root, '.lab-view');
  if (!box) {
    box = document.createElement('div');
    box.className = 'lab-view';
    $(root, '.lab-measured').after(box);
  }
  const view = await import(`./views/${root.dataset.view}.js`);
  view.render(box, report, models);
}

/** Applies `?lab=<widget id>&tasks=…` from a shared link, after checking it in Rust. */
async function applyLink(/** @type {HTMLElement} */ root) {
  const query = new URLSearchParams(location.search);
  if (query.get('lab') !== root.id) return;
  const settings = JSON.parse(String(root.dataset.params));
  // A link sets only what the widget shows: a hidden setting would run something other
  // than what the form says. One that differs from the widget's own is left out, and said.
  const shown = shownNames(root);
  const ignored = [];
  for (const name of settingNames(root)) {
    const value = query.get(name);
    if (value === null) continue;
    if (shown.includes(name)) settings[name] = value;
    else if (value !== settings[name]) ignored.push(name);
  }
  root.scrollIntoView({ block: 'start' });
  try {
    const params = await engine.validate(String(root.dataset.lab), settings);
    root.dataset.params = JSON.stringify(Object.fromEntries(settingNames(root).map((k) => [k, String(Array.isArray(params[k]) ? params[k].join(',') : params[k])])));
    for (const input of root.querySelectorAll(VALUE_FIELDS)) {
      const field = /** @type {HTMLInputElement | HTMLSelectElement} */ (input);
      field.value = String(params[field.name]);
    }
    const models = /** @type {string[]} */ (params.models);
    const unavailable = [];
    for (const box of /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll('.lab-controls input[name=model]'))) {
      // A model this page cannot run stays off, whatever the link says.
      if (box.disabled && models.includes(box.value)) unavailable.push(box.value);
      box.checked = models.includes(box.value) && !box.disabled;
    }
    const notes = [];
    if (ignored.length) notes.push(`This link's ${ignored.join(', ')} ${ignored.length > 1 ? 'were' : 'was'} not applied: this widget does not show ${ignored.length > 1 ? 'them' : 'it'}.`);
    if (unavailable.length) notes.push(`It also chose ${unavailable.join(', ')}, which cannot run on this page (no shared memory): left off.`);
    if (notes.length) $(root, '.lab-status').textContent = notes.join(' ');
  } catch (e) {
    showError(root, `This link's settings were not applied: ${e instanceof Error ? e.message : e}`);
  }
}

async function copyLink(/** @type {HTMLElement} */ root) {
  const url = new URL(location.href);
  url.search = '';
  url.searchParams.set('lab', root.id);
  const settings = settingsOf(root);
  for (const name of shownNames(root)) url.searchParams.set(name, settings[name]);
  url.hash = root.id;
  const status = $(root, '.lab-status');
  try {
    await navigator.clipboard.writeText(url.href);
    status.textContent = 'Link copied.';
  } catch {
    status.textContent = `Link: ${url.href}`;
  }
}

function mount(/** @type {HTMLElement} */ root) {
  if (root.dataset.lab === 'python') return mountListing(root);
  if (root.dataset.mounted) return;
  root.dataset.mounted = 'true';
  // Run and Copy link read the form, so a link's settings must be in it first: checking
  // them can still be going on when the reader clicks.
  let linked = Promise.resolve();
  $(root, '[data-action=run]').addEventListener('click', () => linked.then(() => {
    const form = $(root, '.lab-controls');
    if (!form.reportValidity()) return;
    runWidget(root);
  }));
  $(root, '[data-action=stop]').addEventListener('click', () => engine.stop());
  $(root, '[data-action=link]').addEventListener('click', () => linked.then(() => copyLink(root)));
  $(root, '[data-action=embed]')?.addEventListener('click', () => linked.then(() => copyEmbed(root, linkSettings(root))));
  $(root, '.lab-controls').addEventListener('submit', (/** @type {Event} */ e) => e.preventDefault());
  if (!engine.canThread()) {
    // No shared memory here: the models that need threads cannot run, the others still do.
    const boxes = /** @type {HTMLInputElement[]} */ ([...root.querySelectorAll('.lab-controls input[name=model]')]);
    const needsThreads = (/** @type {HTMLInputElement} */ b) => 'needsThreads' in b.dataset;
    if (boxes.some((b) => b.checked && !needsThreads(b))) {
      for (const b of boxes.filter(needsThreads)) { b.checked = false; b.disabled = true; }
    }
    const why = self.crossOriginIsolated ? noSharedMemory : 'it is not cross-origin isolated '
      + '(the host sends no COOP/COEP headers and no service worker could add them)';
    $(root, '.lab-env').textContent = `Threads are unavailable on this page: ${why}, so workers cannot share memory. `
      + 'Sequential, asyncio and processes still run for real; the models with threads are switched off.';
  }
  // Said only now that Run can work (without JavaScript, the markup says what is missing).
  $(root, '.lab-status').textContent = 'Below: a prediction. Press Run to measure on this machine.';
  predict.mount(root);
  root.dataset.ready = 'true';
  linked = applyLink(root);
  linkedOf.set(root, linked);
}

/** Each mounted widget's checking of its link's settings (see mount). */
const linkedOf = new WeakMap();

/** Resolves once a mounted widget's form holds its link's settings. @param {HTMLElement} root */
export const whenLinked = (root) => linkedOf.get(root) ?? Promise.resolve();

/**
 * The settings a link to this widget (or an embed) carries: what its form shows, as set now.
 * @param {HTMLElement} root @returns {[string, string][]}
 */
export function linkSettings(root) {
  const settings = settingsOf(root);
  return shownNames(root).map((name) => [name, settings[name]]);
}

/**
 * Starts the compute worker and its pool once a widget comes near the viewport, so that
 * the first Run finds them ready; a page read without reaching a widget starts nothing.
 * Not while the page may still reload for isolation: that start would be thrown away.
 * @param {HTMLElement[]} widgets
 */
function warmWhenNear(widgets) {
  if (!widgets.length || typeof IntersectionObserver !== 'function') return;
  const html = document.documentElement;
  const settled = () => ['isolated', 'unavailable', undefined].includes(html.dataset.labIsolation);
  const near = new IntersectionObserver((entries) => {
    const seen = entries.find((e) => e.isIntersecting);
    if (!seen) return;
    near.disconnect();
    const root = /** @type {HTMLElement} */ (seen.target);
    const warm = () => engine.warm(threadsHint(root, settingsOf(root)));
    if (settled()) return void warm();
    const watch = new MutationObserver(() => {
      if (!settled()) return;
      watch.disconnect();
      warm();
    });
    watch.observe(html, { attributes: true, attributeFilter: ['data-lab-isolation'] });
  }, { rootMargin: '50% 0px' });
  for (const w of widgets) near.observe(w);
}

export function mountAll(doc = document) {
  const widgets = /** @type {HTMLElement[]} */ ([...doc.querySelectorAll('.lab-widget')]);
  widgets.forEach(mount);
  // A listing starts nothing until Run: its worker downloads the build with Python.
  warmWhenNear(widgets.filter((w) => w.dataset.ready && w.dataset.lab !== 'python'));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mountAll());
else mountAll();
