// Faults: a wasm file that fails to load, a compute worker that cannot start, a panic
// in a run, and many runs in a row. Each time the widget reports, the page stays
// responsive, the next run works, and nothing piles up: no leaked worker, no growing heap.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SITE, serve, browser, runWidget, until } from './harness.js';
import { copySite } from './sw-helpers.js';

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

async function openSmall(p, url = server.url) {
  await p.goto(`${url}parallelism.html`);
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
  // From the start: the page starts its worker as soon as a widget is in view.
  await p.route('**/lab_wasm_bg.wasm', (r) => r.fulfill({ status: 404, body: 'gone' }));
  await openSmall(p);
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

test('a compute worker that never finishes loading is replaced once, and the run goes on', async () => {
  const p = await page();
  // The first worker's script is held for ever (as a pool worker's bindings sometimes are
  // in Firefox): no error, no message. The second is served.
  let held = 0;
  let heldAt = 0;
  await p.route('**/compute-worker.js', (r) => {
    if (held++ > 0) return r.continue();
    heldAt = Date.now();
  });
  await openSmall(p);
  const widget = await runWidget(p, SEL, 90_000);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.equal(held, 2, 'a second worker was started');
  assert.ok(Date.now() - heldAt >= 19_000, 'the first worker was given its time to load');
  assert.ok(await responsive(p) < 1000);
  assert.deepEqual(p.problems, []);
  await p.context().close();
});

test('a compute worker that cannot start is reported, and the next run starts one', async () => {
  const p = await page();
  await p.route('**/compute-worker.js', (r) => r.fulfill({ status: 404, body: 'gone' }));
  await openSmall(p);
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

// The wasm builds with the test-only `fault-injection` feature (scripts/build-fault-wasm):
// a run whose settings have `panic` panics with that text inside the run; one with `trap`
// traps with no panic.
const FAULT_PKGS = path.resolve(SITE, '../../target-wasm/fault-injection');
const PANIC = 'a fault injected by the test';

/** Serves a copy of the built site whose lab/pkg and lab/pkg-st are the fault builds. */
async function serveFaultSite(t, options) {
  for (const pkg of ['pkg', 'pkg-st']) {
    assert.ok(fs.existsSync(path.join(FAULT_PKGS, pkg, 'lab_wasm_bg.wasm')),
      `no ${path.join(FAULT_PKGS, pkg)}: run scripts/build-fault-wasm (scripts/test does)`);
  }
  const site = copySite();
  t.after(site.remove);
  for (const pkg of ['pkg', 'pkg-st']) {
    const to = path.join(site.dir, 'lab', pkg);
    fs.rmSync(to, { recursive: true, force: true });
    fs.cpSync(path.join(FAULT_PKGS, pkg), to, { recursive: true });
  }
  const fault = await serve({ ...options, root: site.dir });
  t.after(fault.close);
  return fault;
}

/** Adds (or with `undefined`, removes) a test-only fault setting (`panic` or `trap`) of the widget. */
const setFault = (p, name, value) => p.evaluate(([sel, key, fault]) => {
  const root = document.querySelector(sel);
  root.dataset.params = JSON.stringify({ ...JSON.parse(root.dataset.params), [key]: fault });
}, [SEL, name, value]);

/**
 * A run that fails is reported with what went wrong; the next run works, on a fresh worker.
 * `fault` is `panic` (the panic's message is shown) or `trap` (a trap with no panic, as
 * running out of memory is: the run still ends with a message).
 */
async function failAndRecover(t, { isolation, fault = 'panic' }) {
  const site = await serveFaultSite(t, { isolation });
  const p = await page();
  await openSmall(p, site.url);
  // Long enough (a few ms) to measure above zero even with a non-isolated page's coarse clock.
  await p.fill(`${SEL} input[name=n]`, '300000');
  assert.equal(await p.evaluate(() => crossOriginIsolated), isolation);
  const widget = await runWidget(p, SEL);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.equal(JSON.parse(await widget.getAttribute('data-result')).threaded, isolation);
  const workersBefore = p.workers().length;
  const computeWorker = () => p.workers().find((w) => w.url().endsWith('/compute-worker.js'));
  const failed = computeWorker();
  assert.ok(failed, 'the compute worker is one of the page\'s workers');

  await setFault(p, fault, PANIC);
  await runWidget(p, SEL, 30_000);
  assert.equal(await widget.getAttribute('data-state'), 'error');
  const shown = await widget.locator('.lab-error').textContent();
  if (fault === 'panic') {
    assert.match(shown, /panicked/);
    assert.ok(shown.includes(PANIC), `the error shows the panic's message: ${shown}`);
  } else {
    assert.match(shown, /a thread of the run stopped \(unreachable\)/);
  }
  assert.ok(await responsive(p) < 1000);

  await setFault(p, fault, undefined);
  await runWidget(p, SEL, 30_000);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.equal(await widget.locator('.lab-error').isHidden(), true, 'the old error is cleared');
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.equal(result.threaded, isolation);
  assert.ok(result.models.length > 0 && result.models.every((m) => m.wall_ms > 0), JSON.stringify(result.models));
  // The worker that failed (and in the threaded build its pool) was replaced, not kept
  // for the next run or beside the new one. Playwright sees a worker end a moment later.
  const settled = () => p.workers().length <= workersBefore && !p.workers().includes(failed);
  await until(settled);
  assert.ok(!p.workers().includes(failed), 'the compute worker that failed has ended');
  assert.ok(computeWorker(), 'a fresh compute worker ran the next run');
  assert.ok(p.workers().length <= workersBefore, `workers ${p.workers().length} after the panic, ${workersBefore} before`);
  assert.ok(await responsive(p) < 1000);
  // A panicking pool thread traps (panic=abort): an uncaught error in its own worker,
  // which Playwright counts as the page's. Nothing else may go wrong.
  assert.deepEqual(p.problems, isolation ? ['page error: unreachable'] : []);
  await p.context().close();
}

test('a panic in a threaded run is reported with its message, and the next run works on a fresh pool', async (t) => {
  await failAndRecover(t, { isolation: true });
});

test('a pool thread that traps without a panic ends the run with a message, and the next run works on a fresh pool', async (t) => {
  await failAndRecover(t, { isolation: true, fault: 'trap' });
});

test('a panic in the single-threaded build is reported with its message, and the next run works', async (t) => {
  await failAndRecover(t, { isolation: false });
});
