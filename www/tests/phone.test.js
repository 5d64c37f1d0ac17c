// The book on a phone (390 x 844): no page scrolls sideways, every widget's label sits
// beside or just above its own input, chart text is at least 11 px on screen and every
// control is a 44 px touch target, before and after a run.

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

/** Every chart text drawn smaller than 11 px on screen: its size times the chart's scale. */
const tinyChartText = (sel) => [...document.querySelectorAll(`${sel} svg.lab-chart`)].flatMap((svg) => {
  const shown = svg.getBoundingClientRect().width;
  if (shown === 0) return []; // inside closed details
  const scale = shown / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].flatMap((t) => {
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    return px >= 11 - 0.01 ? [] : [`"${t.textContent.slice(0, 30)}" at ${px.toFixed(1)} px`];
  });
});

/** Every visible control smaller than a 44 px touch target (a checkbox or radio button counts with its label). */
const smallTargets = (sel) => {
  const controls = [...document.querySelectorAll(`${sel} button, ${sel} select, ${sel} input[type=number], ${sel} summary`)];
  const boxes = [...document.querySelectorAll(`${sel} input[type=checkbox], ${sel} input[type=radio]`)].map((c) => c.closest('label') ?? c);
  return [...controls, ...boxes].flatMap((c) => {
    const r = c.getBoundingClientRect();
    if (r.width === 0) return []; // hidden
    return r.height >= 44 - 0.5 ? [] : [`${c.tagName.toLowerCase()} "${(c.textContent || c.getAttribute('name') || '').trim().slice(0, 30)}" ${r.height.toFixed(0)} px high`];
  });
};

/** How far the page scrolls sideways, in CSS pixels. */
const overflow = () => document.scrollingElement.scrollWidth - window.innerWidth;

for (const file of widgetPages()) {
  test(`on a phone, ${file} does not scroll sideways and pairs every label with its input`, async () => {
    const page = await watchedPage(chromium, PHONE);
    await page.goto(server.url + file);
    await page.waitForSelector('.lab-widget[data-ready]');
    assert.ok(await page.evaluate(overflow) <= 0, `${file} is ${await page.evaluate(overflow)} px wider than the screen`);
    assert.deepEqual(await page.evaluate(misplacedFields, '.lab-widget'), [], 'labels away from their inputs');
    assert.deepEqual(await page.evaluate(tinyChartText, '.lab-widget'), [], 'chart text below 11 px');
    assert.deepEqual(await page.evaluate(smallTargets, '.lab-widget'), [], 'touch targets below 44 px');
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
  await page.locator(`${sel} details`).evaluateAll((all) => all.forEach((d) => { d.open = true; }));
  assert.deepEqual(await page.evaluate(tinyChartText, sel), [], 'chart text below 11 px after a run');
  assert.deepEqual(await page.evaluate(smallTargets, sel), [], 'touch targets below 44 px after a run');
  // The results tables fit the screen: no column (the difference from the prediction, last)
  // hides behind a sideways scroll, as the charts may.
  const tables = await page.locator(`${sel} .lab-measured table`).evaluateAll((all) => all.map((t) => ({
    caption: t.caption?.textContent, width: Math.round(t.getBoundingClientRect().width), room: t.parentElement.clientWidth,
  })));
  assert.equal(tables.length, 2, JSON.stringify(tables));
  for (const t of tables) assert.ok(t.width <= t.room, `"${t.caption}" is ${t.width} px wide in ${t.room} px`);
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
