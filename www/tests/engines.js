// Drives Firefox ESR (geckodriver) and WebKitGTK (WebKitWebDriver, MiniBrowser on a
// virtual display) over WebDriver from Node, for the engine tests. Each driver server
// is started here on a free loopback port and Selenium only connects to it, so Selenium
// never looks for, or downloads, a driver or a browser of its own.
//
// What can be watched: Firefox speaks WebDriver BiDi, so every request the browser
// makes (pages, workers and the service worker alike) and every console error and
// uncaught exception of a page is recorded from the start, and page loads are counted.
// But while a BiDi session listens for those events, Firefox ESR 153 sometimes blocks a
// worker for ever in `new Worker()` (a worker that starts workers, as the compute worker
// starts its pool and its processes: see FIREFOX_NESTED_WORKER_HANG below), so sessions
// that run widgets pass `bidi: false` and are watched from the page, as in WebKit.
// WebKitWebDriver 2.50 offers no BiDi session: there, requests are read from the page's
// own Resource Timing entries (the page's requests only, not its workers' nor the
// service worker's), errors from listeners installed after the page loaded plus the
// widget's own error box, and page loads cannot be counted (its Navigation Timing calls
// the service worker's isolating reload a 'navigate').

import { spawn } from 'node:child_process';
import { Builder, By } from 'selenium-webdriver';
import { freePort } from './harness.js';

export const GECKODRIVER = process.env.GECKODRIVER || `${process.env.HOME}/.cargo/bin/geckodriver`;
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Waits until a WebDriver server answers its status endpoint. */
async function driverUp(url, proc) {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`the WebDriver server exited (${proc.exitCode})`);
    try {
      if ((await fetch(`${url}/status`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no WebDriver server on ${url}`);
}

/** Starts Xvfb on a display it picks itself; resolves with the display and a stop function. */
async function xvfb() {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  let text = '';
  for await (const chunk of proc.stdio[3]) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  const n = text.trim();
  if (!/^\d+$/.test(n)) { proc.kill(); throw new Error('Xvfb did not report a display'); }
  return { display: `:${n}`, stop: () => proc.kill() };
}

/**
 * What Firefox ESR 153 does while a WebDriver BiDi session listens for `log.entryAdded`
 * or `network.beforeRequestSent`: now and then a worker that calls `new Worker()` never
 * returns from it and handles no event again (the more workers it starts, the likelier:
 * in a test page, none of 6 loads that start 2 workers hung, 2 to 4 of 6 or 8 loads that
 * start 8). Not seen with a BiDi session that listens for no event, nor without BiDi (the
 * widget pages: 42 runs, no hang; with BiDi, 2 of 27 hung).
 */
export const FIREFOX_NESTED_WORKER_HANG =
  'Firefox ESR 153: a worker can block for ever in new Worker() while WebDriver BiDi listens for log or network events';

/**
 * A browser session for `engine` ('firefox' or 'webkit'). `serviceWorkers: false` turns
 * service workers off (Firefox: a profile pref; WebKit: MiniBrowser's feature switch).
 * `bidi: false` (Firefox) watches the page as in WebKit instead of over WebDriver BiDi
 * (see the top of this file).
 * Returns `{ driver, engine, problems, requests, loads, close }`: `problems` collects
 * console errors and uncaught exceptions, `requests` the URLs of what the browser fetched
 * (both as far as the engine lets them be observed, see the top of this file), `loads`
 * the URL of every page load (null where that cannot be observed: WebKit, Firefox
 * without BiDi).
 */
export async function session(engine, { serviceWorkers = true, bidi = true } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stops = [];
  const problems = [];
  const requests = [];
  const watched = engine === 'firefox' && bidi;
  const loads = watched ? [] : null;
  try {
    let caps;
    if (engine === 'firefox') {
      // A BiDi port of its own: two sessions at once would both ask for the default one.
      const bidiPort = await freePort();
      const proc = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', String(port), '--websocket-port', String(bidiPort)],
        { stdio: 'ignore' });
      stops.push(() => proc.kill());
      await driverUp(url, proc);
      caps = {
        browserName: 'firefox',
        webSocketUrl: watched, // WebDriver BiDi, to watch requests and errors
        'moz:firefoxOptions': {
          binary: FIREFOX,
          args: ['-headless'],
          prefs: {
            'dom.serviceWorkers.enabled': serviceWorkers,
            // Nothing the tests did not ask for: no update checks, no telemetry.
            'app.update.enabled': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'network.captive-portal-service.enabled': false,
          },
        },
      };
    } else if (engine === 'webkit') {
      const x = await xvfb();
      stops.push(x.stop);
      const proc = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'],
        { stdio: 'ignore', env: { ...process.env, DISPLAY: x.display } });
      stops.push(() => proc.kill());
      await driverUp(url, proc);
      caps = {
        browserName: 'MiniBrowser',
        // MiniBrowser turns WebKit features on and off by name: -ServiceWorkers is the switch.
        'webkitgtk:browserOptions': {
          binary: MINIBROWSER,
          args: ['--automation', ...(serviceWorkers ? [] : ['--features=-ServiceWorkers'])],
        },
      };
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
    const driver = await new Builder().usingServer(url).withCapabilities(caps).build();
    stops.unshift(() => driver.quit().catch(() => {}));
    if (watched) await watchBidi(driver, problems, requests, loads);
    return {
      driver, engine, problems, requests, loads,
      close: async () => { for (const stop of stops) await stop(); },
    };
  } catch (e) {
    for (const stop of stops) await stop();
    throw e;
  }
}

/** Records requests, page loads, console errors and uncaught exceptions through WebDriver BiDi. */
async function watchBidi(driver, problems, requests, loads) {
  const bidi = await driver.getBidi();
  await bidi.subscribe('network.beforeRequestSent');
  await bidi.subscribe('log.entryAdded');
  const ws = await bidi.socket;
  ws.on('message', (raw) => {
    let msg;
    try { msg = JSON.parse(raw.toString()); } catch { return; }
    if (msg.method === 'network.beforeRequestSent') {
      requests.push(msg.params.request.url);
      // A document's request, not its load event: a reload early in the first load cuts that load's event off.
      if (msg.params.navigation && msg.params.request.destination === 'document') loads.push(msg.params.request.url);
    }
    if (msg.method === 'log.entryAdded' && (msg.params.type === 'javascript' || msg.params.level === 'error')) {
      // A font download the page's own isolating reload cut off (NS_BINDING_ABORTED,
      // 0x804B0002) is the reload working, not an error of the page; Firefox logs it as one.
      if (/downloadable font: download failed .*status=2152398850/.test(msg.params.text)) return;
      problems.push(`${msg.params.type}: ${msg.params.text}`);
    }
  });
}

/**
 * What the page itself can tell about requests and errors (for engines without BiDi):
 * installs error listeners and a console.error hook; call `pageWatch.read` later.
 */
export const pageWatch = {
  install: (driver) => driver.executeScript(`
    if (!window.__labProblems) {
      window.__labProblems = [];
      addEventListener('error', (e) => window.__labProblems.push('page error: ' + e.message));
      addEventListener('unhandledrejection', (e) => window.__labProblems.push('unhandled rejection: ' + e.reason));
      const error = console.error.bind(console);
      console.error = (...a) => { window.__labProblems.push('console: ' + a.join(' ')); error(...a); };
    }`),
  read: (driver) => driver.executeScript(`return {
    problems: window.__labProblems || [],
    requests: performance.getEntriesByType('resource').map((e) => e.name).concat(location.href),
  }`),
};

/** The URLs in `requests` that leave `origin` (data: and blob: URLs stay in the page). */
export const offOrigin = (requests, origin) => requests.filter((r) => {
  const u = new URL(r);
  return !['data:', 'blob:', 'about:'].includes(u.protocol) && u.origin !== origin;
});

/** Waits until `fn` (a script returning a value) returns something truthy. */
export async function waitFor(driver, script, timeout = 120_000, args = []) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await driver.executeScript(script, ...args);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${script}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A widget's dataset, error text and environment line. */
export const widgetState = (driver, id) => driver.executeScript(`
  const w = document.getElementById(arguments[0]);
  return { ...w.dataset, error: w.querySelector('.lab-error')?.textContent || '', env: w.querySelector('.lab-env')?.textContent || '' };`, id);

/** Sets the inputs of widget `id` that exist to `settings` (as a reader typing would). */
export async function fillSettings(driver, id, settings) {
  for (const [name, value] of Object.entries(settings)) {
    const inputs = await driver.findElements(By.css(`#${id} input[name=${name}]`));
    for (const input of inputs) {
      await input.clear();
      await input.sendKeys(value);
    }
  }
}

/** Clicks a widget's button (`run` or `stop`). */
export async function click(driver, id, action) {
  const button = await driver.findElement(By.css(`#${id} [data-action=${action}]`));
  // Scrolled into view first: WebDriver refuses clicks on what is out of view.
  await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', button);
  await button.click();
}

/** Runs widget `id` and waits until it is done or in error; returns its state. */
export async function runWidget(driver, id, timeout = 60_000) {
  // A widget that ran before is already done: wait for a new result, not the old one.
  const before = (await widgetState(driver, id)).result ?? null;
  await click(driver, id, 'run');
  try {
    await waitFor(driver, `const w = document.getElementById(arguments[0]);
      return w.dataset.state === 'error' || (w.dataset.state === 'done' && (w.dataset.result ?? null) !== arguments[1]);`,
    timeout, [id, before]);
  } catch (e) {
    const status = await driver.executeScript(`return document.querySelector('#${id} .lab-status').textContent`);
    throw new Error(`${id} did not finish: state ${(await widgetState(driver, id)).state}, status "${status}"`, { cause: e });
  }
  return widgetState(driver, id);
}
