// @ts-check
// The embed page (embed.html?page=CHAPTER.html&lab=WIDGET_ID&SETTINGS): fetches the
// chapter, shows its widget alone with the chapter's styles, applies the settings from
// the address (lab.js does that, as for a shared link), and tells the frame's parent its
// height. In a frame that is not cross-origin isolated, as on most sites that embed it,
// the widget runs the single-threaded models, says which ones need threads, and offers
// the full widget, with the same settings, in a new tab where the book can isolate it.

import { mountAll, linkSettings, whenLinked } from './lab.js';
import { settingPairs } from './listing/controls.js';

const BOOK = new URL('../', import.meta.url); // embed.html sits in the book's lab/
const main = /** @type {HTMLElement} */ (document.querySelector('.lab-embed'));

/** Says what went wrong in place of the widget. @param {string} message */
function fail(message) {
  const p = document.createElement('p');
  p.className = 'lab-embed-error';
  p.setAttribute('role', 'alert');
  p.textContent = `This widget cannot be shown: ${message}`;
  main.replaceChildren(p);
  reportSize();
}

/** The chapter's address, if `page` names an HTML page of this book. @param {string | null} page */
function chapterUrl(page) {
  if (!page || !/^[A-Za-z0-9._/-]+\.html$/.test(page) || page.split('/').includes('..')) return null;
  const url = new URL(page, BOOK);
  return url.origin === BOOK.origin && url.pathname.startsWith(BOOK.pathname) ? url : null;
}

/** The full widget in its chapter, with `root`'s current settings. @param {HTMLElement} root @param {URL} chapter */
function fullWidgetUrl(root, chapter) {
  const url = new URL(chapter);
  url.searchParams.set('lab', root.id);
  if (root.dataset.lab === 'python') {
    for (const [name, value] of settingPairs(root)) url.searchParams.set(name, value);
    url.hash = root.id;
    return url.href;
  }
  for (const [name, value] of linkSettings(root)) url.searchParams.set(name, value);
  if (url.searchParams.has('models')) {
    // The models switched off here for want of threads stay chosen: the new tab has them.
    const off = [...root.querySelectorAll('.lab-controls input[name=model]:disabled')]
      .map((b) => /** @type {HTMLInputElement} */ (b).value);
    const wanted = String(JSON.parse(String(root.dataset.params)).models).split(',');
    const chosen = String(url.searchParams.get('models')).split(',').filter(Boolean);
    const models = wanted.filter((m) => chosen.includes(m) || off.includes(m))
      .concat(chosen.filter((m) => !wanted.includes(m)));
    url.searchParams.set('models', models.join(','));
  }
  url.hash = root.id;
  return url.href;
}

/** What needs threads in this widget: its models that do, or the whole experiment. @param {HTMLElement} root */
function needingThreads(root) {
  // A listing's single-threaded build refuses to start threads and processes.
  if (root.dataset.lab === 'python') {
    return /\b(threading|multiprocessing|concurrent|to_thread|run_in_executor)\b/.test(String(root.dataset.source)) ? ['this listing'] : [];
  }
  const boxes = [...root.querySelectorAll('.lab-controls input[name=model][data-needs-threads]')];
  if (boxes.length) return boxes.map((b) => String(b.parentElement?.textContent).trim());
  return Number(root.dataset.poolThreads) > 0 ? ['this experiment'] : [];
}

/** The listing's code block as its chapter shows it (highlighted), or a plain copy of it. @param {HTMLElement} root */
function listingCode(root) {
  const shown = root.previousElementSibling;
  if (shown && shown.tagName === 'PRE') return document.adoptNode(shown);
  const pre = document.createElement('pre');
  const code = document.createElement('code');
  code.className = 'language-python';
  code.textContent = String(root.dataset.source);
  pre.append(code);
  return pre;
}

let lastHeight = 0;
/** Tells the parent page this page's height, so that its frame can fit it. */
function reportSize() {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight || window.parent === window) return;
  lastHeight = height;
  window.parent.postMessage({ type: 'concurrency-lab:size', height, href: location.href }, '*');
}

async function show() {
  const query = new URLSearchParams(location.search);
  const chapter = chapterUrl(query.get('page'));
  const id = query.get('lab');
  if (!chapter) return fail('the address names no page of this book (page=CHAPTER.html).');
  if (!id || !/^lab-[a-z0-9-]+$/.test(id)) return fail('the address names no widget (lab=WIDGET_ID).');
  const response = await fetch(chapter);
  if (!response.ok) return fail(`${chapter.pathname} answered ${response.status}.`);
  const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
  const root = /** @type {HTMLElement | null} */ (doc.getElementById(id));
  if (!root || !root.classList.contains('lab-widget')) return fail(`${chapter.pathname} has no widget ${id}.`);
  // The chapter's styles (mdBook's colours, which lab.css uses) and theme.
  const have = new Set([...document.querySelectorAll('link[rel=stylesheet]')].map((l) => /** @type {HTMLLinkElement} */ (l).href));
  for (const link of doc.querySelectorAll('link[rel=stylesheet][href]')) {
    const href = new URL(String(link.getAttribute('href')), chapter);
    if (href.origin !== BOOK.origin || have.has(href.href)) continue;
    have.add(href.href);
    const el = document.createElement('link');
    el.rel = 'stylesheet';
    el.href = href.href;
    document.head.append(el);
  }
  const theme = doc.documentElement.className.split(/\s+/).find((c) => ['light', 'rust', 'coal', 'navy', 'ayu'].includes(c));
  if (theme) document.documentElement.className = theme;
  document.title = `${root.querySelector('.lab-title')?.textContent ?? 'Widget'} — Concurrency Lab`;
  const note = document.createElement('p');
  note.className = 'lab-embed-note';
  const link = document.createElement('a');
  link.target = '_blank';
  link.rel = 'noopener';
  const threaded = self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  const needs = needingThreads(root);
  if (!threaded && needs.length) {
    note.dataset.needsThreads = needs.join(', ');
    const named = needs.map((n) => (n.startsWith('this ') ? n : `“${n}”`)).join(', ');
    note.append(`Threads are unavailable in this frame (the page around it is not cross-origin isolated), and ${named} ${needs.length > 1 ? 'need' : 'needs'} them. `);
    link.textContent = 'Open with threads';
    link.setAttribute('aria-label', 'Open with threads: this widget with the same settings in its chapter, in a new tab');
  } else {
    link.textContent = 'Open in the book';
  }
  note.append(link);
  // A runnable listing comes with its program, as the book shows it just above it.
  const code = root.dataset.lab === 'python' ? listingCode(root) : null;
  main.replaceChildren(...(code ? [code] : []), document.adoptNode(root), note);
  mountAll();
  const env = root.querySelector('.lab-env');
  // lab.js blames the host for the missing isolation; here it is the frame, said in the note.
  if (!threaded && env && needs.length && root.dataset.lab !== 'python') {
    env.textContent = needs.includes('this experiment')
      ? 'This experiment runs on threads only, so it cannot run here; its prediction is below.'
      : 'Sequential, asyncio and processes run here for real; the models with threads are switched off.';
  }
  // The chapter's own link and embed buttons would point at this page: the note's link replaces them.
  for (const b of root.querySelectorAll('[data-action=link], [data-action=embed], .lab-anchor')) b.remove();
  // The link follows the settings as the reader changes them (and as the address sets them).
  const update = () => { link.href = fullWidgetUrl(root, chapter); };
  update();
  root.addEventListener('input', update);
  root.addEventListener('change', update);
  link.addEventListener('click', update);
  await whenLinked(root); // lab.js puts the address's settings in the form first
  root.dataset.embedReady = 'true';
  update();
  new ResizeObserver(reportSize).observe(document.documentElement);
  reportSize();
}

show().catch((e) => fail(e instanceof Error ? e.message : String(e)));
