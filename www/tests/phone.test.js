// The book on a phone (390 x 844): no page scrolls sideways, and every widget's label
// sits beside or just above its own input, before and after a run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, runWidget, widgetPages } from './harness.js';

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

/** Every label/input pair whose input is not beside or just below its label. */
const misplacedFields = (sel) => [...document.querySelectorAll(`${sel} .lab-field`)].flatMap((field) => {
  const label = field.querySelector('label').getBoundingClientRect();
  const input = field.querySelector('input, select').getBoundingClientRect();
  const beside = Math.abs(label.top + label.height / 2 - (input.top + input.height / 2)) < Math.max(label.height, input.height) / 2
    && input.left >= label.right - 1;
  const below = input.top >= label.bottom - 1 && input.top - label.bottom < 12 && Math.abs(input.left - label.left) < 40;
  return beside || below ? [] : [field.querySelector('label').textContent];
});

/** How far the page scrolls sideways, in CSS pixels. */
const overflow = () => document.scrollingElement.scrollWidth - window.innerWidth;

for (const file of widgetPages()) {
  test(`on a phone, ${file} does not scroll sideways and pairs every label with its input`, async () => {
    const page = await watchedPage(chromium, PHONE);
    await page.goto(server.url + file);
    await page.waitForSelector('.lab-widget[data-ready]');
    assert.ok(await page.evaluate(overflow) <= 0, `${file} is ${await page.evaluate(overflow)} px wider than the screen`);
    assert.deepEqual(await page.evaluate(misplacedFields, '.lab-widget'), [], 'labels away from their inputs');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('on a phone, a widget that has run still fits: charts, timelines and tables', async () => {
  const page = await watchedPage(chromium, PHONE);
  await page.goto(`${server.url}overcoming-gil.html`);
  const sel = '#lab-overcoming-gil-interpreters';
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.fill(`${sel} input[name=n]`, '200000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.ok(await page.evaluate(overflow) <= 0, `the page is ${await page.evaluate(overflow)} px wider than the screen after a run`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('on a phone, the open guess form and its line after a run fit, with the label beside or above its input', async () => {
  const page = await watchedPage(chromium, PHONE);
  await page.goto(`${server.url}gil.html`);
  const sel = '#lab-gil-1';
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.click(`${sel} .lab-predict summary`);
  await page.check(`${sel} .lab-predict input[type=radio][value=gil-threads]`);
  await page.fill(`${sel} .lab-predict input[name=guess-speedup]`, '2');
  assert.ok(await page.evaluate(overflow) <= 0, `the page is ${await page.evaluate(overflow)} px wider than the screen`);
  assert.deepEqual(await page.evaluate(misplacedFields, `${sel} .lab-predict`), [], 'labels away from their inputs');
  await page.fill(`${sel} input[name=n]`, '200000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.equal(await page.locator(`${sel} .lab-predict-result`).count(), 1);
  assert.ok(await page.evaluate(overflow) <= 0, `the page is ${await page.evaluate(overflow)} px wider than the screen after a run`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
