// How well each widget's "predicted for this machine" figure holds: runs every widget of
// the book once, in book order, with its chapter's settings, as a reader going through
// the book would, and compares each model's measured wall time with the prediction the
// widget set beside it. Then the ceiling of a prediction of the machine's typical speed:
// one widget run again and again on one page, and a plain CPython loop likewise, each
// against its own median (a machine whose speed swings cannot be predicted closer than it
// repeats itself).
// Run by `scripts/bench --predictions`; a measurement, not a test.
//
//   node www/bench/predictions.mjs --site DIR [--out FILE.json] [--within 0.15]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { browser as launchBrowser, runWidget, serve } from '../tests/harness.js';

const { values: opt } = parseArgs({
  options: {
    site: { type: 'string' },
    out: { type: 'string' },
    within: { type: 'string', default: '0.15' },
  },
});
if (!opt.site) throw new Error('--site is required');
const WITHIN = Number(opt.within);
// How long a reader looks at a widget before pressing Run.
const READ_MS = Number(process.env.READ_MS ?? 2000);
// The machine's own repeatability: one widget run this many times on one page, and the
// same short CPython loop as many times.
const REPEAT = Number(process.env.REPEAT ?? 12);
const REPEAT_PAGE = 'gil.html';
const REPEAT_WIDGET = 'lab-gil-1';

const say = (msg) => process.stderr.write(`\x1b[1m  ->\x1b[0m ${msg}\n`);

/** The chapters in book order, from the built table of contents. */
function chapters(site) {
  const toc = fs.readFileSync(path.join(site, 'toc.html'), 'utf8');
  const seen = new Set();
  const out = [];
  for (const [, href] of toc.matchAll(/href="([a-z0-9-]+\.html)/g)) {
    if (!seen.has(href)) {
      seen.add(href);
      out.push(href);
    }
  }
  return out;
}

/**
 * As a reader does: scrolls to the widget, reads what it asks, presses Run and waits for the
 * run to end. Returns its result, or null after saying why the run failed.
 */
async function readAndRun(page, sel) {
  await page.waitForSelector(`${sel}[data-ready]`);
  await page.locator(sel).scrollIntoViewIfNeeded();
  await page.waitForTimeout(READ_MS);
  await runWidget(page, sel, 600_000);
  if (await page.getAttribute(sel, 'data-state') !== 'done') {
    say(`${page.url()} ${sel}: ${await page.textContent(`${sel} .lab-error`)}`);
    return null;
  }
  return JSON.parse(await page.getAttribute(sel, 'data-result'));
}

/** The share of `xs` within `within` of their own median. */
function nearMedian(xs, within) {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: xs.length, near: xs.filter((x) => Math.abs(x / median - 1) <= within).length, median, min: sorted[0], max: sorted.at(-1) };
}

/**
 * Runs one widget `times` times on one page, as a reader pressing Run again: how often each
 * model's time lands within `WITHIN` of its own median. A prediction of the machine's
 * typical speed cannot do better than the machine repeats itself.
 */
async function repeatability(page, url, times) {
  await page.goto(url);
  const walls = {};
  for (let i = 0; i < times; i++) {
    const result = await readAndRun(page, `#${REPEAT_WIDGET}`);
    if (!result) throw new Error(`${REPEAT_PAGE}#${REPEAT_WIDGET} failed on run ${i + 1} of ${times}`);
    for (const m of result.models) (walls[m.model] ??= []).push(m.wall_ms);
  }
  const models = Object.fromEntries(Object.entries(walls).map(([m, xs]) => [m, nearMedian(xs, WITHIN)]));
  const all = Object.values(models);
  return { page: REPEAT_PAGE, widget: REPEAT_WIDGET, runs: all.reduce((a, m) => a + m.n, 0), within: all.reduce((a, m) => a + m.near, 0), models };
}

/** The same 100 ms-ish CPython loop `times` times, with a reader's pause between: its spread. */
function cpythonRepeatability(times) {
  const code = `
import time
def work():
    t = time.perf_counter(); s = 0
    for i in range(3_000_000): s += i
    return (time.perf_counter() - t) * 1000
xs = []
for _ in range(${times}):
    xs.append(work()); time.sleep(${READ_MS / 1000})
print(' '.join(map(str, xs)))`;
  try {
    const xs = execFileSync('python3', ['-c', code], { encoding: 'utf8' }).trim().split(' ').map(Number);
    return { ms: xs.map((x) => Math.round(x)), ...nearMedian(xs, WITHIN) };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

async function main() {
  const server = await serve({ root: opt.site });
  const browser = await launchBrowser();
  const rows = [];
  const load = [os.loadavg()[0]];
  let floor = null;
  try {
    const page = await (await browser.newContext()).newPage();
    for (const file of chapters(opt.site)) {
      await page.goto(server.url + file);
      const ids = await page.$$eval('.lab-widget', (ws) => ws.map((w) => w.id));
      for (const id of ids) {
        const result = await readAndRun(page, `#${id}`);
        if (!result) continue;
        // Runnable listings print what the program prints: they make no prediction.
        if (!Array.isArray(result.models)) continue;
        for (const m of result.models) {
          if (!Number.isFinite(m.predicted_ms)) continue; // sweeps, the comparison, the counter
          const error = m.wall_ms / m.predicted_ms - 1;
          rows.push({ page: file, widget: id, experiment: result.experiment, model: m.model, threads: m.threads, measured_ms: m.wall_ms, predicted_ms: m.predicted_ms, error, valid: result.valid });
          say(`${file}#${id} ${m.model}: measured ${m.wall_ms.toFixed(0)} ms, predicted ${m.predicted_ms.toFixed(0)} ms (${(error * 100).toFixed(0)}%)`);
        }
      }
      load.push(os.loadavg()[0]);
    }
    say(`the machine's repeatability: ${REPEAT_PAGE}#${REPEAT_WIDGET} run ${REPEAT} times`);
    floor = await repeatability(page, server.url + REPEAT_PAGE, REPEAT);
  } finally {
    await browser.close();
    server.close();
  }
  say(`the same CPython loop ${REPEAT} times`);
  const cpython = cpythonRepeatability(REPEAT);
  const within = rows.filter((r) => Math.abs(r.error) <= WITHIN);
  const summary = {
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
    load_average: { min: Math.min(...load), max: Math.max(...load) },
    model_runs: rows.length,
    within: within.length,
    share_within: rows.length ? within.length / rows.length : 0,
    tolerance: WITHIN,
    // The ceiling: how often the same widget, run again and again, lands within the
    // tolerance of its own median; and the same for a plain CPython loop, outside the browser.
    repeatability: floor,
    cpython_repeatability: cpython,
    worst: [...rows].sort((a, b) => Math.abs(b.error) - Math.abs(a.error)).slice(0, 5),
  };
  if (opt.out) fs.writeFileSync(opt.out, JSON.stringify({ summary, rows }, null, 2));
  console.log(`predictions: ${within.length} of ${rows.length} model runs within ${WITHIN * 100}% of the widget's own prediction (${(summary.share_within * 100).toFixed(0)}%), load ${summary.load_average.min.toFixed(2)}-${summary.load_average.max.toFixed(2)}`);
  if (floor) console.log(`the machine's repeatability: ${floor.within} of ${floor.runs} runs of ${floor.page}#${floor.widget}, repeated ${REPEAT} times, within ${WITHIN * 100}% of their own median (${(floor.within / floor.runs * 100).toFixed(0)}%): the ceiling of a prediction of the machine's typical speed`);
  if (!cpython.error) console.log(`CPython's repeatability: the same loop ${cpython.n} times, ${cpython.near} within ${WITHIN * 100}% of their median ${cpython.median.toFixed(0)} ms (range ${cpython.min.toFixed(0)}-${cpython.max.toFixed(0)} ms)`);
  for (const r of summary.worst) console.log(`  ${r.page}#${r.widget} ${r.model} (${r.threads} lanes): ${(r.error * 100).toFixed(0)}%`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
