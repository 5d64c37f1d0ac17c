// A reproduction of a Firefox hang, to attach to a bug report (not a test: scripts/test
// does not run it). While a WebDriver BiDi session listens for `log.entryAdded` events,
// a worker that calls `new Worker()` now and then never returns from it.
//
// It serves a tiny page from memory on a loopback port: the page starts one worker,
// which starts N plain workers (classic scripts, no wasm, no shared memory), each of
// which posts back once. The page is loaded K times in a Firefox session whose BiDi
// connection listens for the event and K times in a session without BiDi, taking turns,
// each load in a fresh Firefox, all else the same. A load hangs when not all N workers have
// answered within the timeout; for each hung load it prints how many `new Worker()`
// calls returned in the outer worker (one that never returned leaves the count short).
//
//   node www/tests/firefox-nested-workers.mjs [--loads K] [--workers N] [--timeout S]
//                                             [--event log.entryAdded]
//
// Needs geckodriver and Firefox (GECKODRIVER and FIREFOX name them, as in engines.js)
// and selenium-webdriver (www/package.json). Exits with 1 if a load without BiDi hung.

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Builder } from 'selenium-webdriver';

const GECKODRIVER = process.env.GECKODRIVER || `${process.env.HOME}/.cargo/bin/geckodriver`;
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

const { values: flags } = parseArgs({
  options: {
    loads: { type: 'string', default: '8' },
    workers: { type: 'string', default: '8' },
    timeout: { type: 'string', default: '15' },
    event: { type: 'string', default: 'log.entryAdded' },
  },
});
const LOADS = Number(flags.loads);
const WORKERS = Number(flags.workers);
const TIMEOUT_MS = Number(flags.timeout) * 1000;

// The page reports into window.report: how many workers the outer worker has created (a
// `new Worker()` that returned) and how many have answered.
const FILES = {
  '/': ['text/html', `<!doctype html>
<meta charset="utf-8"><title>nested workers</title>
<p id="out">starting</p>
<script>
  window.report = { created: 0, answered: 0, error: null };
  const outer = new Worker('outer.js');
  outer.onmessage = ({ data }) => {
    Object.assign(window.report, data);
    document.getElementById('out').textContent = JSON.stringify(window.report);
  };
  outer.onerror = (e) => { window.report.error = e.message || 'error in outer.js'; };
  outer.postMessage(Number(new URLSearchParams(location.search).get('workers')));
</script>
`],
  '/outer.js': ['text/javascript', `
onmessage = ({ data: n }) => {
  let created = 0;
  let answered = 0;
  for (let i = 0; i < n; i++) {
    const w = new Worker('inner.js');
    created++;
    postMessage({ created });
    w.onmessage = () => { answered++; postMessage({ answered }); };
    w.postMessage(i);
  }
};
`],
  '/inner.js': ['text/javascript', `onmessage = ({ data }) => postMessage(data);
`],
};

/** A loopback port no one listens on now. */
async function freePort() {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (srv.address());
  srv.close();
  return port;
}

async function servePage() {
  const server = http.createServer((req, res) => {
    const file = FILES[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** A headless Firefox through its own geckodriver; `bidi` opens a BiDi session listening for `event`. */
async function firefox(bidi) {
  const port = await freePort();
  const proc = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port), '--websocket-port', String(await freePort())],
    { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let up = false; !up;) {
    if (proc.exitCode !== null) throw new Error(`geckodriver exited (${proc.exitCode})`);
    up = await fetch(`${url}/status`).then((r) => r.ok, () => false);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  const driver = await new Builder().usingServer(url).withCapabilities({
    browserName: 'firefox',
    webSocketUrl: bidi,
    'moz:firefoxOptions': {
      binary: FIREFOX,
      args: ['-headless'],
      prefs: {
        'app.update.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'network.captive-portal-service.enabled': false,
      },
    },
  }).build();
  if (bidi) {
    const session = await driver.getBidi();
    await session.subscribe(flags.event);
  }
  return { driver, close: async () => { await driver.quit().catch(() => {}); proc.kill(); } };
}

/** Loads the page once in a fresh Firefox; returns its report once every worker answered or the time is up. */
async function load(page, bidi) {
  const { driver, close } = await firefox(bidi);
  try {
    const caps = await driver.getCapabilities();
    const browser = `${caps.get('browserName')} ${caps.get('browserVersion')}, geckodriver ${caps.get('moz:geckodriverVersion')}`;
    await driver.get(`${page.url}?workers=${WORKERS}`);
    const start = Date.now();
    const deadline = start + TIMEOUT_MS;
    for (;;) {
      const report = await driver.executeScript('return window.report');
      if (report.answered === WORKERS || report.error || Date.now() > deadline) return { report, browser, ms: Date.now() - start };
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await close();
  }
}

const page = await servePage();
const modes = [
  { bidi: true, how: `with WebDriver BiDi listening for ${flags.event}`, hung: 0 },
  { bidi: false, how: 'without WebDriver BiDi', hung: 0 },
];
try {
  console.log(`${LOADS} loads each way, taking turns; a worker that starts ${WORKERS} workers; ${TIMEOUT_MS / 1000} s for them to answer`);
  for (let i = 1; i <= LOADS; i++) {
    for (const mode of modes) {
      const { report: r, browser, ms } = await load(page, mode.bidi);
      if (i === 1 && mode.bidi) console.log(browser);
      const ok = r.answered === WORKERS && !r.error;
      if (!ok) mode.hung++;
      console.log(`  load ${i} ${mode.how}: ${ok ? `all answered (within ${ms} ms of the load)` : `HUNG: ${r.created} of ${WORKERS} new Worker() calls returned, ${r.answered} answered${r.error ? `, error: ${r.error}` : ''}`}`);
    }
  }
  for (const mode of modes) console.log(`${mode.how}: ${mode.hung} of ${LOADS} loads hung`);
} finally {
  page.close();
}
process.exitCode = modes[1].hung ? 1 : 0;
