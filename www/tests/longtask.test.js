// The page stays responsive while widgets run: all compute happens in workers, so the
// main thread must see no long task (over 50 ms, the browser's own definition) between
// pressing Run and the widget being done. Measured for every widget of the book, with
// the settings of widgets.test.js, and only during its run. A long task is wall time, so
// a busy machine (the run's own threads on every core, other processes) stretches short
// tasks past 50 ms: a run with a long task is run again, and the widget fails only if
// every try has one. Three tries, more on a machine already loaded beyond its cores.
// Runnable listings too: the lab's Python runs in its own worker, loaded by the first Run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { serve, browser, watchedPage, SMALL, fillSettings, widgetPages } from './harness.js';

const pages = widgetPages();

const [load] = os.loadavg();
const TRIES = Math.min(8, 3 + Math.floor(load / os.availableParallelism()));

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** Presses Run and returns the main thread's long tasks until the widget is done. */
async function longTasksDuringRun(page, sel, t) {
  // The run starts with the click's own task (a real input event, as a reader's click:
  // tasks run from page.evaluate are not reported as long tasks).
  await page.evaluate((s) => {
    document.querySelector(`${s} [data-action=run]`).addEventListener('click', (e) => {
      window.labRunStart = e.timeStamp;
    }, { once: true, capture: true });
  }, sel);
  await page.click(`${sel} [data-action=run]`);
  await page.waitForFunction((s) => ['done', 'error'].includes(document.querySelector(s).dataset.state), sel, { timeout: 120_000 });
  const run = await page.evaluate(async (s) => {
    const end = performance.now();
    // Let the observer deliver the last task's entry.
    await new Promise((r) => setTimeout(r, 100));
    const root = document.querySelector(s);
    return { start: window.labRunStart, end, state: root.dataset.state, error: root.querySelector('.lab-error').textContent };
  }, sel);
  assert.equal(run.state, 'done', `${sel}: ${run.error}`);
  const long = await page.evaluate(({ start, end }) => window.labLongTasks
    // Any task that overlaps the run.
    .filter((e) => e.start + e.duration > start && e.start < end)
    .map((e) => ({ duration: e.duration, into: e.start - start })), run);
  t.diagnostic(`${sel}: ran ${Math.round(run.end - run.start)} ms; long tasks: ${long.map((e) => Math.round(e.duration)).join(', ') || 'none'}`);
  return long;
}

/** Records every long task of the page's life, from its first script on. */
const observeLongTasks = (context) => context.addInitScript(() => {
  window.labLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.labLongTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});

test('the long-task observer sees a task that blocks the main thread for 80 ms', async () => {
  const page = await watchedPage(chromium);
  await observeLongTasks(page.context());
  await page.goto(`${server.url}introduction.html`);
  const seen = await page.evaluate(async () => {
    const start = performance.now();
    setTimeout(() => {
      const t0 = performance.now();
      while (performance.now() - t0 < 80) { /* block */ }
    });
    await new Promise((r) => setTimeout(r, 200));
    return window.labLongTasks.filter((e) => e.start + e.duration > start).map((e) => e.duration);
  });
  assert.ok(seen.length === 1 && seen[0] >= 80, `seen: ${seen}`);
  await page.context().close();
});

for (const file of pages) {
  test(`no long task on the main thread while the widgets of ${file} run`, async (t) => {
    t.diagnostic(`load average ${load.toFixed(1)} on ${os.availableParallelism()} cores: up to ${TRIES} tries per widget`);
    const page = await watchedPage(chromium);
    await observeLongTasks(page.context());
    await page.goto(server.url + file);
    const found = [];
    // The runnable listings run in their own worker (listings.test.js runs them).
    for (const id of await page.$$eval('.lab-widget:not([data-lab=python])', (ws) => ws.map((w) => w.id))) {
      const sel = `#${id}`;
      await page.waitForSelector(`${sel}[data-ready]`);
      await fillSettings(page, sel, SMALL);
      // A long task of the widget's own making comes back on every try; noise does not.
      let long = await longTasksDuringRun(page, sel, t);
      for (let again = 1; again < TRIES && long.length; again++) long = await longTasksDuringRun(page, sel, t);
      for (const e of long) found.push(`${id}: a ${Math.round(e.duration)} ms task ${Math.round(e.into)} ms into the run`);
    }
    assert.deepEqual(found, []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('no long task on the main thread while a listing runs, its first run (loading Python) included', async (t) => {
  const sel = '#lab-synchronisation-bank';
  /** A fresh page with the listing ready: its first Run starts the Python worker. */
  const fresh = async () => {
    const page = await watchedPage(chromium);
    await observeLongTasks(page.context());
    await page.goto(`${server.url}synchronisation.html`);
    await page.waitForSelector(`${sel}[data-ready]`);
    return page;
  };
  // A first run can only be tried again on a new page.
  let page = await fresh();
  let first = await longTasksDuringRun(page, sel, t);
  for (let again = 1; again < TRIES && first.length; again++) {
    assert.deepEqual(page.problems, []);
    await page.context().close();
    page = await fresh();
    first = await longTasksDuringRun(page, sel, t);
  }
  let later = await longTasksDuringRun(page, sel, t);
  for (let again = 1; again < TRIES && later.length; again++) later = await longTasksDuringRun(page, sel, t);
  const found = [
    ...first.map((e) => `first run: a ${Math.round(e.duration)} ms task ${Math.round(e.into)} ms into it`),
    ...later.map((e) => `later run: a ${Math.round(e.duration)} ms task ${Math.round(e.into)} ms into it`),
  ];
  assert.deepEqual(found, []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('no long task on the main thread while the editor loads, from the first Edit until it is there', async (t) => {
  const sel = '#lab-synchronisation-queue';
  /** Presses Edit on a fresh page (the editor's bundle is imported by a page's first Edit only). */
  const firstEdit = async () => {
    const page = await watchedPage(chromium);
    await observeLongTasks(page.context());
    await page.goto(`${server.url}synchronisation.html`);
    await page.waitForSelector(`${sel}[data-ready]`);
    await page.evaluate((s) => {
      document.querySelector(`${s} [data-action=edit]`).addEventListener('click', (e) => {
        window.labEditStart = e.timeStamp;
      }, { once: true, capture: true });
    }, sel);
    await page.click(`${sel} [data-action=edit]`);
    await page.waitForSelector(`${sel}[data-editing]`, { timeout: 60_000 });
    const span = await page.evaluate(async () => {
      // The editor is there once it has been painted: its first layout counts too.
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const end = performance.now();
      await new Promise((r) => setTimeout(r, 100));
      return { start: window.labEditStart, end };
    });
    assert.equal(await page.locator(`.lab-editor:has(+ ${sel}) .cm-content`).count(), 1);
    const long = await page.evaluate(({ start, end }) => window.labLongTasks
      .filter((e) => e.start + e.duration > start && e.start < end)
      .map((e) => ({ duration: e.duration, into: e.start - start })), span);
    t.diagnostic(`editor ready ${Math.round(span.end - span.start)} ms after Edit; long tasks: ${long.map((e) => `${Math.round(e.duration)} ms at ${Math.round(e.into)} ms`).join(', ') || 'none'}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
    return long;
  };
  let long = await firstEdit();
  for (let again = 1; again < TRIES && long.length; again++) long = await firstEdit();
  assert.deepEqual(long.map((e) => `a ${Math.round(e.duration)} ms task ${Math.round(e.into)} ms after Edit`), []);
});
