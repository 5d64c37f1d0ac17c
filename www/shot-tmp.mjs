import { serve, browser, runWidget } from './tests/harness.js';
const [file, sel, out, w, h, n] = process.argv.slice(2);
const server = await serve();
const b = await browser();
const ctx = await b.newContext({ viewport: { width: Number(w), height: Number(h) }, deviceScaleFactor: 1 });
const page = await ctx.newPage();
await page.goto(server.url + file);
await page.waitForSelector(`${sel}[data-ready]`);
if (n) { await page.fill(`${sel} input[name=n]`, n); await runWidget(page, sel); }
await (await page.$(sel)).screenshot({ path: out });
await b.close(); server.close();
