// Measures the listings' editor once, by hand (not part of scripts/test or scripts/bench):
// the size of its bundle (lab/listing/codemirror.js, raw and gzipped), and the time from
// a reader's first Edit to an editor on screen, on the built site in headless Chromium,
// each round in a new browser context (nothing cached), then a second listing's Edit on
// the same page (the bundle already loaded). Build first (scripts/build).
//
//   node www/bench/editor.mjs [--reps N]

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { SITE, browser, serve } from '../tests/harness.js';

const { values: opt } = parseArgs({ options: { reps: { type: 'string', default: '9' } } });
const bundle = fs.readFileSync(path.join(SITE, 'lab/listing/codemirror.js'));
const gzip = zlib.gzipSync(bundle, { level: 9 }).length;
console.log(`bundle: ${(bundle.length / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzipped (gzip -9)`);

/** Clicks Edit on `id` and resolves with the ms until the editor is in the page and painted. */
const timeEdit = (page, id) => page.evaluate((i) => new Promise((resolve) => {
  const root = /** @type {HTMLElement} */ (document.getElementById(i));
  const t0 = performance.now();
  const seen = new MutationObserver(() => {
    if (!root.dataset.editing) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0)));
  });
  seen.observe(root, { attributes: true, attributeFilter: ['data-editing'] });
  /** @type {HTMLElement} */ (root.querySelector('[data-action=edit]')).click();
}), id);

const server = await serve();
const chromium = await browser();
const first = [];
const second = [];
try {
  for (let i = 0; i < Number(opt.reps); i++) {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}synchronisation.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready));
    first.push(await timeEdit(page, 'lab-synchronisation-bank'));
    second.push(await timeEdit(page, 'lab-synchronisation-queue'));
    await context.close();
  }
} finally {
  await chromium.close();
  server.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const show = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, ${xs.length} rounds)`;
console.log(`first Edit to editor ready (cold, local server): ${show(first)}`);
console.log(`another listing's Edit on the same page: ${show(second)}`);
