// Faults: a wasm file that fails to load, a compute worker that cannot start, and many
// runs in a row. Each time the widget reports, the page stays responsive, the next run
// works, and nothing piles up: no leaked worker, no growing heap.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, browser, runWidget } from './harness.js';

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/**
 * A page whose requests the test can fail on purpose. The service worker is blocked:
 * requests it answered would not reach the test's routes (the server's headers keep the
 * page isolated without it).
 */
async function page() {
  const context = await chromium.newContext({ serviceWorkers: 'block' });
  const p = await context.newPage();
  p.problems = [];
  p.on('pageerror', (e) => p.problems.push(`page error: ${e.message}`));
  return p;
}

const SEL = '.lab-widget[data-lab=parallel-cpu]';

async function openSmall(p) {
  await p.goto(`${server.url}parallelism.html`);
  await p.waitForSelector(`${SEL}[data-ready]`);
  await p.fill(`${SEL} input[name=n]`, '2000');
  await p.fill(`${SEL} input[name=tasks]`, '2');
}

/** The main thread answers at once: nothing blocks it while a widget fails or runs. */
async function responsive(p) {
  const t = Date.now();
  assert.equal(await p.evaluate(() => 1 + 1), 2);
  return Date.now() - t;
}

test('a wasm file that fails to load is reported, and the next run loads it', async () => {
  const p = await page();
  await openSmall(p);
  await p.route('**/lab_wasm_bg.wasm', (r) => r.fulfill({ status: 404, body: 'gone' }));
  const widget = await runWidget(p, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'error');
  assert.match(await widget.locator('.lab-error').textContent(), /could not load the wasm module/);
  assert.ok(await responsive(p) < 1000);
  await p.unroute('**/lab_wasm_bg.wasm');
  await runWidget(p, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  assert.equal(await widget.locator('.lab-error').isHidden(), true, 'the old error is cleared');
  assert.deepEqual(p.problems, []);
  await p.context().close();
});

test('a compute worker that cannot start is reported, and the next run starts one', async () => {
  const p = await page();
  await openSmall(p);
  await p.route('**/compute-worker.js', (r) => r.fulfill({ status: 404, body: 'gone' }));
  const widget = await runWidget(p, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'error');
  assert.match(await widget.locator('.lab-error').textContent(), /compute worker failed/);
  await p.unroute('**/compute-worker.js');
  await runWidget(p, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'done');
  assert.deepEqual(p.problems, []);
  await p.context().close();
});

test('fifty runs in a row, processes included, leak no worker and no memory', async () => {
  const p = await page();
  await p.goto(`${server.url}overcoming-gil.html`);
  const sel = '#lab-overcoming-gil-1';
  await p.waitForSelector(`${sel}[data-ready]`);
  await p.fill(`${sel} input[name=n]`, '2000');
  await p.fill(`${sel} input[name=tasks]`, '2');
  await p.fill(`${sel} input[name=threads]`, '2');
  const cdp = await p.context().newCDPSession(p);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const workers = () => p.workers().length;
  let atTen = 0;
  let workersAtTen = 0;
  for (let i = 1; i <= 50; i++) {
    const widget = await runWidget(p, sel);
    assert.equal(await widget.getAttribute('data-state'), 'done', `run ${i}: ${await widget.locator('.lab-error').textContent()}`);
    if (i === 10) {
      atTen = await heap();
      workersAtTen = workers();
    }
  }
  // Process workers end with their run; only the compute worker and its pool remain.
  await p.waitForFunction(() => true);
  assert.ok(workers() <= workersAtTen, `workers ${workers()} after 50 runs, ${workersAtTen} after 10`);
  const atFifty = await heap();
  assert.ok(atFifty < atTen * 1.5 + 2e6, `main-thread heap ${atFifty} after 50 runs, ${atTen} after 10`);
  assert.ok(await responsive(p) < 1000);
  assert.deepEqual(p.problems, []);
  await p.context().close();
});
