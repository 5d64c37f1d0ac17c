// Reading offline: after one visit (on a host without the isolation headers, so through
// the service worker), the server goes away and the network is cut, and still every page
// opens, isolated, and widgets run on threads and on processes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SITE, serve, browser, watchedPage, runWidget } from './harness.js';
import { builtManifest, waitForOfflineCopy } from './sw-helpers.js';

const pages = fs.readdirSync(SITE).filter((f) => f.endsWith('.html')).sort();

let chromium;
before(async () => { chromium = await browser(); });
after(async () => { await chromium?.close(); });

test('after one visit, the whole book and its widgets work with the network gone', async (t) => {
  const server = await serve({ isolation: false });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  // Name what failed (the console only says that something did); leaving a page aborts its
  // favicon's request, which is no failure.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  const started = Date.now();
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  await waitForOfflineCopy(page, builtManifest());
  t.diagnostic(`offline copy complete ${Date.now() - started} ms after the first request`);
  // Gone for good: no server, no network.
  server.close();
  await page.context().setOffline(true);
  // toc.html is the sidebar's frame for readers without JavaScript; opened on its own, it
  // has no icon link, so the browser asks for /favicon.ico, which the book does not have.
  const ignored = [];
  page.on('console', (m) => { if (m.location().url.endsWith('/favicon.ico')) ignored.push(`console: ${m.text()}`); });
  for (const file of pages) {
    const response = await page.goto(server.url + file);
    assert.equal(response.status(), 200, `${file} is served from the offline copy`);
    if (file !== 'toc.html') assert.match(await page.title(), /Concurrency Lab/, file);
    else assert.ok(await page.locator('a[href="introduction.html"]').count() > 0);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, `${file} is isolated offline`);
  }
  assert.deepEqual(page.problems.filter((p) => !ignored.includes(p)), [], 'no page logged an error offline');
  // A page that was never part of the book answers with the book's own "not found" page.
  const missing = await page.goto(`${server.url}no-such-chapter.html`);
  assert.equal(missing.status(), 404);
  assert.match(await page.title(), /Page not found/);
  page.problems.length = 0; // the browser logs that 404, rightly
  // Widgets: threads (the wasm, workers and pool all come from the offline copy) and processes.
  await page.goto(`${server.url}parallelism.html?lab=lab-parallelism-1&n=300000`);
  const sel = '#lab-parallelism-1';
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.fill(`${sel} input[name=n]`, '300000');
  let widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const threads = JSON.parse(await widget.getAttribute('data-result')).models.find((m) => m.model === 'free-threads');
  assert.ok(threads.lanes_used > 1, 'threads ran offline');
  await page.goto(`${server.url}overcoming-gil.html`);
  const procSel = '#lab-overcoming-gil-1';
  await page.waitForSelector(`${procSel}[data-ready]`);
  await page.fill(`${procSel} input[name=n]`, '200000');
  widget = await runWidget(page, procSel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const models = JSON.parse(await widget.getAttribute('data-result')).models.map((m) => m.model);
  assert.ok(models.includes('processes'), `processes ran offline: ${models}`);
  // Offline failures of the page's own requests would show up here.
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
