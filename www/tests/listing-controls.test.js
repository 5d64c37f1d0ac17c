// A runnable listing's settings, output marks, timeline names and CPython's recording, in
// headless Chromium: the interpreter, switch interval and start method chosen reach the
// program (in the chapter, from a link and in an embedded frame); lines are marked by the
// thread or process that printed them, stderr apart; the timeline names lanes as
// threading does and never calls a sleep I/O; more threads than the pool has end with a
// message naming the limit; a listing with figures shows CPython's recorded output.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { serve, browser, watchedPage, runWidget } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BANK = '#lab-synchronisation-bank';

/** CPython 3.13 from pyenv, the oracle for what a program prints. */
function cpythonStdout(source) {
  const versions = path.join(os.homedir(), '.pyenv/versions');
  const found = fs.readdirSync(versions).filter((v) => v.startsWith('3.13')).sort();
  assert.ok(found.length > 0, `no CPython 3.13 under ${versions}`);
  const out = spawnSync(path.join(versions, found.at(-1), 'bin/python3'), ['-'], { input: source, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** A chapter with its widgets mounted. */
async function open(file, options = {}) {
  const page = await watchedPage(chromium, options);
  await page.goto(server.url + file);
  await page.waitForFunction(() => [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready));
  return page;
}

const setSource = (page, sel, src) => page.evaluate(([s, code]) => { document.querySelector(s).dataset.source = code; }, [sel, src]);
const result = (page, sel) => page.evaluate((s) => JSON.parse(document.querySelector(s).dataset.result), sel);

const SETTINGS = [
  'import multiprocessing, sys',
  "if __name__ == '__main__':",
  '    print(sys._is_gil_enabled(), sys.getswitchinterval(), multiprocessing.get_start_method())',
  '',
].join('\n');

test('the settings a reader chooses reach the program, its result and its status', async () => {
  const page = await open('synchronisation.html');
  await setSource(page, BANK, SETTINGS);
  // Closed by default; every select has its label.
  assert.equal(await page.locator(`${BANK} .lab-settings`).getAttribute('open'), null);
  await runWidget(page, BANK);
  let r = await result(page, BANK);
  assert.equal(r.stdout, 'True 0.005 spawn\n', r.stderr);
  assert.deepEqual(r.settings, { gil: true, switch_interval_ms: 5, start_method: 'spawn' });
  assert.equal(r.summary.gil, true);

  await page.locator(`${BANK} .lab-settings summary`).click();
  await page.locator(BANK).getByLabel('interpreter').selectOption('off');
  await page.locator(`${BANK} select[name=switch]`).selectOption('1');
  await page.locator(`${BANK} select[name=start]`).selectOption('fork');
  await runWidget(page, BANK);
  r = await result(page, BANK);
  assert.equal(r.stdout, 'False 0.001 fork\n', r.stderr);
  assert.deepEqual(r.settings, { gil: false, switch_interval_ms: 1, start_method: 'fork' });
  assert.equal(r.summary.gil, false);
  assert.match(await page.locator(`${BANK} .lab-status`).textContent(), /free-threaded, switch interval 1 ms, processes by fork/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a link and the Embed code carry the settings, and the embedded listing runs with them', async () => {
  const page = await open(`synchronisation.html?lab=lab-synchronisation-bank&gil=off&switch=20&start=forkserver`,
    { permissions: ['clipboard-read', 'clipboard-write'] });
  assert.equal(await page.locator(`${BANK} .lab-settings`).getAttribute('open'), '');
  assert.equal(await page.inputValue(`${BANK} select[name=gil]`), 'off');
  assert.equal(await page.inputValue(`${BANK} select[name=switch]`), '20');
  assert.equal(await page.inputValue(`${BANK} select[name=start]`), 'forkserver');
  // Another listing of the page keeps its defaults.
  assert.equal(await page.inputValue('#lab-synchronisation-queue select[name=gil]'), 'on');
  await page.click(`${BANK} [data-action=embed]`);
  await page.waitForFunction((s) => /copied/.test(document.querySelector(`${s} .lab-status`).textContent), BANK);
  const code = await page.evaluate(() => navigator.clipboard.readText());
  const src = new URL(code.match(/<iframe src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.deepEqual(Object.fromEntries(src.searchParams), {
    page: 'synchronisation.html', lab: 'lab-synchronisation-bank', gil: 'off', switch: '20', start: 'forkserver',
  });
  await page.context().close();

  // The embed page, served with the headers: it runs threaded, with the address's settings.
  const frame = await watchedPage(chromium);
  await frame.goto(server.url + src.pathname.slice(1) + src.search);
  await frame.waitForSelector(`${BANK}[data-embed-ready]`, { timeout: 30_000 });
  await setSource(frame, BANK, SETTINGS);
  await runWidget(frame, BANK);
  const r = await result(frame, BANK);
  assert.equal(r.stdout, 'False 0.02 forkserver\n', r.stderr);
  assert.deepEqual(frame.problems, []);
  await frame.context().close();
});

const MARKED = [
  'import multiprocessing, sys, threading',
  'def work(n):',
  "    print('work', n)",
  'def child():',
  "    print('from the child')",
  "if __name__ == '__main__':",
  "    print('main starts')",
  '    for n in range(2):',
  '        t = threading.Thread(target=work, args=(n,))',
  '        t.start()',
  '        t.join()',
  "    p = multiprocessing.Process(target=child, name='helper')",
  '    p.start()',
  '    p.join()',
  "    print('a warning', file=sys.stderr)",
  "    print('main ends')",
  '',
].join('\n');

test('each line is marked by the thread or process that printed it, stderr set apart', async () => {
  const page = await open('synchronisation.html');
  await setSource(page, BANK, MARKED);
  await runWidget(page, BANK);
  const r = await result(page, BANK);
  // The result keeps the streams as printed, as CPython prints them.
  assert.equal(r.stdout, cpythonStdout(MARKED), r.stderr);
  assert.equal(r.stderr, 'a warning\n');
  const rows = await page.locator(`${BANK} .lab-output .lab-line`).evaluateAll((ls) => ls.map((l) => ({
    who: l.querySelector('.lab-who').textContent.split('│')[0].trim(),
    text: l.textContent.split('│ ')[1].trimEnd(),
    stderr: l.querySelector('.lab-stderr') !== null,
  })));
  assert.deepEqual(rows, [
    { who: 'MainThread', text: 'main starts', stderr: false },
    { who: 'Thread-1 (work)', text: 'work 0', stderr: false },
    { who: 'Thread-2 (work)', text: 'work 1', stderr: false },
    { who: 'helper', text: 'from the child', stderr: false },
    { who: 'MainThread', text: 'a warning', stderr: true },
    { who: 'MainThread', text: 'main ends', stderr: false },
  ]);
  // Standard error does not look like standard output.
  const colour = (s) => page.locator(s).first().evaluate((el) => getComputedStyle(el).color);
  assert.notEqual(await colour(`${BANK} .lab-line .lab-stderr`), await colour(`${BANK} .lab-line`));

  // One thread: nothing to tell apart, no marks; its traceback still set apart.
  await setSource(page, BANK, "print('only me')\nraise SystemExit('bye')\n");
  await runWidget(page, BANK);
  assert.equal(await page.locator(`${BANK} .lab-who`).count(), 0);
  assert.equal(await page.locator(`${BANK} .lab-output`).textContent(), 'only me\nbye\n');
  assert.equal(await page.locator(`${BANK} .lab-output .lab-stderr`).textContent(), 'bye\n');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('lines stream marked by their writer while the program runs', async () => {
  const page = await open('synchronisation.html');
  const src = [
    'import threading, time',
    "t = threading.Thread(target=print, args=('from a thread',), name='talker')",
    't.start()',
    't.join()',
    "print('from main', flush=True)",
    'while True:',
    '    time.sleep(0.01)',
    '',
  ].join('\n');
  await setSource(page, BANK, src);
  await page.locator(`${BANK} [data-action=run]`).click();
  await page.waitForFunction((s) => document.querySelectorAll(`${s} .lab-output .lab-who`).length === 2, BANK, { timeout: 120_000 });
  assert.equal(await page.getAttribute(BANK, 'data-state'), 'running');
  const marks = await page.locator(`${BANK} .lab-output .lab-who`).allTextContents();
  assert.deepEqual(marks.map((m) => m.split('│')[0].trim()), ['talker', 'MainThread']);
  await page.locator(`${BANK} [data-action=stop]`).click();
  await page.waitForFunction((s) => document.querySelector(s).dataset.state !== 'running', BANK, { timeout: 60_000 });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the timeline names lanes as threading does and draws blocked time as blocked, not I/O", async () => {
  const page = await open('synchronisation.html');
  const src = [
    'import threading, time',
    'def nap():',
    '    time.sleep(0.05)',
    "t = threading.Thread(target=nap)",
    't.start()',
    't.join()',
    '',
  ].join('\n');
  await setSource(page, BANK, src);
  await runWidget(page, BANK);
  const svg = page.locator(`${BANK} .lab-summary svg`);
  const labels = await svg.locator('text.lab-label').allTextContents();
  assert.deepEqual(labels, ['MainThread', 'Thread-1 (nap)']);
  const table = await page.locator(`${BANK} .lab-summary tbody th`).allTextContents();
  assert.deepEqual(table, labels);
  assert.ok(await svg.locator('rect.lab-state-blocked').count() > 0);
  assert.equal(await svg.locator('rect.lab-state-waiting-io').count(), 0);
  const text = await svg.textContent();
  assert.ok(!/I\/O/.test(text), text);
  assert.ok(!/thread 0/.test(text), text);
  assert.match(text, /blocked \(sleep, lock, queue, join/);
  await page.context().close();
});

test('more threads alive at once than the pool has end with a message naming the limit; twelve in turn run', async () => {
  const page = await open('synchronisation.html');
  // The pool listing.js starts (POOL_THREADS): 16, or the cores plus 8 where that is more.
  const pool = await page.evaluate(() => Math.max(16, (navigator.hardwareConcurrency || 1) + 8));
  const alive = [
    'import threading',
    'go = threading.Event()',
    `for n in range(${pool + 4}):`,
    '    threading.Thread(target=go.wait, daemon=True).start()',
    "print('all started')",
    '',
  ].join('\n');
  await setSource(page, BANK, alive);
  await runWidget(page, BANK);
  const r = await result(page, BANK);
  assert.equal(r.exit_code, 1);
  assert.match(r.stderr.trimEnd().split('\n').at(-1),
    new RegExp(`^RuntimeError: can't start new thread: the lab runs at most ${pool} Python threads and processes at a time in this browser`));
  assert.match(await page.locator(`${BANK} .lab-output`).textContent(), new RegExp(`at most ${pool} Python threads`));
  // One after another, twelve threads need one pool thread at a time.
  const inTurn = 'import threading\nfor n in range(12):\n    t = threading.Thread(target=print, args=(n,))\n    t.start()\n    t.join()\n';
  await setSource(page, BANK, inTurn);
  await runWidget(page, BANK);
  const ok = await result(page, BANK);
  assert.equal(ok.stdout, cpythonStdout(inTurn), ok.stderr);
  assert.equal(ok.summary.lanes.length, 13);
  await page.context().close();
});

test("a listing with figures shows CPython's recording beside the lab's output; one without does not", async () => {
  const records = JSON.parse(fs.readFileSync(path.join(ROOT, 'book/cpython-output.json'), 'utf8')).listings;
  const page = await open('synchronisation.html');
  await runWidget(page, BANK);
  const rec = records['lab-synchronisation-bank'];
  const fig = page.locator(`${BANK} .lab-compare-cpython`);
  assert.equal(await fig.count(), 1);
  const caption = await fig.locator('figcaption').textContent();
  assert.equal(caption, `Under CPython ${rec.python} on the book's machine (${rec.cpu}, ${rec.cores} cores): a recording from ${rec.date}`);
  assert.equal(await fig.locator('pre').textContent(), rec.stdout);
  assert.equal(await page.locator(`${BANK} .lab-compare-lab figcaption`).textContent(), "This run: the lab's Python in your browser");
  // Run again: still one recording.
  await runWidget(page, BANK);
  assert.equal(await fig.count(), 1);
  // A program changed from the book's is not what CPython ran: no recording beside it.
  await setSource(page, BANK, "print('withdrawals that succeeded:', 1)\n");
  await runWidget(page, BANK);
  assert.equal(await fig.count(), 0);
  await page.context().close();

  const asyncio = await open('asyncio-practice.html');
  await runWidget(asyncio, '#lab-asyncio-practice-cancel');
  assert.ok(!/\d/.test(records['lab-asyncio-practice-cancel'].stdout));
  assert.equal(await asyncio.locator('#lab-asyncio-practice-cancel .lab-compare-cpython').count(), 0);
  await asyncio.context().close();
});

test('the settings are keyboard usable, 44 px targets on a phone, and axe finds nothing in light and dark', async () => {
  const page = await open('synchronisation.html', { viewport: { width: 390, height: 844 } });
  const summary = page.locator(`${BANK} .lab-settings summary`);
  await summary.focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator(`${BANK} .lab-settings`).getAttribute('open'), '');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'gil');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue(`${BANK} select[name=gil]`), 'off');
  for (const sel of [`${BANK} .lab-settings summary`, `${BANK} select[name=gil]`, `${BANK} select[name=switch]`, `${BANK} select[name=start]`]) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box && box.height >= 44, `${sel}: ${box?.height} px`);
  }
  await page.context().close();
  // Open, run with marked output, stderr and CPython's recording, in a light and a dark theme.
  for (const theme of ['light', 'coal']) {
    for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
      const themed = await watchedPage(chromium, { viewport });
      // mdBook reads the theme from localStorage before drawing anything.
      await themed.context().addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
      await themed.goto(server.url + 'synchronisation.html');
      await themed.waitForSelector(`${BANK}[data-ready]`);
      await themed.locator(`${BANK} .lab-settings summary`).click();
      await runWidget(themed, BANK);
      await setSource(themed, BANK, MARKED);
      await runWidget(themed, BANK);
      const { violations } = await new AxeBuilder({ page: themed }).include(BANK)
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
      assert.deepEqual(violations.map((v) => `${theme} ${viewport.width}: ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
      await themed.context().close();
    }
  }
});
