import { serve, browser, watchedPage } from './tests/harness.js';
const [file, id, query] = process.argv.slice(2);
const server = await serve();
const b = await browser();
const page = await watchedPage(b);
await page.goto(`${server.url}${file}?lab=${id}&${query || ''}#${id}`);
const sel = `#${id}`;
await page.waitForSelector(`${sel}[data-ready]`);
// capture the engine's report through a hook on postMessage results is hard; read spans from the measured SVG instead
for (let i = 0; i < 3; i++) {
  await page.click(`${sel} [data-action=run]`);
  await page.waitForFunction((s) => ['done', 'error'].includes(document.querySelector(s).dataset.state), sel, { timeout: 120000 });
  const r = JSON.parse(await page.getAttribute(sel, 'data-result'));
  console.log(r.models.map((m) => `${m.model}: ${m.wall_ms.toFixed(1)} util ${m.cpu_utilisation.toFixed(2)} pred ${m.predicted_ms?.toFixed(1)}`).join(' | '));
}
await b.close(); server.close();
