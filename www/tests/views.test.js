// The extra views: the event loop's replay (coroutines and the event loop) and the
// chooser (conclusion), run for real in headless Chromium; and their pure parts (the
// trace-to-messages derivation, the recommendation) on hand-made reports.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, runWidget } from './harness.js';
import { eventsOf } from '../src/views/event-loop.js';
import { choose } from '../src/views/chooser.js';

const EVENT_LOOP = '.lab-widget[data-view=event-loop]';
const CHOOSER = '.lab-widget[data-view=chooser]';

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** Opens a page, fills a widget's inputs and runs it; returns the page and widget selector. */
async function run(file, selector, inputs, contextOptions = {}, setup = async () => {}) {
  const page = await watchedPage(chromium, contextOptions);
  await setup(page);
  await page.goto(server.url + file);
  await page.waitForSelector(`${selector}[data-ready]`);
  const id = await page.$eval(selector, (w) => w.id);
  const sel = `#${id}`;
  for (const [name, value] of Object.entries(inputs)) await page.locator(`${sel} input[name=${name}]`).fill(value);
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  return { page, sel };
}

const stepOf = (page, sel) => page.$eval(`${sel} .lab-el`, (e) => Number(e.dataset.step));
const playing = (page, sel) => page.$eval(`${sel} .lab-el`, (e) => e.dataset.playing === 'true');

test('event-loop view: replays the asyncio run with play, pause, step and speed controls', async () => {
  const { page, sel } = await run('event-loop.html', EVENT_LOOP, { tasks: '3', wait_ms: '100' });
  const view = page.locator(`${sel} .lab-view .lab-el`);
  await view.waitFor();
  assert.equal(await page.locator(`${sel} .lab-view .lab-el`).count(), 1);
  // Three tasks, one await each: start, await, start timer, timer done, resume, return.
  const total = await page.locator(`${sel} .lab-el-steps tbody tr`).count();
  assert.equal(total, 18, 'six messages per task');
  assert.match(await page.locator(`${sel} .lab-el-steptext`).textContent(), /of 18$/);
  for (const who of ['Event loop', 'I/O (timer)', 'Task 0', 'Task 2']) {
    assert.ok((await page.locator(`${sel} .lab-el-diagram text.lab-el-name`).allTextContents()).includes(who), who);
  }
  assert.equal(await page.getAttribute(`${sel} .lab-el [aria-live]`, 'aria-live'), 'polite');

  // It plays by itself after a run (no reduced motion asked for here).
  await page.waitForFunction((s) => Number(document.querySelector(`${s} .lab-el`).dataset.step) > 0, sel);

  // Pause: it stays where it is.
  if (await playing(page, sel)) await page.click(`${sel} [data-view-action=play]`);
  assert.equal(await playing(page, sel), false);
  assert.match(await page.locator(`${sel} [data-view-action=play]`).textContent(), /Play|Replay/);
  const paused = await stepOf(page, sel);
  await page.waitForTimeout(1500);
  assert.equal(await stepOf(page, sel), paused, 'a paused replay does not advance');

  // Step back and forward, one message at a time.
  if (paused === total) {
    await page.click(`${sel} [data-view-action=back]`);
    assert.equal(await stepOf(page, sel), total - 1);
  }
  const at = await stepOf(page, sel);
  await page.click(`${sel} [data-view-action=forward]`);
  assert.equal(await stepOf(page, sel), at + 1);
  assert.equal(await page.locator(`${sel} .lab-el-current`).count(), 1, 'the current message is highlighted');
  assert.match(await page.locator(`${sel} .lab-el-steptext`).textContent(), new RegExp(`^Step ${at + 1} of 18`));
  await page.click(`${sel} [data-view-action=back]`);
  assert.equal(await stepOf(page, sel), at);
  // From the keyboard too.
  await page.focus(`${sel} [data-view-action=forward]`);
  await page.keyboard.press('Enter');
  assert.equal(await stepOf(page, sel), at + 1);

  // Speed.
  await page.click(`${sel} button[data-speed="4"]`);
  assert.equal(await page.getAttribute(`${sel} button[data-speed="4"]`, 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute(`${sel} button[data-speed="1"]`, 'aria-pressed'), 'false');
  assert.equal(await page.$eval(`${sel} .lab-el`, (e) => e.dataset.speed), '4');

  // Play again from here: it advances, and reaches the end.
  await page.click(`${sel} [data-view-action=play]`);
  assert.equal(await playing(page, sel), true);
  await page.waitForFunction((s) => Number(document.querySelector(`${s} .lab-el`).dataset.step) === 18, sel);
  await page.waitForFunction((s) => document.querySelector(`${s} .lab-el`).dataset.playing === 'false', sel);
  assert.match(await page.locator(`${sel} .lab-el-now`).textContent(), /finishes/);

  // A second run replaces the view (one replay, not two).
  await runWidget(page, sel);
  assert.equal(await page.locator(`${sel} .lab-el`).count(), 1);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('event-loop view: does not play by itself under prefers-reduced-motion', async () => {
  const { page, sel } = await run('event-loop.html', EVENT_LOOP, { tasks: '3', wait_ms: '100' }, {},
    (p) => p.emulateMedia({ reducedMotion: 'reduce' }));
  await page.locator(`${sel} .lab-el`).waitFor();
  assert.equal(await playing(page, sel), false);
  assert.match(await page.locator(`${sel} .lab-el-note`).textContent(), /reduced motion/);
  await page.waitForTimeout(1000);
  assert.equal(await stepOf(page, sel), 0, 'still at the start');
  // The reader can start it.
  await page.click(`${sel} [data-view-action=play]`);
  await page.waitForFunction((s) => Number(document.querySelector(`${s} .lab-el`).dataset.step) > 0, sel);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('chooser view: recommends one of the measured models and shows a row per model', async () => {
  const { page, sel } = await run('conclusion.html', CHOOSER, { n: '200000', wait_ms: '30' });
  const verdict = page.locator(`${sel} .lab-view .lab-ch-verdict`);
  await verdict.waitFor();
  const measured = JSON.parse(await page.getAttribute(sel, 'data-result')).models.map((m) => m.model);
  assert.ok(measured.length >= 2, 'the widget compares models');
  const pick = await verdict.getAttribute('data-model');
  assert.ok(measured.includes(pick), `recommends a measured model: ${pick}`);
  assert.match(await verdict.textContent(), /Recommended|No model is clearly faster/);
  const rows = await page.$$eval(`${sel} .lab-ch-table tbody tr`, (trs) => trs.map((tr) => tr.dataset.model));
  assert.deepEqual([...rows].sort(), [...measured].sort(), 'one row per measured model');
  assert.match(await page.locator(`${sel} .lab-ch-why`).textContent(), /% of their time waiting/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// The pure parts, on hand-made reports.

const span = (task, state, start_us, end_us) => ({ lane: 0, task, state, start_us, end_us });

test('eventsOf: an asyncio trace becomes messages in trace order', () => {
  const events = eventsOf({
    spans: [
      span(0, 'running', 0, 10), span(0, 'waiting-io', 10, 100), span(0, 'running', 100, 110),
      span(1, 'running', 10, 20), span(1, 'waiting-io', 20, 90), span(1, 'running', 110, 115),
    ],
  });
  assert.deepEqual(events.map((e) => `${e.kind}:${e.task}@${e.t}`), [
    'start:0@0', 'await:0@10', 'io-start:0@10', 'start:1@10', 'await:1@20', 'io-start:1@20',
    'io-done:1@90', 'io-done:0@100', 'resume:0@100', 'finish:0@110', 'resume:1@110', 'finish:1@115',
  ]);
});

test('eventsOf: pure waits (no running spans) still start, await, resume and return', () => {
  const events = eventsOf({ spans: [span(0, 'waiting-io', 5, 50), span(1, 'waiting-io', 6, 50)] });
  assert.deepEqual(events.map((e) => `${e.kind}:${e.task}`), [
    'start:0', 'await:0', 'io-start:0', 'start:1', 'await:1', 'io-start:1',
    // Both timers fire at once: the loop learns of both before it runs either task.
    'io-done:0', 'io-done:1', 'resume:0', 'finish:0', 'resume:1', 'finish:1',
  ]);
});

const report = (ioShare, walls) => ({
  params: { io_fraction: 0.5 },
  runs: Object.entries(walls).map(([model, wall_ms]) => ({
    model, wall_ms, threads: 1, gil_handoffs: 0,
    spans: model === 'sequential' ? [span(0, 'running', 0, 1000 * (1 - ioShare)), span(0, 'waiting-io', 1000 * (1 - ioShare), 1000)] : [],
  })),
});

test('choose: I/O-bound ties go to asyncio; a clear CPU-bound winner is named', () => {
  const io = choose(report(0.9, { sequential: 400, asyncio: 52, 'gil-threads': 50, processes: 200 }));
  assert.equal(io.kind, 'io');
  assert.equal(io.pick.model, 'asyncio', 'within 10% of the fastest, asyncio is the I/O choice');
  const cpu = choose(report(0.1, { sequential: 400, 'gil-threads': 410, 'free-threads': 105, processes: 180 }));
  assert.equal(cpu.kind, 'cpu');
  assert.equal(cpu.pick.model, 'free-threads');
  assert.equal(cpu.fallback.model, 'processes', 'names what standard CPython offers');
});

test('choose: when sequential is within noise of the best, no winner is claimed', () => {
  const c = choose(report(0.1, { sequential: 100, 'gil-threads': 103, processes: 250 }));
  assert.equal(c.noClearWinner, true);
  assert.equal(c.pick.model, 'sequential');
});
