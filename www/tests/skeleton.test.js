// The walking skeleton: a chapter's widget runs CPU-bound tasks one after another and
// then on several real threads, and shows what it measured.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, runWidget, settledWorkers, until } from './harness.js';

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

test('the parallelism widget measures sequential and parallel runs on several threads', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page must be cross-origin isolated');
  const sel = '.lab-widget[data-lab=parallel-cpu]';
  await page.waitForSelector(`${sel}[data-ready]`);
  // Keep the run short: this checks behaviour, not speed.
  await page.fill(`${sel} input[name=n]`, '300000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.equal(result.isolated, true);
  assert.equal(result.threaded, true);
  const [seq, par] = result.models;
  assert.equal(seq.model, 'sequential');
  assert.equal(par.model, 'free-threads');
  assert.equal(seq.threads, 1);
  assert.ok(par.threads > 1, 'the parallel run used more than one thread');
  assert.ok(par.lanes_used > 1, 'work really ran on more than one worker thread');
  for (const m of result.models) {
    assert.ok(m.wall_ms > 0 && Number.isFinite(m.wall_ms));
    assert.ok(m.speedup > 0 && Number.isFinite(m.speedup));
  }
  // The measured chart shows the measured numbers.
  const chart = widget.locator('.lab-measured svg.lab-bars');
  await chart.waitFor();
  const text = await chart.textContent();
  assert.match(text, new RegExp(`${par.speedup.toFixed(2)}x`));
  // One timeline per model, with a lane per thread that did work.
  const lanes = await widget.locator('.lab-measured .lab-timelines svg').evaluateAll((svgs) => svgs.length);
  assert.equal(lanes, 2);
  assert.deepEqual(page.problems, []);
});

test('bad input shows a message in the widget and the next run works', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html?lab=nope`);
  const sel = '.lab-widget[data-lab=parallel-cpu]';
  await page.waitForSelector(`${sel}[data-ready]`);
  // A value the form allows but Rust refuses is impossible by design; send one through a link.
  await page.goto(`${server.url}parallelism.html?lab=${await page.locator(sel).getAttribute('id')}&tasks=1e9`);
  await page.waitForSelector(`${sel}[data-state=error]`);
  assert.match(await page.locator(`${sel} .lab-error`).textContent(), /tasks must be a whole number from 1 to 64/);
  await page.fill(`${sel} input[name=n]`, '1000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  assert.deepEqual(page.problems, []);
});

test('stop ends a long run and the widget runs again afterwards', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  const sel = '.lab-widget[data-lab=parallel-cpu]';
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.fill(`${sel} input[name=n]`, '100000000');
  await page.click(`${sel} [data-action=run]`);
  await page.waitForSelector(`${sel}[data-state=running]`);
  await page.waitForTimeout(300);
  await page.click(`${sel} [data-action=stop]`);
  await page.waitForFunction((s) => document.querySelector(s).dataset.state !== 'running', sel);
  assert.match(await page.locator(`${sel} .lab-status`).textContent(), /Stopped/);
  await page.fill(`${sel} input[name=n]`, '1000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  assert.deepEqual(page.problems, []);
});

test("a link restores a widget's settings, models included, and scrolls to it", async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  const id = await page.locator('.lab-widget[data-lab=parallel-cpu]').getAttribute('id');
  await page.goto(`${server.url}parallelism.html?lab=${id}&tasks=3&n=5000&models=sequential,gil-threads#${id}`);
  const sel = `#${id}`;
  await page.waitForFunction((s) => document.querySelector(`${s} input[name=tasks]`).value === '3', sel);
  assert.equal(await page.inputValue(`${sel} input[name=n]`), '5000');
  const top = await page.locator(sel).evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(top >= -1 && top < 300, `the widget is scrolled into view (top ${top})`);
  assert.equal(await page.isChecked(`${sel} input[value=gil-threads]`), true);
  assert.equal(await page.isChecked(`${sel} input[value=free-threads]`), false);
  const widget = await runWidget(page, sel);
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.deepEqual(result.models.map((m) => m.model), ['sequential', 'gil-threads']);
  // Copy link gives back a link with the same settings.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click(`${sel} [data-action=link]`);
  const copied = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(copied.searchParams.get('lab'), id);
  assert.equal(copied.searchParams.get('tasks'), '3');
  assert.equal(copied.searchParams.get('models'), 'sequential,gil-threads');
  assert.equal(copied.hash, `#${id}`);
  assert.deepEqual(page.problems, []);
});

test('processes start by spawn or by a fork server, set in the widget or by a link', async () => {
  const page = await watchedPage(chromium);
  const id = 'lab-overcoming-gil-1';
  const sel = `#${id}`;
  // A start method that Python has but the lab does not offer is refused by name.
  await page.goto(`${server.url}overcoming-gil.html?lab=${id}&start=fork#${id}`);
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.waitForFunction((s) => !document.querySelector(`${s} .lab-error`).hidden, sel);
  assert.match(await page.locator(`${sel} .lab-error`).textContent(), /start must be one of spawn, forkserver, got "fork"/);
  assert.equal(await page.inputValue(`${sel} select[name=start]`), 'spawn', 'a refused link changes nothing');

  assert.deepEqual(page.problems, []);
  await page.close();
  const fresh = await watchedPage(chromium);
  await fresh.goto(`${server.url}overcoming-gil.html?lab=${id}&start=forkserver&n=300000&models=sequential,processes#${id}`);
  await fresh.waitForFunction((s) => document.querySelector(`${s} select[name=start]`).value === 'forkserver', sel);
  const widget = await runWidget(fresh, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.deepEqual(result.models.map((m) => m.model), ['sequential', 'processes']);
  assert.ok(result.models[1].wall_ms > 0 && result.models[1].threads === 4, JSON.stringify(result.models[1]));
  // Each process used one of the fork server's workers, which ended with it: a second
  // run leaves no more workers than the first did.
  const afterFirst = await settledWorkers(fresh);
  await runWidget(fresh, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  const afterSecond = await settledWorkers(fresh);
  assert.ok(afterSecond <= afterFirst, `workers: ${afterSecond} after the second run, ${afterFirst} after the first`);

  // Spawn again from the select: a new worker per process.
  await fresh.selectOption(`${sel} select[name=start]`, 'spawn');
  await runWidget(fresh, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  await fresh.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await fresh.click(`${sel} [data-action=link]`);
  const copied = new URL(await fresh.evaluate(() => navigator.clipboard.readText()));
  assert.equal(copied.searchParams.get('start'), 'spawn');
  assert.deepEqual(fresh.problems, []);
});

test("Run pressed as soon as a widget is ready runs with its link's settings", async () => {
  const page = await watchedPage(chromium);
  // Checking a link's settings waits for the wasm build; a slow network makes that long.
  await page.route('**/lab_wasm_bg.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  const id = 'lab-parallelism-1';
  await page.goto(`${server.url}parallelism.html?lab=${id}&tasks=3&n=5000&models=sequential,gil-threads#${id}`);
  const sel = `#${id}`;
  await page.waitForSelector(`${sel}[data-ready]`);
  // No waiting for the link to show in the form.
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.deepEqual(result.models.map((m) => m.model), ['sequential', 'gil-threads']);
  assert.equal(await page.inputValue(`${sel} input[name=tasks]`), '3');
  assert.deepEqual(page.problems, []);
});

test('markup in a link is shown as text, never run', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  const id = await page.locator('.lab-widget[data-lab=parallel-cpu]').getAttribute('id');
  const evil = encodeURIComponent('<img src=x onerror="window.pwned=1">');
  await page.goto(`${server.url}parallelism.html?lab=${id}&models=${evil}`);
  await page.waitForSelector(`#${id}[data-state=error]`);
  assert.match(await page.locator(`#${id} .lab-error`).textContent(), /models must be one of/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator(`#${id} .lab-error img`).count(), 0);
});

test('a link sets only what the widget shows, and says what it left out', async () => {
  const page = await watchedPage(chromium);
  // The I/O widget shows tasks, threads and the wait, not the loop size or the workload.
  const id = 'lab-comparison-2';
  await page.goto(`${server.url}comparison.html?lab=${id}&tasks=3&workload=cpu&n=100000000#${id}`);
  const sel = `#${id}`;
  await page.waitForFunction((s) => document.querySelector(`${s} input[name=tasks]`).value === '3', sel);
  const status = await page.locator(`${sel} .lab-status`).textContent();
  assert.match(status, /^This link's (n, workload|workload, n) were not applied: this widget does not show them\.$/);
  const params = JSON.parse(await page.getAttribute(sel, 'data-params'));
  assert.equal(params.workload, 'io', 'the hidden workload stays the chapter\'s');
  assert.notEqual(params.n, '100000000');
  // Copy link writes only what the widget shows.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click(`${sel} [data-action=link]`);
  const copied = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(copied.searchParams.get('tasks'), '3');
  assert.equal(copied.searchParams.has('workload'), false);
  assert.equal(copied.searchParams.has('n'), false);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('interpreters run in parallel lanes, each under a lock of its own, with start-up and copies drawn', async () => {
  const page = await watchedPage(chromium);
  const id = 'lab-overcoming-gil-interpreters';
  await page.goto(`${server.url}overcoming-gil.html?lab=${id}&n=300000&models=sequential,interpreters#${id}`);
  const sel = `#${id}`;
  await page.waitForFunction((s) => !document.querySelector(`${s} input[value=gil-threads]`).checked, sel);
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.deepEqual(result.models.map((m) => m.model), ['sequential', 'interpreters']);
  const interp = result.models[1];
  assert.equal(interp.threads, 4);
  assert.equal(interp.lanes_used, 4);
  assert.equal(interp.gil_handoffs, 0, 'no interpreter ever waits for another one\'s lock');
  assert.ok(interp.predicted_ms > 0, 'a prediction for this machine beside the measurement');
  // Each interpreter's lane is labelled, and no lane waits for a GIL.
  const timelines = await widget.locator('.lab-measured .lab-timelines').innerHTML();
  for (const lane of [0, 1, 2, 3]) assert.match(timelines, new RegExp(`interpreter ${lane}`));
  const interpSvg = await widget.locator('.lab-measured svg.lab-timeline[aria-label="interpreters"]').innerHTML();
  assert.match(interpSvg, /lab-state-running/);
  assert.doesNotMatch(interpSvg, /lab-state-waiting-gil/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the compute worker starts when a widget comes near the viewport, and not on a page read above it', async () => {
  // A short window: the first widget of the chapter is well below it.
  const page = await watchedPage(chromium, { viewport: { width: 1000, height: 300 } });
  await page.goto(`${server.url}parallelism.html`);
  const sel = '.lab-widget[data-lab=parallel-cpu]';
  await page.waitForSelector(`${sel}[data-ready]`);
  const below = await page.$eval(sel, (w) => w.getBoundingClientRect().top - innerHeight);
  assert.ok(below > 300, `the widget is ${below} px below the window; the test needs it farther`);
  const computeWorker = () => page.workers().some((w) => w.url().endsWith('/compute-worker.js'));
  await page.waitForTimeout(1500);
  assert.equal(computeWorker(), false, 'no worker while no widget is near');
  await page.$eval(sel, (w) => w.scrollIntoView());
  await page.waitForFunction(() => true);
  await until(computeWorker);
  // The run uses the worker that was started ahead of it, with its pool: counted once the
  // pool's threads have started (the worker starts them after compiling its module).
  await page.fill(`${sel} input[name=n]`, '300000');
  await until(() => page.workers().length > 1, 30_000);
  const workers = await settledWorkers(page);
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.equal(page.workers().length, workers, 'the run started no second compute worker or pool');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
