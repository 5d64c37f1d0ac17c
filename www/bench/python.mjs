// scripts/bench --python's browser side: runs programs on the lab's Python in headless
// Chromium, through the site's own Python worker (lab/python-worker.js, which loads the
// threaded build lab/pkg-py on a cross-origin-isolated page, as a reader's listing does),
// from the standalone page lab/python.html. scripts/bench-python.py drives it one request
// at a time, so that each program runs on every Python close together.
//
//   node www/bench/python.mjs --site DIR --server BIN
//
// JSON lines: the first one out is {ready, browser, isolated}; then, for each line in,
//   {"op": "start"}    a fresh worker (the previous one ended), timed from `new Worker` to
//                      the end of an empty program, less that program's own time:
//                      out {startup_ms}
//   {"op": "run", "file": PATH, "freeThreaded": BOOL}
//                      out {stdout, stderr, exit_code, wall_ms} (wall_ms: from the start of
//                      the program to its exit, measured in wasm)
// and {error} when something went wrong. Progress and Chromium's own messages go to stderr.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { browser as launchBrowser, serve, watchedPage } from '../tests/harness.js';

const { values: opt } = parseArgs({ options: { site: { type: 'string' }, server: { type: 'string' } } });
if (!opt.site || !opt.server) throw new Error('usage: node www/bench/python.mjs --site DIR --server BIN');
const site = path.resolve(opt.site);
for (const need of ['lab/python.html', 'lab/python-worker.js', 'lab/pkg-py/lab_wasm.js', 'lab/pkg-pyc/lab_pyc.js']) {
  if (!fs.existsSync(path.join(site, need))) throw new Error(`no ${need} in ${site}: run scripts/build`);
}

/** @param {object} body */
const answer = (body) => process.stdout.write(`${JSON.stringify(body)}\n`);

const server = await serve({ root: site, server: opt.server });
const chromium = await launchBrowser();
/** @type {any} */
const page = await watchedPage(chromium);

/** Ends everything this driver started. */
async function close() {
  await chromium.close().catch(() => {});
  server.close();
}

try {
  await page.goto(`${server.url}lab/python.html`);
  // In the page: the compiler module (the book compiles its listings ahead of time, so a
  // run never waits for it) and one worker of the site's, as listing.js starts it.
  await page.evaluate(async () => {
    const pyc = await import(new URL('pkg-pyc/lab_pyc.js', location.href).href);
    await pyc.default();
    // listing.js's pool: every Python thread and process needs a worker of its own.
    const threads = Math.max(16, (navigator.hardwareConcurrency || 1) + 8);
    /** @type {Worker | null} */
    let worker = null;
    /** @param {string} source @param {string} filename */
    const compiled = (source, filename) => {
      const r = pyc.compilePython(source, filename);
      if (r.error !== undefined) throw new Error(r.error);
      let raw = '';
      for (const b of r.code) raw += String.fromCharCode(b);
      return btoa(raw);
    };
    /** Runs a program on the worker; resolves with python-worker.js's result. @param {object} msg */
    const send = (msg) => new Promise((resolve, reject) => {
      const w = /** @type {Worker} */ (worker);
      w.onmessage = ({ data }) => {
        if (data.type === 'done') resolve(data.result);
        else if (data.type === 'failed') reject(new Error(data.message));
      };
      w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
      w.postMessage({ ...msg, threaded: true, threads });
    });
    /** @type {any} */ (window).pybench = {
      async start() {
        worker?.terminate();
        const source = 'pass\n';
        const code = compiled(source, 'listing.py');
        const t0 = performance.now();
        worker = new Worker(new URL('python-worker.js', location.href), { type: 'module', name: 'lab-python' });
        /** @type {any} */
        const r = await send({ type: 'run', source, code, options: {} });
        return { startup_ms: performance.now() - t0 - r.wall_ms };
      },
      /** @param {string} source @param {boolean} freeThreaded */
      async run(source, freeThreaded) {
        const code = compiled(source, 'listing.py');
        /** @type {any} */
        const r = await send({ type: 'run', source, code, options: { freeThreaded } });
        return { stdout: r.stdout, stderr: r.stderr, exit_code: r.exit_code, wall_ms: r.wall_ms };
      },
    };
  });
  const how = await page.evaluate(() => ({ isolated: crossOriginIsolated, visible: document.visibilityState }));
  // Without isolation the site would fall back to the single-threaded build: not this bench.
  if (!how.isolated) throw new Error('lab/python.html is not cross-origin isolated');
  if (how.visible !== 'visible') throw new Error(`the page is ${how.visible}: its timers would be throttled`);
  answer({ ready: true, browser: `Chromium ${chromium.version()}`, isolated: how.isolated });

  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    try {
      const req = JSON.parse(line);
      let result;
      if (req.op === 'start') {
        result = await page.evaluate(() => /** @type {any} */ (window).pybench.start());
      } else if (req.op === 'run') {
        const source = fs.readFileSync(req.file, 'utf8');
        result = await page.evaluate(([s, ft]) => /** @type {any} */ (window).pybench.run(s, ft), [source, Boolean(req.freeThreaded)]);
      } else {
        throw new Error(`unknown request ${line}`);
      }
      // A console or page error makes the run's figures suspect.
      if (page.problems.length) throw new Error(page.problems.splice(0).join('\n'));
      answer(result);
    } catch (e) {
      answer({ error: String(e instanceof Error ? e.message : e) });
    }
  }
} catch (e) {
  answer({ error: String(e instanceof Error ? e.stack : e) });
  process.exitCode = 1;
} finally {
  await close();
}
