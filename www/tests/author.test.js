// The lab as a plugin for any author's book: a course book of its own, made here in a
// temporary folder, gets everything from `mdbook-lab install` (twice changes nothing),
// builds with plain `mdbook build`, is served by a plain static server (no isolation
// headers: the installed service worker must give the threads), and its widgets run. A
// bad directive names the author's file and line. One widget, embedded in a page of
// another origin, runs without threads, says what needs them and links to the full one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browser, watchedPage, runWidget, freePort } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PLUGIN = path.join(ROOT, 'target/release/mdbook-lab');
// `command = "mdbook-lab"` in the installed book.toml: found on PATH, as for an author
// who ran `cargo install --path crates/mdbook-lab`.
const ENV = { ...process.env, PATH: [path.dirname(PLUGIN), path.join(os.homedir(), '.cargo/bin'), process.env.PATH].join(path.delimiter) };

const BOOK_TOML = `# My course: the lab's entry is added below, these lines stay.
[book]
title = "A course of my own"
language = "en"
`;
const CHAPTERS = {
  'SUMMARY.md': '# Summary\n\n- [Threads](threads.md)\n- [Waiting](waiting.md)\n- [A listing](listing.md)\n',
  'threads.md': '# Threads\n\nSome tasks, one after another and then on threads:\n\n{{#lab parallel-cpu tasks=4 threads=2 n=200000}}\n',
  'waiting.md': '# Waiting\n\n{{#lab io-wait tasks=3 wait_ms=30 models=sequential,asyncio}}\n',
  // A listing of the author's own that readers can run.
  'listing.md': '# A listing\n\n{{#lab python id=pair}}\n```python\nimport threading\n\ndone = []\n\n'
    + 'def work(k):\n    done.append(k * k)\n\n'
    + 'threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]\n'
    + 'for t in threads:\n    t.start()\nfor t in threads:\n    t.join()\nprint(sorted(done))\n```\n',
};

/** A new book in a temporary folder with `chapters`; returns its folder. */
function makeBook(chapters) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concurrency-lab-author-'));
  fs.writeFileSync(path.join(dir, 'book.toml'), BOOK_TOML);
  fs.mkdirSync(path.join(dir, 'src'));
  for (const [name, text] of Object.entries(chapters)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', name), text);
  }
  return dir;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8' });
  assert.ok(!r.error, `cannot run ${cmd}: ${r.error?.message}`);
  return r;
}

/** Every file under `dir` with a hash of its bytes and its modification time. */
function snapshot(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    const p = path.join(dir, f);
    const st = fs.statSync(p);
    if (st.isFile()) out[f] = `${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')} ${st.mtimeMs}`;
  }
  return out;
}

/** `python3 -m http.server` on a free loopback port: a plain host, no headers of ours. */
async function plainServer(dir) {
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return { url, close: () => proc.kill() };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`python3 -m http.server did not start on ${url}`);
}

let book;
let chromium;
before(async () => {
  assert.ok(fs.existsSync(PLUGIN), 'scripts/build builds target/release/mdbook-lab');
  book = makeBook(CHAPTERS);
  chromium = await browser();
});
after(async () => {
  await chromium?.close();
  if (book) fs.rmSync(book, { recursive: true, force: true });
});

test('mdbook-lab install adds everything a book needs, from this repository\'s files, and a second run changes no byte', () => {
  const first = run(PLUGIN, ['install', book]);
  assert.equal(first.status, 0, first.stderr);
  const toml = fs.readFileSync(path.join(book, 'book.toml'), 'utf8');
  assert.ok(toml.startsWith(BOOK_TOML), 'the author\'s book.toml is kept as it was');
  assert.match(toml, /\n\[preprocessor\.lab\]\ncommand = "mdbook-lab"\n/);
  assert.match(fs.readFileSync(path.join(book, 'theme/head.hbs'), 'utf8'), /<script type="module" src="\{\{ path_to_root \}\}lab\/lab\.js"><\/script>/);
  // One source: the very files this repository's book uses.
  for (const [installed, source] of [['src/lab/lab.js', 'www/src/lab.js'], ['src/lab/embed.html', 'www/src/embed.html'],
    ['src/sw.js', 'www/src/sw.js'], ['src/lab/pkg/lab_wasm_bg.wasm', 'www/pkg/lab_wasm_bg.wasm'],
    ['src/lab/pkg-st/lab_wasm_bg.wasm', 'www/pkg-st/lab_wasm_bg.wasm']]) {
    assert.ok(fs.readFileSync(path.join(book, installed)).equals(fs.readFileSync(path.join(ROOT, source))), installed);
  }
  const before = snapshot(book);
  const second = run(PLUGIN, ['install', book]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /nothing changed/);
  assert.deepEqual(snapshot(book), before, 'the second install wrote nothing');
});

test('built with plain mdbook build and served by a plain static server, the widgets and a listing run on threads', async (t) => {
  const built = run('mdbook', ['build', book]);
  assert.equal(built.status, 0, built.stderr);
  assert.doesNotMatch(built.stderr, /warning/, 'no warning about missing assets');
  const sealed = run(PLUGIN, ['offline', book]);
  assert.equal(sealed.status, 0, sealed.stderr);
  const server = await plainServer(path.join(book, 'book'));
  t.after(() => server.close());
  const page = await watchedPage(chromium, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.goto(`${server.url}threads.html`);
  await page.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  const sel = '#lab-threads-1';
  await page.waitForSelector(`${sel}[data-ready]`);
  let widget = await runWidget(page, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.equal(result.threaded, true);
  assert.ok(result.models.find((m) => m.model === 'free-threads').lanes_used > 1, 'ran on more than one thread');
  await page.goto(`${server.url}waiting.html`);
  await page.waitForSelector('#lab-waiting-1[data-ready]');
  widget = await runWidget(page, '#lab-waiting-1');
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  assert.deepEqual(JSON.parse(await widget.getAttribute('data-result')).models.map((m) => m.model), ['sequential', 'asyncio']);
  // The author's listing runs on the lab's Python, with a thread per lane.
  await page.goto(`${server.url}listing.html`);
  await page.waitForSelector('#lab-listing-pair[data-ready]');
  widget = await runWidget(page, '#lab-listing-pair');
  const ran = JSON.parse(await widget.getAttribute('data-result'));
  assert.equal(await widget.getAttribute('data-state'), 'done', ran.stderr);
  assert.equal(ran.stdout, '[0, 1]\n');
  assert.equal(ran.threads, 3);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a bad directive fails the build naming the author\'s file and line', () => {
  const bad = makeBook({
    'SUMMARY.md': '# Summary\n\n- [Bad](part/bad.md)\n',
    'part/bad.md': '# Bad\n\nText.\n\n{{#lab parallel-cpu tasks=0}}\n',
  });
  try {
    assert.equal(run(PLUGIN, ['install', bad]).status, 0);
    const r = run('mdbook', ['build', bad]);
    assert.notEqual(r.status, 0, 'the build fails');
    assert.match(r.stderr, /src\/part\/bad\.md: line 5: tasks must be/);
  } finally {
    fs.rmSync(bad, { recursive: true, force: true });
  }
});

test('embedded in a page of another origin, a widget runs without threads, says what needs them, and links to the full one', async (t) => {
  const server = await plainServer(path.join(book, 'book'));
  t.after(() => server.close());
  // The author's side: set the widget up in its chapter and copy its embed code.
  const author = await watchedPage(chromium, { permissions: ['clipboard-read', 'clipboard-write'] });
  await author.goto(`${server.url}threads.html`);
  const sel = '#lab-threads-1';
  await author.waitForSelector(`${sel}[data-ready]`);
  await author.fill(`${sel} input[name=tasks]`, '3');
  await author.fill(`${sel} input[name=n]`, '150000');
  await author.click(`${sel} [data-action=embed]`);
  await author.waitForFunction((s) => /copied/.test(document.querySelector(`${s} .lab-status`).textContent), sel);
  const code = await author.evaluate(() => navigator.clipboard.readText());
  assert.deepEqual(author.problems, []);
  await author.context().close();
  const src = new URL(code.match(/<iframe src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.equal(src.pathname, '/lab/embed.html');
  const settings = Object.fromEntries(src.searchParams);
  assert.equal(settings.page, 'threads.html');
  assert.equal(settings.lab, 'lab-threads-1');
  assert.equal(settings.tasks, '3');
  assert.equal(settings.n, '150000');
  assert.equal(settings.models, 'sequential,free-threads');

  // Another site (another loopback port, so another origin) pastes the code.
  const hostPort = await freePort();
  const host = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>A course site</title></head><body><h1>Elsewhere</h1>${code}</body></html>`);
  }).listen(hostPort, '127.0.0.1');
  t.after(() => host.close());
  const page = await watchedPage(chromium);
  await page.goto(`http://127.0.0.1:${hostPort}/`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForSelector(`${sel}[data-embed-ready]`, { timeout: 30_000 });
  assert.equal(await frame.evaluate(() => crossOriginIsolated), false);
  // The address's settings are in the form.
  assert.equal(await frame.inputValue(`${sel} input[name=tasks]`), '3');
  assert.equal(await frame.inputValue(`${sel} input[name=n]`), '150000');
  const label = (await frame.locator(`${sel} input[value=free-threads]`).locator('..').textContent()).trim();
  const note = frame.locator('.lab-embed-note');
  const noteText = await note.textContent();
  assert.match(noteText, /Threads are unavailable in this frame/);
  assert.ok(noteText.includes(`“${label}”`), `the note names ${label}: ${noteText}`);
  assert.ok(!noteText.includes('“sequential”'), 'and not a model that runs here');
  const widget = await runWidget(frame, sel);
  assert.equal(await widget.getAttribute('data-state'), 'done', await widget.locator('.lab-error').textContent());
  const result = JSON.parse(await widget.getAttribute('data-result'));
  assert.equal(result.threaded, false);
  assert.deepEqual(result.models.map((m) => m.model), ['sequential']);
  // "Open with threads": the full widget in its chapter, in a new tab, with the same settings.
  const link = note.getByRole('link', { name: /Open with threads/ });
  assert.equal(await link.getAttribute('target'), '_blank');
  const full = new URL(await link.getAttribute('href'));
  assert.equal(full.href.split('?')[0], `${server.url}threads.html`);
  assert.equal(full.hash, '#lab-threads-1');
  assert.deepEqual(Object.fromEntries(full.searchParams), { ...Object.fromEntries([...src.searchParams].filter(([k]) => k !== 'page')) });
  // The frame takes its content's height (the page it sits in resizes it on the frame's word).
  const heights = async () => [await page.evaluate(() => document.querySelector('iframe').style.height),
    `${await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height))}px`];
  let [outer, inner] = await heights();
  for (let i = 0; i < 100 && outer !== inner; i++) {
    await new Promise((r) => setTimeout(r, 100));
    [outer, inner] = await heights();
  }
  assert.equal(outer, inner, 'the frame is as tall as its content');
  assert.deepEqual(page.problems, []);
  // Followed, the link opens the widget with threads and those settings.
  const tab = await page.context().newPage();
  await tab.goto(full.href);
  await tab.waitForFunction(() => crossOriginIsolated === true, null, { timeout: 30_000 });
  await tab.waitForFunction((s) => document.querySelector(`${s} input[name=n]`).value === '150000', sel);
  assert.equal(await tab.inputValue(`${sel} input[name=tasks]`), '3');
  assert.equal(await tab.isChecked(`${sel} input[value=free-threads]`), true);
  await page.context().close();
});

test('an embedded listing shows its program; in a frame without threads it says it needs them and links to the full one', async (t) => {
  const server = await plainServer(path.join(book, 'book'));
  t.after(() => server.close());
  // The listing's Embed button copies the frame's code.
  const author = await watchedPage(chromium, { permissions: ['clipboard-read', 'clipboard-write'] });
  await author.goto(`${server.url}listing.html`);
  const sel = '#lab-listing-pair';
  await author.waitForSelector(`${sel}[data-ready]`);
  await author.click(`${sel} [data-action=embed]`);
  await author.waitForFunction((s) => /copied/.test(document.querySelector(`${s} .lab-status`).textContent), sel);
  const code = await author.evaluate(() => navigator.clipboard.readText());
  await author.context().close();
  const src = new URL(code.match(/<iframe src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.deepEqual(Object.fromEntries(src.searchParams), { page: 'listing.html', lab: 'lab-listing-pair' });
  const hostPort = await freePort();
  const host = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><title>A course site</title></head><body>${code}</body></html>`);
  }).listen(hostPort, '127.0.0.1');
  t.after(() => host.close());
  const page = await watchedPage(chromium);
  await page.goto(`http://127.0.0.1:${hostPort}/`);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForSelector(`${sel}[data-embed-ready]`, { timeout: 30_000 });
  assert.equal(await frame.evaluate(() => crossOriginIsolated), false);
  // The program above the Run button, as the chapter shows it.
  assert.match(await frame.locator('.lab-embed pre').first().textContent(), /threading\.Thread\(target=work/);
  const note = frame.locator('.lab-embed-note');
  assert.match(await note.textContent(), /Threads are unavailable in this frame.*this listing needs them/);
  const full = new URL(await note.getByRole('link', { name: /Open with threads/ }).getAttribute('href'));
  assert.equal(full.href, `${server.url}listing.html?lab=lab-listing-pair#lab-listing-pair`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('without mdbook-lab offline, the pages a reader has read still open offline, isolated', async (t) => {
  const plain = makeBook(CHAPTERS);
  t.after(() => fs.rmSync(plain, { recursive: true, force: true }));
  assert.equal(run(PLUGIN, ['install', plain]).status, 0);
  assert.equal(run('mdbook', ['build', plain]).status, 0);
  const server = await plainServer(path.join(plain, 'book'));
  t.after(() => server.close());
  const page = await watchedPage(chromium);
  await page.goto(`${server.url}threads.html`);
  await page.waitForFunction(() => crossOriginIsolated === true && document.readyState === 'complete', null, { timeout: 30_000 });
  await page.waitForSelector('#lab-threads-1[data-ready]');
  await page.context().setOffline(true);
  const response = await page.reload();
  assert.equal(response.status(), 200);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await page.waitForSelector('#lab-threads-1[data-ready]');
  // A page never read has no copy: offline, it fails, as it would without the worker.
  await assert.rejects(page.goto(`${server.url}waiting.html`));
  page.problems.length = 0; // that failure is logged, rightly
  await page.context().close();
});
