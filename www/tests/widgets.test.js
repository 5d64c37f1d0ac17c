// Every widget in the book, run for real in headless Chromium with small settings:
// each must finish with a result for every model it compares, and no page may log an
// error.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, runWidget, SMALL, fillSettings, widgetPages, assertResultRows } from './harness.js';

// Small enough to keep the whole book's run short on a 2-core machine.

const pages = widgetPages();

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

test('the book has widgets to test', () => {
  assert.ok(pages.length >= 5, `only ${pages.length} pages with widgets`);
});

for (const file of pages) {
  test(`every widget on ${file} runs and reports`, async () => {
    const page = await watchedPage(chromium);
    await page.goto(server.url + file);
    assert.equal(new Set(await page.$$eval('.lab-widget', (ws) => ws.map((w) => w.id))).size, await page.locator('.lab-widget').count(), 'widget ids are unique');
    // The runnable listings have their own test (listings.test.js).
    const ids = await page.$$eval('.lab-widget:not([data-lab=python])', (ws) => ws.map((w) => w.id));
    for (const id of ids) {
      const sel = `#${id}`;
      await page.waitForSelector(`${sel}[data-ready]`);
      await fillSettings(page, sel, SMALL);
      const widget = await runWidget(page, sel);
      const state = await widget.getAttribute('data-state');
      assert.equal(state, 'done', `${id}: ${await widget.locator('.lab-error').textContent()}`);
      const result = JSON.parse(await widget.getAttribute('data-result'));
      const expected = JSON.parse(await widget.getAttribute('data-params')).models.split(',');
      assertResultRows(result, expected, id);
      if (result.experiment === 'compare') {
        const table = await widget.locator('.lab-measured table.lab-compare').textContent();
        assert.match(table, /µs per await|per worker|the speed of one thread/);
      }
      if (result.experiment === 'convoy') {
        // Every request waits wait_ms at least, then handles its answer.
        const wait = Number(await widget.locator('input[name=wait_ms]').inputValue());
        for (const m of result.models) assert.ok(m.request_ms >= 0.9 * wait, `${id}: ${JSON.stringify(m)}`);
      }
      if (result.experiment === 'counter') {
        const by = Object.fromEntries(result.models.map((m) => [m.model, m]));
        assert.equal(by.locked.final_count, result.expected, 'a lock loses nothing');
        assert.equal(by.atomic.final_count, result.expected, 'an atomic add loses nothing');
      }
    }
    assert.deepEqual(page.problems, []);
  });
}
