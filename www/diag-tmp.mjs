import { serve, browser, watchedPage } from './tests/harness.js';
const [file, id, reps, query] = process.argv.slice(2);
const server = await serve();
const b = await browser();
const page = await watchedPage(b);
await page.goto(`${server.url}${file}?lab=${id}&${query || ''}#${id}`);
const sel = `#${id}`;
await page.waitForSelector(`${sel}[data-ready]`);
for (let i = 0; i < Number(reps); i++) {
  await page.click(`${sel} [data-action=run]`);
  await page.waitForFunction((s) => ['done', 'error'].includes(document.querySelector(s).dataset.state), sel, { timeout: 120000 });
  const r = JSON.parse(await page.getAttribute(sel, 'data-result') || '{}');
  console.log(i, (r.models || []).map((m) => `${m.model}:${m.wall_ms.toFixed(0)}/${(m.predicted_ms ?? 0).toFixed(0)}`).join('  '), await page.textContent(`${sel} .lab-error`));
}
await b.close(); server.close();
