// Every page of the built book (print.html and the no-JS sidebar's toc.html included)
// loads in Chromium with no console error and no page error, and no request ever leaves
// the site's origin: no CDN, no remote fonts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SITE, serve, browser, watchedPage } from './harness.js';

const pages = fs.readdirSync(SITE).filter((f) => f.endsWith('.html')).sort();

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

test('the book has pages', () => assert.ok(pages.length >= 10, `only ${pages.length} pages`));

for (const file of pages) {
  test(`${file} loads with no error and no request off the origin`, async () => {
    const page = await watchedPage(chromium);
    const origin = new URL(server.url).origin;
    const away = [];
    // The context sees the service worker's requests too.
    page.context().on('request', (r) => {
      const url = new URL(r.url());
      if (!['data:', 'blob:'].includes(url.protocol) && url.origin !== origin) away.push(r.url());
    });
    // toc.html has no icon link when opened on its own: the browser's /favicon.ico guess is not ours.
    const ignore = (m) => m.location().url.endsWith('/favicon.ico');
    const ignored = [];
    page.on('console', (m) => { if (ignore(m)) ignored.push(`console: ${m.text()}`); });
    const response = await page.goto(server.url + file, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    // Let the module mount the widgets and the service worker register.
    await page.waitForFunction(() => [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready));
    await page.evaluate(() => navigator.serviceWorker.ready);
    assert.deepEqual(page.problems.filter((p) => !ignored.includes(p)), []);
    assert.deepEqual(away, []);
    await page.context().close();
  });
}
