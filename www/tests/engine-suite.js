// The end-to-end checks that every browser engine must pass, written once and run by
// firefox.test.js and webkit.test.js: every widget of the book runs with the headers,
// the service worker isolates a plain host, the single-threaded fallback without
// service workers, Stop, and a link's settings. What an engine lacks is named in
// `lacks` and checked for what the widget says about it, never skipped silently.

import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, SMALL, widgetPages, assertResultRows } from './harness.js';
import { builtManifest } from './sw-helpers.js';
import { session, pageWatch, offOrigin, waitFor, widgetState, fillSettings, runWidget, click } from './engines.js';

const THREADED = 'lab-parallelism-1'; // sequential against free threads
const allReady = "return document.readyState === 'complete' && [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready);";

/** Waits until the service worker holds its whole offline copy (its first install is over). */
async function offlineCopyDone(driver, timeout = 60_000) {
  const { version, files } = builtManifest();
  const script = `const done = arguments[arguments.length - 1];
    (async () => {
      const name = (await caches.keys()).find((k) => k.endsWith(' ' + arguments[0]));
      return !!name && (await (await caches.open(name)).keys()).length >= arguments[1];
    })().then(done, () => done(false));`;
  for (const deadline = Date.now() + timeout; ;) {
    if (await driver.executeAsyncScript(script, version, files.length)) return;
    if (Date.now() > deadline) throw new Error('the service worker never completed its offline copy');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Registers the engine's tests. `lacks.sharedMemory`: the engine isolates pages but gives
 * them no SharedArrayBuffer (threads cannot run, and the widgets must say so).
 * `bugs.runHang`: why a run is known to hang now and then in this engine while the test
 * watches the browser over WebDriver BiDi: in a test that must watch it so (`{ bidi: true }`),
 * a run that hung (and only that failure) is reported as a todo naming the bug. The other
 * tests watch the page instead, and a hang fails them.
 */
export function engineSuite(engine, lacks = {}, bugs = {}) {
  // Every test of the suite, with the engine's known hang (and nothing else) marked as such.
  const test = (name, fn, { bidi = false } = {}) => nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      // The hang shows as a run that never ends, or, when the pool never starts, as the
      // engine's error after it gave a second compute worker its time to load.
      if (bidi && bugs.runHang && /did not finish: state running|compute worker did not start within/.test(e.message)) t.todo(bugs.runHang);
      throw e;
    }
  });
  let isolatedServer;
  let browser;
  before(async () => {
    isolatedServer = await serve();
    // Watched from the page, not over BiDi: see engines.js.
    browser = await session(engine, { bidi: false });
    // The widget tests below run on a returning reader's browser: a run during the first
    // visit's service worker install has its own test (the last one).
    await browser.driver.get(`${isolatedServer.url}index.html`);
    await offlineCopyDone(browser.driver);
  });
  after(async () => {
    await browser?.close();
    isolatedServer?.close();
  });

  /** Opens `url` and waits for its widgets; returns nothing, throws on a timeout. */
  async function open(s, url) {
    await s.driver.get(url);
    await waitFor(s.driver, allReady, 60_000);
    await pageWatch.install(s.driver);
  }

  /** No error and no request off the origin, as far as the engine lets us see. */
  async function assertClean(s, origin) {
    const seen = await pageWatch.read(s.driver);
    assert.deepEqual([...s.problems, ...seen.problems], [], 'console errors or page errors');
    assert.deepEqual(offOrigin([...s.requests, ...seen.requests], origin), [], 'requests off the origin');
  }

  /** The models a widget will run: its checked boxes, or the directive's list. */
  const expectedModels = (s, id) => s.driver.executeScript(`
    const w = document.getElementById(arguments[0]);
    const boxes = [...w.querySelectorAll('.lab-controls input[name=model]')];
    const checked = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    return JSON.parse(w.dataset.params).models.split(',').filter((m) => !boxes.length || checked.has(m));`, id);

  /** Runs the parallelism widget small and returns its data-result. */
  async function runSmall(s, id = THREADED) {
    await fillSettings(s.driver, id, { n: '300000' });
    const st = await runWidget(s.driver, id);
    assert.equal(st.state, 'done', st.error);
    return JSON.parse(st.result);
  }

  for (const file of widgetPages()) {
    test(`${engine}: every widget on ${file} runs to done with the headers`, async (t) => {
      const origin = new URL(isolatedServer.url).origin;
      await open(browser, isolatedServer.url + file);
      assert.equal(await browser.driver.executeScript('return crossOriginIsolated'), true, 'isolated by the headers');
      // The experiments' widgets; the runnable listings have their own test in Chromium.
      const ids = await browser.driver.executeScript("return [...document.querySelectorAll('.lab-widget:not([data-lab=python])')].map((w) => w.id)");
      for (const id of ids) {
        await fillSettings(browser.driver, id, SMALL);
        const expected = await expectedModels(browser, id);
        const st = await runWidget(browser.driver, id);
        if (lacks.sharedMemory && st.state === 'error') {
          // Only a widget that needs threads and nothing else may refuse, and it must say why.
          assert.match(st.error, /needs threads.*this browser gives pages no SharedArrayBuffer/, `${id}: ${st.error}`);
          t.diagnostic(`${id} refused: ${st.error}`);
          continue;
        }
        assert.equal(st.state, 'done', `${id}: ${st.error}`);
        const result = JSON.parse(st.result);
        assert.equal(result.isolated, true, id);
        assert.equal(result.threaded, !lacks.sharedMemory, `${id}: threaded build`);
        assertResultRows(result, expected, id);
        if (lacks.sharedMemory) assert.match(st.env, /cross-origin isolated, but this browser gives pages no SharedArrayBuffer/, id);
      }
      await assertClean(browser, origin);
    });
  }

  if (lacks.sharedMemory) {
    test(`${engine}: shared memory cannot reach a worker, so the widgets say what is missing`, async () => {
      // What the single-threaded fallback rests on: if this starts to fail, the engine
      // has gained shared memory and the threaded build should be tried on it.
      await open(browser, `${isolatedServer.url}parallelism.html`);
      const probe = await browser.driver.executeAsyncScript(`
        const done = arguments[arguments.length - 1];
        const memory = new WebAssembly.Memory({ shared: true, initial: 1, maximum: 1 });
        const w = new Worker(URL.createObjectURL(new Blob(['onmessage = () => postMessage(1)'], { type: 'text/javascript' })));
        let posted;
        try { w.postMessage(memory); posted = 'posted'; } catch (e) { posted = e.name; }
        w.terminate();
        done({ global: typeof SharedArrayBuffer, posted, isolated: crossOriginIsolated });`);
      assert.deepEqual(probe, { global: 'undefined', posted: 'DataCloneError', isolated: true });
      const st = await widgetState(browser.driver, THREADED);
      assert.match(st.env, /Threads are unavailable on this page: this browser gives pages no SharedArrayBuffer, even though the page is cross-origin isolated/);
      const disabled = await browser.driver.executeScript(
        `return document.querySelector('#${THREADED} input[name=model][value=free-threads]').disabled`);
      assert.equal(disabled, true, 'the threaded model is switched off, not left to fail');
    });
  }

  test(`${engine}: without the headers, the service worker isolates the page after one reload`, async (t) => {
    const server = await serve({ isolation: false });
    // BiDi, where the engine has it: to count the page loads and see the service worker's requests.
    const s = await session(engine);
    t.after(async () => { await s.close(); server.close(); });
    const origin = new URL(server.url).origin;
    await s.driver.get(`${server.url}parallelism.html?lab=none#${THREADED}`);
    await waitFor(s.driver, "return crossOriginIsolated === true && document.readyState === 'complete'", 30_000);
    await waitFor(s.driver, allReady, 30_000);
    await pageWatch.install(s.driver);
    const address = `${server.url}parallelism.html?lab=none#${THREADED}`;
    assert.equal(await s.driver.getCurrentUrl(), address, 'the reload keeps the address');
    if (s.loads) assert.deepEqual(s.loads, [address, address], 'exactly one reload');
    const result = await runSmall(s);
    assert.equal(result.isolated, true);
    if (lacks.sharedMemory) {
      assert.equal(result.threaded, false);
      assert.deepEqual(result.models.map((m) => m.model), ['sequential']);
    } else {
      assert.equal(result.threaded, true);
      const par = result.models.find((m) => m.model === 'free-threads');
      assert.ok(par.threads > 1 && par.lanes_used > 1, `ran on more than one thread: ${JSON.stringify(par)}`);
    }
    // Another page is isolated from its first load.
    await open(s, `${server.url}gil.html`);
    assert.equal(await s.driver.executeScript('return crossOriginIsolated'), true);
    if (s.loads) assert.equal(s.loads.length, 3, 'no reload on the second page');
    await assertClean(s, origin);
  }, { bidi: true });

  test(`${engine}: with service workers off and no headers, widgets say what is missing and run on one thread`, async (t) => {
    const server = await serve({ isolation: false });
    const s = await session(engine, { serviceWorkers: false });
    t.after(async () => { await s.close(); server.close(); });
    await open(s, `${server.url}parallelism.html`);
    await waitFor(s.driver, "return document.documentElement.dataset.labIsolation === 'unavailable'", 10_000);
    assert.equal(await s.driver.executeScript('return crossOriginIsolated'), false);
    const st = await widgetState(s.driver, THREADED);
    assert.match(st.env, /not cross-origin isolated.*Sequential, asyncio and processes still run/s);
    assert.equal(await s.driver.executeScript(
      `return document.querySelector('#${THREADED} input[name=model][value=free-threads]').disabled`), true);
    const result = await runSmall(s);
    assert.equal(result.threaded, false);
    assert.deepEqual(result.models.map((m) => m.model), ['sequential']);
    // A widget that needs threads and nothing else says so instead of running.
    await open(s, `${server.url}why-gil.html`);
    const counter = await s.driver.executeScript("return document.querySelector('.lab-widget[data-lab=counter]').id");
    const cst = await runWidget(s.driver, counter);
    assert.equal(cst.state, 'error');
    assert.match(cst.error, /needs threads.*not cross-origin isolated/);
    await assertClean(s, new URL(server.url).origin);
  });

  test(`${engine}: Stop ends a long run and the next run works`, async () => {
    await open(browser, `${isolatedServer.url}parallelism.html`);
    await fillSettings(browser.driver, THREADED, { n: '100000000' });
    await click(browser.driver, THREADED, 'run');
    await waitFor(browser.driver, `return document.getElementById('${THREADED}').dataset.state === 'running'`, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    await click(browser.driver, THREADED, 'stop');
    await waitFor(browser.driver, `return document.getElementById('${THREADED}').dataset.state !== 'running'`, 30_000);
    const st = await widgetState(browser.driver, THREADED);
    assert.equal(st.state, 'idle', st.error); // no result yet, so idle (never error)
    assert.match(await browser.driver.executeScript(`return document.querySelector('#${THREADED} .lab-status').textContent`), /Stopped/);
    await fillSettings(browser.driver, THREADED, { n: '1000' });
    const again = await runWidget(browser.driver, THREADED);
    assert.equal(again.state, 'done', again.error);
    await assertClean(browser, new URL(isolatedServer.url).origin);
  });

  test(`${engine}: a link with settings is applied`, async () => {
    await open(browser, `${isolatedServer.url}parallelism.html`);
    await browser.driver.get(`${isolatedServer.url}parallelism.html?lab=${THREADED}&tasks=3&n=5000&models=sequential#${THREADED}`);
    await waitFor(browser.driver, `return document.querySelector('#${THREADED} input[name=tasks]').value === '3'`, 30_000);
    const form = await browser.driver.executeScript(`const w = document.getElementById('${THREADED}');
      return [w.querySelector('input[name=n]').value, [...w.querySelectorAll('input[name=model]:checked')].map((b) => b.value)]`);
    assert.deepEqual(form, ['5000', ['sequential']]);
    const st = await runWidget(browser.driver, THREADED);
    assert.equal(st.state, 'done', st.error);
    const result = JSON.parse(st.result);
    assert.deepEqual(result.models.map((m) => m.model), ['sequential']);
    assert.ok(result.models.every((m) => m.threads === 1), 'tasks=3 ran as the link asked, on one thread');
    await pageWatch.install(browser.driver);
    await assertClean(browser, new URL(isolatedServer.url).origin);
  });

  test(`${engine}: a run started on the first visit, while the service worker installs, finishes`,
    async (t) => {
      const server = await serve();
      const s = await session(engine, { bidi: false });
      t.after(async () => { await s.close(); server.close(); });
      await open(s, `${server.url}comparison.html`);
      const id = 'lab-comparison-1';
      await fillSettings(s.driver, id, SMALL);
      // A run takes about a second here; a minute without an end is a hang.
      const st = await runWidget(s.driver, id, 60_000);
      assert.equal(st.state, 'done', st.error);
      await assertClean(s, new URL(server.url).origin);
    });
}
