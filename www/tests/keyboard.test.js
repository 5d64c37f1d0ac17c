// Every widget works from the keyboard alone: Tab reaches each of its controls in order
// (a runnable listing's folded Settings first) and then Run; typing sets a number, Space a model; Enter on Run runs; the focus moves
// to Stop so that Enter stops a long run, and back to Run afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, widgetPages } from './harness.js';

const pages = widgetPages();

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** What has the focus, as `name` of an input or `action` of a button. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { widget: a.closest('.lab-widget')?.id ?? null, name: a.name || a.dataset.action || a.tagName.toLowerCase(), value: a.value };
});

for (const file of pages) {
  test(`Tab walks through every control of every widget on ${file}, in order, to Run`, async () => {
    const page = await watchedPage(chromium);
    await page.goto(server.url + file);
    for (const id of await page.$$eval('.lab-widget', (ws) => ws.map((w) => w.id))) {
      await page.waitForSelector(`#${id}[data-ready]`);
      const expected = await page.$$eval(`#${id} .lab-controls :is(input, select):not([disabled])`, (inputs) => inputs.filter((i) => i.checkVisibility()).map((i) => i.name));
      // A runnable listing's settings come first, folded under their "Settings" summary.
      if (await page.locator(`#${id} > .lab-settings`).count()) expected.unshift('summary');
      // The folded "Your prediction" (where the widget takes a guess) comes before Run.
      if (await page.locator(`#${id} .lab-predict:not([hidden])`).count()) expected.push('summary');
      // Start from the widget's own link, the first thing Tab reaches in it.
      await page.focus(`#${id} .lab-anchor`);
      const seen = [];
      for (let i = 0; i <= expected.length; i++) {
        await page.keyboard.press('Tab');
        const f = await focused(page);
        assert.equal(f.widget, id, `Tab left ${id} after ${seen.join(', ')}`);
        seen.push(f.name);
      }
      assert.deepEqual(seen, [...expected, 'run'], id);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('a widget is set, run and stopped from the keyboard', async () => {
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  const sel = '#lab-parallelism-1';
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.focus(`${sel} .lab-anchor`);
  // Tab to the loop size and type a small one.
  while ((await focused(page)).name !== 'n') await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('300000');
  // Tab to the processes model and tick it with Space.
  while ((await focused(page)).value !== 'processes') await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.isChecked(`${sel} input[value=processes]`), true);
  while ((await focused(page)).name !== 'run') await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${sel}[data-state=done]`, { timeout: 120_000 });
  const models = JSON.parse(await page.getAttribute(sel, 'data-result')).models.map((m) => m.model);
  assert.deepEqual(models, ['sequential', 'free-threads', 'processes']);
  assert.equal((await focused(page)).name, 'run', 'the focus is back on Run after the run');
  // A long run: Enter starts it, the focus is on Stop, Enter stops it.
  await page.fill(`${sel} input[name=n]`, '100000000');
  await page.focus(`${sel} [data-action=run]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${sel}[data-state=running]`);
  assert.equal((await focused(page)).name, 'stop', 'the focus moved to Stop');
  await page.keyboard.press('Enter');
  await page.waitForFunction((s) => document.querySelector(s).dataset.state !== 'running', sel);
  assert.match(await page.textContent(`${sel} .lab-status`), /Stopped/);
  assert.equal((await focused(page)).name, 'run', 'the focus is back on Run after Stop');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
