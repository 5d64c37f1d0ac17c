// Accessibility: axe-core finds no WCAG 2.0, 2.1 or 2.2 A/AA violation on any chapter, in
// every theme mdBook offers (light, rust, and the dark coal, navy and ayu), before and
// after a widget (and a runnable listing) ran.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { SITE, serve, browser, watchedPage, runWidget } from './harness.js';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// print.html repeats every chapter; toc.html is the sidebar's frame without JavaScript.
const chapters = fs.readdirSync(SITE).filter((f) => f.endsWith('.html') && !['print.html', 'toc.html'].includes(f)).sort();

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** A page in `theme`: mdBook reads it from localStorage before drawing anything. */
async function themedPage(theme) {
  const page = await watchedPage(chromium);
  await page.context().addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
  return page;
}

async function violations(page) {
  const { violations: found } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return found.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('\n    ')}`);
}

for (const theme of ['light', 'rust', 'coal', 'navy', 'ayu']) {
  test(`no WCAG A/AA violation on any chapter in the ${theme} theme`, async () => {
    const page = await themedPage(theme);
    const failures = [];
    for (const file of chapters) {
      await page.goto(server.url + file);
      assert.ok(await page.evaluate((t) => document.documentElement.classList.contains(t), theme));
      await page.waitForFunction(() => [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready));
      for (const v of await violations(page)) failures.push(`${file}: ${v}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });

  test(`a widget's measured results have no WCAG A/AA violation in the ${theme} theme`, async () => {
    const page = await themedPage(theme);
    // A runnable listing too: its output and its table of threads.
    for (const [file, sel] of [['parallelism.html', '#lab-parallelism-1'], ['overcoming-gil.html', '#lab-overcoming-gil-1'],
      ['synchronisation.html', '#lab-synchronisation-queue']]) {
      await page.goto(server.url + file);
      await page.waitForSelector(`${sel}[data-ready]`);
      if (await page.locator(`${sel} input[name=n]`).count()) await page.fill(`${sel} input[name=n]`, '200000');
      const widget = await runWidget(page, sel);
      assert.equal(await widget.getAttribute('data-state'), 'done');
      assert.deepEqual(await violations(page), [], file);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}
