// How well each widget's "predicted for this machine" figure holds: runs every widget of
// the book once, in book order, with its chapter's settings, as a reader going through
// the book would, and compares each model's measured wall time with the prediction the
// widget set beside it. Run by `scripts/bench --predictions`; a measurement, not a test.
//
//   node www/bench/predictions.mjs --site DIR [--out FILE.json] [--within 0.15]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { browser as launchBrowser, serve, widgetSettled } from '../tests/harness.js';

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

async function main() {
  const server = await serve({ root: opt.site });
  const browser = await launchBrowser();
  const rows = [];
  const load = [os.loadavg()[0]];
  try {
    const page = await (await browser.newContext()).newPage();
    for (const file of chapters(opt.site)) {
      await page.goto(server.url + file);
      const ids = await page.$$eval('.lab-widget', (ws) => ws.map((w) => w.id));
      for (const id of ids) {
        const sel = `#${id}`;
        await page.waitForSelector(`${sel}[data-ready]`);
        // As a reader does: scroll to the widget, read what it asks, then press Run.
        await page.locator(sel).scrollIntoViewIfNeeded();
        await page.waitForTimeout(READ_MS);
        await page.click(`${sel} [data-action=run]`);
        await widgetSettled(page, sel, 600_000);
        const state = await page.getAttribute(sel, 'data-state');
        if (state !== 'done') {
          say(`${file}#${id}: ${await page.textContent(`${sel} .lab-error`)}`);
          continue;
        }
        const result = JSON.parse(await page.getAttribute(sel, 'data-result'));
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
  } finally {
    await browser.close();
    server.close();
  }
  const within = rows.filter((r) => Math.abs(r.error) <= WITHIN);
  const summary = {
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
    load_average: { min: Math.min(...load), max: Math.max(...load) },
    model_runs: rows.length,
    within: within.length,
    share_within: rows.length ? within.length / rows.length : 0,
    tolerance: WITHIN,
    worst: [...rows].sort((a, b) => Math.abs(b.error) - Math.abs(a.error)).slice(0, 5),
  };
  if (opt.out) fs.writeFileSync(opt.out, JSON.stringify({ summary, rows }, null, 2));
  console.log(`predictions: ${within.length} of ${rows.length} model runs within ${WITHIN * 100}% of the widget's own prediction (${(summary.share_within * 100).toFixed(0)}%), load ${summary.load_average.min.toFixed(2)}-${summary.load_average.max.toFixed(2)}`);
  for (const r of summary.worst) console.log(`  ${r.page}#${r.widget} ${r.model} (${r.threads} lanes): ${(r.error * 100).toFixed(0)}%`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
