// Predict, then run: a reader commits a guess before a run (which model finishes first,
// what speedup the fastest parallel model gets), then sees it beside the measurement and
// the lab's prediction. The guess is kept in this browser only, survives a reload, can be
// cleared, and a reader who guesses nothing gets the usual result.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { serve, browser, watchedPage, runWidget, SMALL, fillSettings, assertResultRows } from './harness.js';

const FILE = 'gil.html';
const ID = 'lab-gil-1'; // sequential, threads under a GIL, threads without one
const SEL = `#${ID}`;
const BOX = `${SEL} .lab-predict`;
const LINE = `${SEL} .lab-predict-result`;

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** A fresh page (empty storage) on the chapter, with every request it makes recorded. */
async function open() {
  const page = await watchedPage(chromium);
  page.sent = [];
  page.context().on('request', (r) => page.sent.push(`${r.url()} ${r.postData() || ''}`));
  await page.goto(server.url + FILE);
  await page.waitForSelector(`${SEL}[data-ready]`);
  return page;
}

async function run(page) {
  await fillSettings(page, SEL, SMALL);
  const widget = await runWidget(page, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  return JSON.parse(await widget.getAttribute('data-result'));
}

test('a committed guess is shown beside the measurement and the prediction, kept over a reload, and cleared', async () => {
  const page = await open();
  assert.equal(await page.locator(BOX).evaluate((d) => d.open), false, 'folded away until asked for');
  await page.click(`${BOX} summary`);
  await page.check(`${BOX} input[type=radio][value=free-threads]`);
  await page.fill(`${BOX} input[name=guess-speedup]`, '3.5');
  assert.equal(await page.getAttribute(BOX, 'data-guess-first'), 'free-threads');
  assert.equal(await page.getAttribute(BOX, 'data-guess-speedup'), '3.5');

  const result = await run(page);
  const line = page.locator(LINE);
  assert.equal(await line.count(), 1, 'one line beside the result');
  const d = await line.evaluate((p) => ({ ...p.dataset }));
  assert.equal(d.guessFirst, 'free-threads');
  assert.equal(d.guessSpeedup, '3.5');
  // The measurement and the prediction, worked out here from data-result on their own.
  const parallel = await page.$$eval(`${SEL} .lab-models input[data-parallel]`, (bs) => bs.map((b) => b.value));
  const rows = result.models;
  const byWall = (a, b) => (a.wall_ms <= b.wall_ms ? a : b);
  const target = rows.slice(1).filter((r) => parallel.includes(r.model)).reduce(byWall);
  assert.equal(d.target, target.model);
  assert.equal(Number(d.measuredSpeedup), target.speedup);
  assert.equal(d.measuredFirst, rows.reduce(byWall).model);
  assert.ok(rows.every((r) => r.predicted_ms > 0), JSON.stringify(rows));
  const predicted = rows[0].predicted_ms / target.predicted_ms;
  assert.ok(Math.abs(Number(d.predictedSpeedup) - predicted) < 1e-9 * predicted, `${d.predictedSpeedup} vs ${predicted}`);
  assert.equal(d.predictedFirst, rows.reduce((a, b) => (a.predicted_ms <= b.predicted_ms ? a : b)).model);
  const text = await line.textContent();
  assert.match(text, /^Your guess: threads, no GIL first, 3\.50× for /);
  assert.match(text, /Measured: .+ first; .+ \d[\d.]*×\. The lab predicted: .+ first; .+ \d[\d.]*×\. /);
  assert.match(text, /(Lower|Higher) than you guessed: |within a quarter of the measurement/);
  // The form open, the line drawn: still no WCAG A/AA violation.
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .include(SEL).analyze();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);

  // Remembered in this browser after a reload.
  await page.reload();
  await page.waitForSelector(`${SEL}[data-ready]`);
  assert.equal(await page.locator(BOX).evaluate((el) => el.open), true, 'a kept guess opens the form');
  assert.equal(await page.isChecked(`${BOX} input[type=radio][value=free-threads]`), true);
  assert.equal(await page.inputValue(`${BOX} input[name=guess-speedup]`), '3.5');

  // Cleared: gone from the form, from storage, and after another reload.
  await page.click(`${BOX} [data-action=guess-clear]`);
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), `lab-guess:${ID}`), null);
  assert.equal(await page.locator(`${BOX} input[type=radio]:checked`).count(), 0);
  assert.equal(await page.inputValue(`${BOX} input[name=guess-speedup]`), '');
  assert.equal(await page.getAttribute(BOX, 'data-guess-first'), null);
  await page.reload();
  await page.waitForSelector(`${SEL}[data-ready]`);
  assert.equal(await page.locator(`${BOX} input[type=radio]:checked`).count(), 0);
  assert.equal(await page.getAttribute(BOX, 'data-guess-speedup'), null);

  // Never sent: no request carried the guess.
  assert.deepEqual(page.sent.filter((s) => /guess|3\.5/.test(s)), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a reader who presses Run without guessing gets the usual result and no guess line', async () => {
  const page = await open();
  const result = await run(page);
  const expected = JSON.parse(await page.getAttribute(SEL, 'data-params')).models.split(',');
  assertResultRows(result, expected, ID);
  assert.equal(await page.locator(LINE).count(), 0);
  assert.equal(await page.locator(BOX).evaluate((el) => el.open), false);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the choices follow the ticked models, and a guess far above threads under a GIL says why it missed', async () => {
  const page = await open();
  await page.uncheck(`${SEL} .lab-models input[value=free-threads]`);
  // By keyboard: open the form, reach the first choice and pick it.
  await page.focus(`${BOX} summary`);
  await page.keyboard.press('Enter');
  assert.equal(await page.locator(BOX).evaluate((el) => el.open), true);
  assert.deepEqual(await page.$$eval(`${BOX} input[type=radio]`, (rs) => rs.map((r) => r.value)), ['sequential', 'gil-threads']);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute(BOX, 'data-guess-first'), 'sequential');
  assert.match(await page.locator(`${BOX} label[for$=-guess-speedup]`).textContent(), /fastest parallel model over sequential/);
  await page.fill(`${BOX} input[name=guess-speedup]`, '4');
  await run(page);
  const line = page.locator(LINE);
  assert.equal(await line.getAttribute('data-target'), 'gil-threads');
  assert.match(await line.textContent(), /Lower than you guessed: under one GIL only one thread runs Python at a time/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a shared link\'s models are the ones offered as the winner', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}${FILE}?lab=${ID}&models=sequential,processes#${ID}`);
  await page.waitForFunction((s) => document.querySelector(`${s} .lab-models input[value=processes]`).checked, SEL);
  await page.click(`${BOX} summary`);
  const offered = () => page.$$eval(`${BOX} input[type=radio]`, (rs) => rs.map((r) => r.value).join(','));
  await page.waitForFunction((s) => [...document.querySelectorAll(`${s} input[type=radio]`)].map((r) => r.value).join(',') === 'sequential,processes', BOX)
    .catch(() => {});
  assert.equal(await offered(), 'sequential,processes');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('where the browser keeps nothing, a guess still counts until the page is left', async () => {
  const page = await watchedPage(chromium);
  await page.context().addInitScript(() => {
    Storage.prototype.setItem = () => { throw new DOMException('storage is off', 'SecurityError'); };
  });
  await page.goto(server.url + FILE);
  await page.waitForSelector(`${SEL}[data-ready]`);
  await page.click(`${BOX} summary`);
  await page.check(`${BOX} input[type=radio][value=sequential]`);
  assert.match(await page.locator(`${BOX} .lab-predict-note`).textContent(), /counts until you leave the page/);
  await run(page);
  assert.equal(await page.getAttribute(LINE, 'data-guess-first'), 'sequential');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('what a page measured of the machine is where the tab\'s next page starts its predictions', async () => {
  const page = await watchedPage(chromium);
  const measured = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('lab-measured') ?? 'null'));
  // A run with processes: the loop's timings from just before and just after it, and how
  // long a process took to start.
  const OTHER = '#lab-overcoming-gil-1';
  await page.goto(server.url + 'overcoming-gil.html');
  await page.waitForSelector(`${OTHER}[data-ready]`);
  await fillSettings(page, OTHER, SMALL);
  await runWidget(page, OTHER);
  assert.equal(await page.getAttribute(OTHER, 'data-state'), 'done');
  const first = await measured();
  assert.equal(first.loop_ns.length, 6, JSON.stringify(first));
  assert.ok(first.loop_ns.every((x) => x > 0), JSON.stringify(first.loop_ns));
  const started = Object.values(first.process_starts).filter((s) => s.us > 0 && s.together > 0);
  assert.equal(started.length, 1, JSON.stringify(first.process_starts));
  // The next page's worker starts from those timings: its run adds six more after them.
  await page.goto(server.url + FILE);
  await page.waitForSelector(`${SEL}[data-ready]`);
  await run(page);
  const second = await measured();
  assert.equal(second.loop_ns.length, 12, JSON.stringify(second));
  assert.deepEqual(second.loop_ns.slice(0, 6), first.loop_ns);
  assert.deepEqual(second.process_starts, first.process_starts, 'no process ran on the second page');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
