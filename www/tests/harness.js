// Shared by the end-to-end tests: serves the built site with lab-serve, starts Debian's
// Chromium through playwright-core, and fails a page on any console or page error.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = path.join(ROOT, 'book/build');
const SERVER = path.join(ROOT, 'target/release/lab-serve');

/** A loopback port no one listens on now. */
export async function freePort() {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  return port;
}

/**
 * Starts lab-serve on a free loopback port; `isolation: false` drops COOP/COEP, `base`
 * serves the site under a sub-path (as GitHub Pages does), `root` serves another folder,
 * `server` names another lab-serve binary.
 */
export async function serve({ isolation = true, base = '/', root = SITE, server = SERVER } = {}) {
  const port = await freePort();
  const args = ['--root', root, '--port', String(port), '--base', base];
  if (!isolation) args.push('--no-isolation');
  const proc = spawn(server, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}${base}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, close: () => proc.kill() };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill();
  throw new Error(`lab-serve did not start on ${url}`);
}

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new page that records every console error and page error in `page.problems`;
 * `options` are the browser context's (e.g. `{ serviceWorkers: 'block' }`).
 */
export async function watchedPage(b, options = {}) {
  const context = await b.newContext(options);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  // Workers' errors reach the console too; catch those the page does not see.
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') page.problems.push(`worker console: ${m.text()}`); }));
  context.on('serviceworker', (w) => w.on('console', (m) => { if (m.type() === 'error') page.problems.push(`service worker console: ${m.text()}`); }));
  return page;
}

/**
 * Waits until the widget at `selector` is done or in error. It looks every 100 ms, not at
 * every animation frame (Playwright's default): a check at 60 frames a second keeps the
 * page's main thread and compositor busy, which a reader's idle page does not, and takes
 * a core from the run it waits for (measured in headless Chromium on 2 cores: the
 * single-threaded build's loop ran 1.3x slower).
 */
export async function widgetSettled(page, selector, timeout = 120_000) {
  await page.waitForFunction(
    (sel) => ['done', 'error'].includes(document.querySelector(sel)?.dataset.state),
    selector, { timeout, polling: 100 },
  );
}

/** Clicks Run on a widget and waits until it is done or in error. */
export async function runWidget(page, selector, timeout = 120_000) {
  const widget = page.locator(selector);
  await widget.locator('[data-action=run]').click();
  await widgetSettled(page, selector, timeout);
  return widget;
}

/** Polls `condition` (a plain function) every 100 ms until it holds or `timeout` ms pass. */
export async function until(condition, timeout = 5000) {
  for (const deadline = Date.now() + timeout; !condition() && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The page's workers once their number has stopped changing (Playwright sees a worker
 * end a moment after it was terminated).
 */
export async function settledWorkers(page) {
  let last = -1;
  let same = 0;
  await until(() => {
    const now = page.workers().length;
    same = now === last ? same + 1 : 0;
    last = now;
    return same >= 5;
  });
  return page.workers().length;
}

/** Settings small enough to run every widget of the book quickly on 2 cores. */
export const SMALL = { n: '200000', wait_ms: '30', increments: '20000', tasks: '4' };

/** The built pages that have widgets (print.html repeats them all). */
export const widgetPages = () => fs.readdirSync(SITE)
  .filter((f) => f.endsWith('.html') && f !== 'print.html')
  .filter((f) => fs.readFileSync(path.join(SITE, f), 'utf8').includes('class="lab-widget"'));

/** Fills a widget's inputs that exist with `settings`. */
export async function fillSettings(page, sel, settings) {
  for (const [name, value] of Object.entries(settings)) {
    const input = page.locator(`${sel} input[name=${name}]`);
    if (await input.count()) await input.fill(value);
  }
}

/**
 * Checks a widget's `data-result` rows against the models it was set to run: every model
 * CPU-bound then I/O-bound for the comparison, a point per value for a sweep, a row per
 * model otherwise, and sane figures in each row. Shared by every engine's tests.
 */
export function assertResultRows(result, expected, id) {
  if (result.experiment === 'compare') {
    assert.deepEqual(result.models.map((m) => `${m.workload}:${m.model}`),
      [...expected.map((m) => `cpu:${m}`), ...expected.map((m) => `io:${m}`)], id);
  } else if (['scaling', 'io-sweep'].includes(result.experiment)) {
    assert.ok(result.models.length >= 2, `${id}: a point per swept value`);
  } else if (result.experiment !== 'counter') {
    assert.deepEqual(result.models.map((m) => m.model), expected, `${id}: one result per model`);
  }
  for (const m of result.models) {
    assert.ok(m.wall_ms > 0 && Number.isFinite(m.speedup) && m.threads >= 1, `${id}: ${JSON.stringify(m)}`);
  }
}
