// Where the book is hosted: with the isolation headers, without them (the service worker
// makes the page isolated after one reload), with service workers blocked (the widgets
// fall back to one thread and say why), under a sub-path like GitHub Pages', from
// file://, and when a new build replaces an old one: atomically, never under an open
// page, and never failing a page because the cache is full.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SITE, serve, browser, watchedPage, runWidget } from './harness.js';
import { builtManifest, waitForAsync, waitForOfflineCopy, countLoads, copySite, deploy, updateServiceWorker } from './sw-helpers.js';

const THREADED = '#lab-parallelism-1'; // sequential against free threads

let chromium;
before(async () => { chromium = await browser(); });
after(async () => { await chromium?.close(); });

/** Runs the parallelism widget small; returns its data-result. */
async function runSmall(page, sel = THREADED) {
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.fill(`${sel} input[name=n]`, '300000');
  const widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  return JSON.parse(await widget.getAttribute('data-result'));
}

test('with the headers, the first load is isolated and the service worker still keeps an offline copy', async (t) => {
  const server = await serve();
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  countLoads(page);
  await page.goto(`${server.url}parallelism.html`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await waitForOfflineCopy(page, builtManifest());
  assert.equal(page.loads, 1, 'an isolated page never reloads');
  assert.equal(await page.getAttribute('html', 'data-lab-isolation'), 'isolated');
  const result = await runSmall(page);
  assert.equal(result.threaded, true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('without the headers, the service worker makes the page isolated after one reload and threads run', async (t) => {
  const server = await serve({ isolation: false });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  countLoads(page);
  const started = Date.now();
  await page.goto(`${server.url}parallelism.html?lab=none#lab-parallelism-1`);
  await page.waitForFunction(() => crossOriginIsolated === true && document.readyState === 'complete', null, { timeout: 30_000 });
  t.diagnostic(`isolated ${Date.now() - started} ms after the first request`);
  assert.equal(page.loads, 2, 'exactly one reload');
  assert.equal(page.url(), `${server.url}parallelism.html?lab=none#lab-parallelism-1`, 'the reload keeps the address');
  const result = await runSmall(page);
  assert.equal(result.isolated, true);
  assert.equal(result.threaded, true);
  const par = result.models.find((m) => m.model === 'free-threads');
  assert.ok(par.threads > 1 && par.lanes_used > 1, `ran on more than one thread: ${JSON.stringify(par)}`);
  // Another page of the book is isolated from its first load: no reload any more.
  page.loads = 0;
  await page.goto(`${server.url}gil.html`);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(page.loads, 1);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with service workers blocked and no headers, widgets say what is missing and run on one thread', async (t) => {
  const server = await serve({ isolation: false });
  t.after(() => server.close());
  const page = await watchedPage(chromium, { serviceWorkers: 'block' });
  countLoads(page);
  await page.goto(`${server.url}parallelism.html`);
  await page.waitForSelector('html[data-lab-isolation=unavailable]');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  const env = page.locator(`${THREADED} .lab-env`);
  assert.ok(await env.isVisible(), 'the explanation is visible');
  assert.match(await env.textContent(), /not cross-origin isolated.*Sequential, asyncio and processes still run/s);
  assert.equal(await page.locator(`${THREADED} input[name=model][value=free-threads]`).isDisabled(), true);
  const result = await runSmall(page);
  assert.equal(result.threaded, false);
  assert.deepEqual(result.models.map((m) => m.model), ['sequential']);
  // A widget that needs threads and nothing else says so instead of running.
  await page.goto(`${server.url}why-gil.html`);
  const counter = await runWidget(page, '.lab-widget[data-lab=counter]');
  assert.equal(await counter.getAttribute('data-state'), 'error');
  assert.match(await counter.locator('.lab-error').textContent(), /needs threads.*not cross-origin isolated/);
  assert.equal(page.loads, 2, 'no reload on either page');
  // The blocked registration itself logs a warning, not an error.
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a service worker whose headers do not isolate the page causes one reload, never a loop', async (t) => {
  // A stand-in for a browser that ignores the worker's headers: a worker that adds none.
  const site = copySite();
  t.after(site.remove);
  fs.writeFileSync(path.join(site.dir, 'sw.js'), `
    self.addEventListener('install', () => self.skipWaiting());
    self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
    self.addEventListener('fetch', (e) => e.respondWith(fetch(e.request)));`);
  const server = await serve({ isolation: false, root: site.dir });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  countLoads(page);
  await page.goto(`${server.url}parallelism.html`);
  await page.waitForFunction(() => navigator.serviceWorker.controller
    && document.documentElement.dataset.labIsolation === 'unavailable', null, { timeout: 30_000 });
  assert.equal(page.loads, 2, 'one reload, then no more');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  const result = await runSmall(page);
  assert.equal(result.threaded, false);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('under a sub-path, as on GitHub Pages, the service worker covers the whole book', async (t) => {
  const server = await serve({ isolation: false, base: '/concurrency-lab/' });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}parallelism.html`);
  await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
  assert.equal(scope, server.url);
  const result = await runSmall(page);
  assert.equal(result.threaded, true);
  // The book's root page, by its folder's address.
  await page.goto(server.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(await page.locator('main h1').count(), 1, 'the book\'s first chapter');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('from file://, every widget says how to serve the folder and keeps its prediction', async () => {
  const page = await (await chromium.newContext()).newPage();
  await page.goto(pathToFileURL(path.join(SITE, 'parallelism.html')).href);
  const notes = page.locator('.lab-widget .lab-file-note');
  await notes.first().waitFor();
  assert.equal(await notes.count(), await page.locator('.lab-widget').count());
  assert.match(await notes.first().textContent(), /file:\/\/.*python3 -m http\.server/s);
  assert.ok(await page.locator('.lab-widget .lab-predicted svg').first().isVisible(), 'the prediction is shown');
  assert.equal(await page.locator('.lab-widget [data-action=run]').first().isVisible(), false, 'no Run that cannot work');
  await page.context().close();
});

/** A plain host with a copy of the site, and a page of it isolated by the service worker, whose offline copy is complete. */
async function openedCopy(t) {
  const site = copySite();
  t.after(site.remove);
  const server = await serve({ isolation: false, root: site.dir });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}introduction.html`);
  await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  const v1 = builtManifest(site.dir);
  const oldCache = await waitForOfflineCopy(page, v1);
  return { site, server, page, v1, oldCache };
}

const withMark = (file, dir, mark) => fs.readFileSync(path.join(dir, file), 'utf8').replace('<main>', `<main><p id="${mark}">${mark}</p>`);
const cssOf = (page) => page.evaluate(() => fetch('lab/lab.css').then((r) => r.text()));

test('a deploy while a page is open: the page keeps its version; once the book is closed, the next visit gets the new one whole', async (t) => {
  const { site, server, page, oldCache } = await openedCopy(t);
  const css = fs.readFileSync(path.join(site.dir, 'lab/lab.css'), 'utf8');
  deploy(site.dir, 'second-build', {
    'introduction.html': withMark('introduction.html', site.dir, 'new-build'),
    'lab/lab.css': `${css}\n/* second build */\n`,
  });
  assert.equal(await updateServiceWorker(page), 'installed', 'the new version installed');
  await waitForOfflineCopy(page, { ...builtManifest(site.dir) });
  // The open page, and the next page read in the same tab, still get their version's
  // files, and the old copy is still whole.
  assert.equal(await cssOf(page), css, 'no file of the new version reaches the open page');
  await page.goto(`${server.url}gil.html`);
  assert.equal(await cssOf(page), css, 'nor the next page of the same visit');
  assert.ok(await page.evaluate((old) => caches.keys().then((k) => k.includes(old)), oldCache));
  assert.deepEqual(page.problems, []);
  // The book closed (its last page), and opened again: the new version, and only it.
  const context = page.context();
  await page.close();
  const again = await context.newPage();
  await again.goto(`${server.url}introduction.html`);
  await again.waitForSelector('#new-build', { timeout: 30_000 });
  assert.match(await cssOf(again), /second build/);
  await waitForAsync(again, (old) => caches.keys().then((k) => !k.includes(old)), oldCache);
  assert.equal(await again.evaluate(() => crossOriginIsolated), true);
  await context.close();
});

test('an update whose files do not match their hashes never installs: the old version stays, whole', async (t) => {
  const { site, server, page, v1, oldCache } = await openedCopy(t);
  deploy(site.dir, 'broken-build', { 'introduction.html': withMark('introduction.html', site.dir, 'new-build') });
  // The host serves something else than the list says (a half-finished upload).
  fs.writeFileSync(path.join(site.dir, 'introduction.html'), 'truncated');
  assert.equal(await updateServiceWorker(page), 'redundant', 'the update failed to install');
  await page.goto(`${server.url}introduction.html`);
  assert.equal(await page.locator('#new-build').count(), 0, 'the old version is served');
  assert.equal(await page.locator('main').count(), 1, 'the whole old page, not the broken file');
  assert.ok(await page.evaluate((old) => caches.keys().then((k) => k.includes(old)), oldCache));
  assert.equal((await page.evaluate((old) => caches.open(old).then((c) => c.keys()), oldCache)).length, v1.files.length);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a copy the cache cannot store (a full quota) never fails the page its answer', async (t) => {
  const site = copySite();
  t.after(site.remove);
  const server = await serve({ isolation: false, root: site.dir });
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}introduction.html`);
  await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  const [worker] = page.context().serviceWorkers();
  assert.ok(worker, 'the service worker is running');
  await worker.evaluate(() => {
    Cache.prototype.put = () => Promise.reject(new DOMException('the quota is full', 'QuotaExceededError'));
  });
  // A file of the site that is not stored (the idle-time copy may have stored it: drop
  // it), so the worker fetches it and tries to store it.
  await page.evaluate(async () => {
    for (const name of await caches.keys()) await (await caches.open(name)).delete(new URL('print.html', location.href).href);
  });
  const answer = await page.evaluate(() => fetch('print.html').then((r) => r.status, (e) => String(e)));
  assert.equal(answer, 200);
  await page.context().close();
});
