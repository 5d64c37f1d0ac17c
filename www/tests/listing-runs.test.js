// Fifty runs of one listing in a row on one page, as a reader pressing Run again and
// again: no run leaves a worker behind (the Python worker and its pool threads are the
// same number after the fiftieth run as after the first), every run that was not stopped
// prints the same, and a few Stops mixed in change neither. Two kinds of Stop: once the
// program has printed its first line (it is stopped while its threads wait for locks),
// and at once after Run (while its threads start).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, watchedPage, settledWorkers } from './harness.js';

const PAGE = 'synchronisation.html';
// Two threads that each hold a lock and wait 0.3 s for the other's: it prints a first
// line, then waits, so a Stop after that line always comes while it runs.
const ID = 'lab-synchronisation-deadlock-timeout';
const SEL = `#${ID}`;
const RUNS = 50;
/** The runs stopped once they printed, and those stopped at once after Run. */
const STOP_AFTER_FIRST_LINE = new Set([7, 19, 31, 43]);
const STOP_AT_ONCE = new Set([13, 37]);

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/**
 * Presses Run (a real click) and waits until the listing is done or in error; `stop`
 * ('first-line' or 'at-once') presses Stop from the page itself at that moment, so the
 * Stop cannot come after the run ended. Returns the run's result.
 * @param {import('playwright-core').Page} page @param {string | null} stop
 */
async function run(page, stop) {
  await page.evaluate(({ sel, stop }) => {
    const root = /** @type {HTMLElement} */ (document.querySelector(sel));
    const stopButton = /** @type {HTMLButtonElement} */ (root.querySelector('[data-action=stop]'));
    if (stop === 'at-once') {
      root.querySelector('[data-action=run]')?.addEventListener('click', () => setTimeout(() => stopButton.click()), { once: true });
    } else if (stop === 'first-line') {
      const out = /** @type {HTMLElement} */ (root.querySelector('.lab-output'));
      const seen = new MutationObserver(() => {
        if (root.dataset.state === 'running' && out.textContent?.includes('\n')) {
          seen.disconnect();
          stopButton.click();
        }
      });
      seen.observe(out, { childList: true, subtree: true, characterData: true });
    }
  }, { sel: SEL, stop });
  await page.click(`${SEL} [data-action=run]`);
  await page.waitForFunction((s) => ['done', 'error'].includes(document.querySelector(s).dataset.state), SEL, { timeout: 120_000 });
  return page.evaluate((s) => {
    const root = /** @type {HTMLElement} */ (document.querySelector(s));
    return { state: root.dataset.state, error: root.querySelector('.lab-error')?.textContent, ...JSON.parse(root.dataset.result ?? '{}') };
  }, SEL);
}

test(`${RUNS} runs of a listing on one page, a few stopped, leave no worker behind and print the same`, async (t) => {
  const page = await watchedPage(chromium);
  await page.goto(server.url + PAGE);
  await page.waitForSelector(`${SEL}[data-ready]`);
  const first = await run(page, null);
  assert.equal(first.state, 'done', first.error);
  assert.equal(first.exit_code, 0, first.stderr);
  assert.match(first.stdout, /^opposite orders:\n/);
  const workers = await settledWorkers(page);
  t.diagnostic(`after the first run: ${workers} workers`);
  assert.ok(workers > 1, `the Python worker and its pool: ${workers} workers`);

  const differed = [];
  const notStopped = [];
  let last = first;
  for (let i = 2; i <= RUNS; i++) {
    const stop = STOP_AFTER_FIRST_LINE.has(i) ? 'first-line' : STOP_AT_ONCE.has(i) ? 'at-once' : null;
    const r = await run(page, stop);
    assert.equal(r.state, 'done', `run ${i}: ${r.error}`);
    if (stop) {
      if (!r.stopped) notStopped.push(i);
      // What it printed before the Stop, and nothing else.
      if (!first.stdout.startsWith(r.stdout)) differed.push(`run ${i} (stopped): ${JSON.stringify(r.stdout)}`);
    } else if (r.stdout !== first.stdout || r.exit_code !== 0) {
      differed.push(`run ${i}: exit code ${r.exit_code}, ${JSON.stringify(r.stdout)}${r.stderr}`);
    }
    last = r;
  }
  assert.deepEqual(notStopped, [], 'runs that a Stop did not stop');
  assert.deepEqual(differed, []);
  // The fiftieth ran to its end: the page still runs listings.
  assert.equal(last.stopped, false);
  assert.equal(last.stdout, first.stdout);
  const after = await settledWorkers(page);
  t.diagnostic(`after run ${RUNS}: ${after} workers`);
  assert.equal(after, workers, `workers after the first run: ${workers}; after the last: ${after}`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
