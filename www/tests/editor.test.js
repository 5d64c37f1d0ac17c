// Editing runnable listings in place (www/src/listing/): the editor is downloaded only on
// the first edit; Run and Ctrl+Enter run the edited text; Reset brings the book's version
// back; Escape then Tab leaves the editor; a traceback's lines are marked; Copy link
// carries the program to a new page, which shows it without running it (with its
// compile error, if any), and says so when the link's data is damaged; the standalone
// Python lab page; axe on an open editor; a phone's width.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { HtmlValidate } from 'html-validate';
import { SITE, serve, browser, watchedPage, runWidget } from './harness.js';

const PAGE = 'synchronisation.html';
const ID = 'lab-synchronisation-queue';
const SEL = `#${ID}`;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const CLIPBOARD = { permissions: ['clipboard-read', 'clipboard-write'] };

let server;
let chromium;
before(async () => { server = await serve(); chromium = await browser(); });
after(async () => { await chromium?.close(); server?.close(); });

/** A page of the site with its widgets mounted, recording the URLs it requests. */
async function open(file, options = {}, theme = null) {
  const page = await watchedPage(chromium, options);
  if (theme) await page.context().addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
  page.requested = [];
  // The page's own requests: the service worker fetches the whole site for offline
  // reading a few seconds after load, which is not the page asking for the editor.
  page.context().on('request', (r) => { if (!r.serviceWorker()) page.requested.push(r.url()); });
  await page.goto(server.url + file);
  await page.waitForFunction(() => [...document.querySelectorAll('.lab-widget')].every((w) => w.dataset.ready));
  return page;
}

const editorRequests = (page) => page.requested.filter((u) => u.endsWith('/lab/listing/codemirror.js'));
const result = (page, sel = SEL) => page.evaluate((s) => JSON.parse(document.querySelector(s).dataset.result), sel);
/** The program the listing runs now: while it is edited, the editor's text. */
const editorText = (page, sel = SEL) => page.evaluate(async (s) => {
  const root = document.querySelector(s);
  assert(root.dataset.editing);
  return (await import('/lab/listing/editor.js')).programOf(root);
  function assert(ok) { if (!ok) throw new Error(`${s} is not being edited`); }
}, sel);

/** Opens the editor with Edit and waits until it is there. */
async function edit(page, sel = SEL) {
  await page.locator(`${sel} [data-action=edit]`).click();
  await page.waitForSelector(`.lab-editor:has(+ ${sel}) .cm-content`);
}

/** Replaces the editor's whole program with `text` as a reader would (select all, type). */
async function replaceProgram(page, text, sel = SEL) {
  await page.locator(`.lab-editor:has(+ ${sel}) .cm-content`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

test('Edit downloads the editor only then; Run and Ctrl+Enter run the edited program; Reset brings the book back', async () => {
  const page = await open(PAGE);
  const book = await page.evaluate((s) => document.querySelector(s).dataset.source, SEL);
  // Reading the page and running a listing as the book has it need no editor.
  await runWidget(page, SEL);
  assert.equal((await result(page)).stdout, 'sum of squares: 328350\n');
  assert.deepEqual(editorRequests(page), []);
  assert.equal(await page.locator('.lab-editor').count(), 0);
  assert.equal(await page.locator(`${SEL} [data-action=reset]`).isDisabled(), true);

  await edit(page);
  assert.equal(editorRequests(page).length, 1);
  // The editor took the listing's place: the static listing is hidden, the text the same.
  assert.equal(await page.evaluate((s) => document.querySelector(s).previousElementSibling.previousElementSibling.hidden, SEL), true);
  assert.equal(await editorText(page), book);
  assert.equal(await page.locator(`${SEL} [data-action=reset]`).isDisabled(), true);
  assert.equal(await page.locator(`${SEL} [data-action=edit]`).isVisible(), false);
  // Line numbers and Python highlighting.
  assert.ok(await page.locator('.lab-editor .cm-lineNumbers .cm-gutterElement').count() > 5);
  assert.ok(await page.locator('.lab-editor .hljs-keyword').count() > 0);

  await replaceProgram(page, 'print("edited", 6 * 7)\n');
  assert.equal(await page.locator(`${SEL} [data-action=reset]`).isDisabled(), false);
  await runWidget(page, SEL);
  assert.equal((await result(page)).stdout, 'edited 42\n');

  // Ctrl+Enter in the editor runs it too.
  await replaceProgram(page, 'print("by keyboard")\n');
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((s) => document.querySelector(s).dataset.result?.includes('by keyboard'), SEL, { timeout: 120_000 });
  await page.waitForFunction((s) => document.querySelector(s).dataset.state === 'done', SEL);
  assert.equal((await result(page)).stdout, 'by keyboard\n');
  // Ctrl+Enter ran the program and added no line to it.
  assert.equal(await editorText(page), 'print("by keyboard")\n');

  await page.locator(`${SEL} [data-action=reset]`).click();
  assert.equal(await editorText(page), book);
  assert.equal(await page.locator(`${SEL} [data-action=reset]`).isDisabled(), true);
  // Focus went back to the program, not lost with the disabled button.
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cm-content')), true);
  await runWidget(page, SEL);
  assert.equal((await result(page)).stdout, 'sum of squares: 328350\n');
  assert.equal(editorRequests(page).length, 1);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a click into the static listing opens the editor with the cursor there', async () => {
  const page = await open(PAGE);
  const pre = page.locator(`pre:has(+ ${SEL})`);
  await pre.locator('code').click({ position: { x: 5, y: 5 } });
  await page.waitForSelector(`${SEL}[data-editing]`);
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cm-content')), true);
  assert.equal(await pre.isHidden(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Tab indents in the editor; Escape then Tab leaves it for the next control', async () => {
  const page = await open(PAGE);
  await edit(page);
  const hint = await page.evaluate((s) => {
    const content = document.querySelector(s).previousElementSibling.querySelector('.cm-content');
    return document.getElementById(String(content.getAttribute('aria-describedby')))?.textContent;
  }, SEL);
  assert.match(hint, /Escape, then Tab/);
  await replaceProgram(page, 'x = 1');
  await page.keyboard.press('Home');
  await page.keyboard.press('Tab');
  assert.equal(await editorText(page), '    x = 1');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cm-content')), true);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await editorText(page), 'x = 1');
  // mdBook's shortcuts (S or / for search, arrows for the next chapter) stay out of it.
  // (A page-wide handler that took S or / would also have kept it from the text.)
  const pages = () => page.requested.filter((u) => u.endsWith('.html')).length;
  const before = pages();
  await page.keyboard.press('End');
  await page.keyboard.type(' # s/?');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await editorText(page), 'x = 1 # s/?');
  assert.equal(pages(), before);
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cm-content')), true);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  assert.equal(await editorText(page), 'x = 1 # s/?');
  // The editor sits just above the widget: the next stop is the widget's first link.
  assert.equal(await page.evaluate((s) => document.activeElement === document.querySelector(`${s} .lab-anchor`), SEL), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a traceback marks its lines, in the static listing and in the editor, until the next run or edit', async () => {
  const page = await open(PAGE);
  // It raises on line 3 and is called on line 4: in the listing shown, line 3 is empty.
  const raises = 'print("before")\ndef f(d):\n    return d["missing"]\nf({})\n';
  await page.evaluate(([s, src]) => { document.querySelector(s).dataset.source = src; }, [SEL, raises]);
  await runWidget(page, SEL);
  assert.equal(await page.getAttribute(SEL, 'data-state'), 'error');
  const marked = () => page.evaluate((s) => [...document.querySelector(s).previousElementSibling.querySelectorAll('.lab-line-mark')]
    .map((m) => Number(/** @type {HTMLElement} */ (m).dataset.line)), SEL);
  assert.deepEqual(await marked(), [4, 3]);
  // Each band sits on its line of the listing shown: line 4's band and the top of its text
  // (found with a Range) agree to the pixel, and the empty line 3's band is just above.
  const placed = await page.evaluate((s) => {
    const pre = document.querySelector(s).previousElementSibling;
    const code = pre.querySelector('code');
    const text = code.textContent;
    const band = (n) => pre.querySelector(`.lab-line-mark[data-line="${n}"]`).getBoundingClientRect();
    // The text of line 4 starts after the third newline: its first character's box.
    const walk = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let at = text.split('\n').slice(0, 3).join('\n').length + 1;
    let node = walk.nextNode();
    while (node && at >= node.nodeValue.length) { at -= node.nodeValue.length; node = walk.nextNode(); }
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const line4 = range.getBoundingClientRect();
    return { band4: band(4).top, text4: line4.top, height: band(4).height, band3: band(3).top, textHeight: line4.height };
  }, SEL);
  assert.ok(Math.abs(placed.band4 - placed.text4) <= 1.5, JSON.stringify(placed));
  assert.ok(Math.abs(placed.band4 - placed.band3 - placed.height) <= 0.5, JSON.stringify(placed));
  assert.ok(Math.abs(placed.height - placed.textHeight) <= 1.5, JSON.stringify(placed));

  const errorLines = () => page.evaluate(() => [...document.querySelectorAll('.lab-editor .lab-line-error')].map((l) => l.getAttribute('data-line')));
  // Opening the editor moves the marks into it; the first edit clears them.
  await edit(page);
  assert.deepEqual(await marked(), []);
  assert.deepEqual(await errorLines(), ['3', '4']);
  await replaceProgram(page, 'print("ok")\nx = 1 / 0\n');
  assert.deepEqual(await errorLines(), []);
  await runWidget(page, SEL);
  assert.deepEqual(await errorLines(), ['2']);
  assert.match((await result(page)).stderr, /ZeroDivisionError/);
  // An edit clears the mark (focus is on Run: back into the program first).
  await page.locator(`.lab-editor:has(+ ${SEL}) .cm-content`).click();
  await page.keyboard.press('End');
  await page.keyboard.type(' ');
  assert.deepEqual(await errorLines(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('Copy link carries the edited program to a new page, which shows it and runs it only on Run', async () => {
  const page = await open(PAGE, CLIPBOARD);
  await edit(page);
  const program = 'import threading\n\nout = []\nt = threading.Thread(target=out.append, args=("from a link ✓",))\nt.start()\nt.join()\nprint(out[0])\n';
  await replaceProgram(page, program);
  await page.locator(`${SEL} [data-action=link]`).click();
  await page.waitForFunction((s) => /Link copied/.test(document.querySelector(`${s} .lab-status`).textContent), SEL);
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(link.pathname, `/${PAGE}`);
  assert.equal(link.searchParams.get('lab'), ID);
  assert.match(link.searchParams.get('program'), /^[A-Za-z0-9_-]+$/);
  assert.equal(link.hash, `#${ID}`);
  await page.context().close();

  const opened = await open(PAGE + link.search + link.hash);
  await opened.waitForFunction((s) => document.querySelector(s).dataset.linked, SEL, { timeout: 120_000 });
  assert.equal(await opened.getAttribute(SEL, 'data-linked'), 'ready');
  assert.equal(await editorText(opened), program);
  assert.match(await opened.locator(`${SEL} .lab-link-note`).textContent(), /This program came from a link/);
  assert.equal(await opened.locator(`${SEL} [data-action=reset]`).isDisabled(), false);
  // Not run: no result, idle, nothing printed.
  assert.equal(await opened.getAttribute(SEL, 'data-state'), 'idle');
  assert.equal(await opened.getAttribute(SEL, 'data-result'), null);
  assert.equal(await opened.locator(`${SEL} .lab-output`).isHidden(), true);
  await runWidget(opened, SEL);
  assert.equal((await result(opened)).stdout, 'from a link ✓\n');
  // Reset: the book's program, and the note goes.
  await opened.locator(`${SEL} [data-action=reset]`).click();
  assert.equal(await opened.locator(`${SEL} .lab-link-note`).count(), 0);
  assert.match(await editorText(opened), /sum of squares/);
  assert.deepEqual(opened.problems, []);
  await opened.context().close();
});

test('a link whose program does not compile opens with the error and its line marked', async () => {
  const page = await open(PAGE);
  const data = await page.evaluate(async () => {
    const { encodeProgram } = await import('/lab/listing/link.js');
    return encodeProgram('print("a")\nif True\n    print("b")\n');
  });
  await page.goto(`${server.url}${PAGE}?lab=${ID}&program=${data}#${ID}`);
  await page.waitForFunction((s) => document.querySelector(s).dataset.linked, SEL, { timeout: 120_000 });
  assert.equal(await page.getAttribute(SEL, 'data-linked'), 'invalid');
  const shown = await page.locator(`${SEL} .lab-output`).textContent();
  assert.match(shown, /File "listing\.py", line 2/);
  assert.match(shown, /SyntaxError/);
  assert.match(await page.locator(`${SEL} .lab-status`).textContent(), /does not compile \(line 2, marked\)/);
  assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('.lab-editor .lab-line-error')].map((l) => l.getAttribute('data-line'))), ['2']);
  assert.equal(await page.getAttribute(SEL, 'data-state'), 'idle');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('damaged link data gives a message and the book\'s listing, never a blank widget', async () => {
  const page = await open(PAGE);
  for (const [data, why] of [['not!base64', /not in the form a link carries/], ['AAAAAAAA', /damaged \(it does not decompress\)/], ['', /empty/]]) {
    await page.goto(`${server.url}${PAGE}?lab=${ID}&program=${data}#${ID}`);
    await page.waitForFunction((s) => document.querySelector(s).dataset.linked, SEL);
    assert.equal(await page.getAttribute(SEL, 'data-linked'), 'failed');
    const error = page.locator(`${SEL} .lab-error`);
    assert.equal(await error.isVisible(), true);
    assert.match(await error.textContent(), /This link's program could not be opened/);
    assert.match(await error.textContent(), why);
    // The book's listing is still there, and still runs.
    assert.equal(await page.locator(`pre:has(+ ${SEL})`).isVisible(), true);
    assert.equal(await page.locator(`${SEL} [data-action=run]`).isEnabled(), true);
  }
  await runWidget(page, SEL);
  assert.equal((await result(page)).stdout, 'sum of squares: 328350\n');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the Python lab page: a starter program in the editor, Run, and links of its own', async () => {
  const page = await open('lab/python.html', CLIPBOARD);
  const sel = '#lab-python';
  await page.waitForSelector(`${sel}[data-editing]`);
  // Its static listing is the same program as the widget's.
  const starter = await page.evaluate((s) => document.querySelector(s).dataset.source, sel);
  assert.equal(await page.evaluate((s) => document.querySelector(s).previousElementSibling.previousElementSibling.textContent, sel), starter);
  await runWidget(page, sel);
  assert.equal((await result(page, sel)).stdout, "finished in this order: ['fast', 'medium', 'slow']\n");
  await replaceProgram(page, 'print(sum(range(10)))\n', sel);
  await page.locator(`${sel} [data-action=link]`).click();
  await page.waitForFunction((s) => /Link copied/.test(document.querySelector(`${s} .lab-status`).textContent), sel);
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(link.pathname, '/lab/python.html');
  // The widget's id and the program; settings left at their defaults are not written.
  assert.deepEqual([...link.searchParams.keys()], ['lab', 'program']);
  await page.goto(link.href);
  await page.waitForFunction((s) => document.querySelector(s).dataset.linked === 'ready', sel, { timeout: 120_000 });
  assert.equal(await editorText(page, sel), 'print(sum(range(10)))\n');
  await runWidget(page, sel);
  assert.equal((await result(page, sel)).stdout, '45\n');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the Python lab page is valid HTML (recommended rules)', async () => {
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateFile(path.join(SITE, 'lab/python.html'));
  assert.deepEqual(report.results.flatMap((r) => r.messages).map((m) => `${m.line}:${m.column} [${m.ruleId}] ${m.message}`), []);
});

for (const theme of ['light', 'navy', 'ayu']) {
  test(`an open editor with a link's note and a marked line has no WCAG A/AA violation (${theme})`, async () => {
    const page = await open(PAGE, {}, theme);
    const data = await page.evaluate(async () => (await import('/lab/listing/link.js')).encodeProgram('x = 1\nprint(x +)\n'));
    await page.goto(`${server.url}${PAGE}?lab=${ID}&program=${data}#${ID}`);
    await page.waitForFunction((s) => document.querySelector(s).dataset.linked === 'invalid', SEL, { timeout: 120_000 });
    await edit(page, '#lab-synchronisation-bank');
    const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
    const lab = await open('lab/python.html', {}, theme);
    await lab.waitForSelector('#lab-python[data-editing]');
    assert.equal(await lab.evaluate((t) => document.documentElement.classList.contains(t), theme), true);
    const onLab = await new AxeBuilder({ page: lab }).withTags(TAGS).analyze();
    assert.deepEqual(onLab.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
    assert.deepEqual([...page.problems, ...lab.problems], []);
    await page.context().close();
    await lab.context().close();
  });
}

test('on a phone the open editor fits the page and its buttons are 44 px targets', async () => {
  for (const file of [PAGE, 'lab/python.html']) {
    const page = await open(file, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const sel = file === PAGE ? SEL : '#lab-python';
    if (file === PAGE) await edit(page);
    else await page.waitForSelector(`${sel}[data-editing]`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${file}: the page scrolls sideways by ${overflow} px`);
    for (const b of await page.locator(`${sel} .lab-buttons button:visible`).all()) {
      const box = await b.boundingBox();
      assert.ok(box && box.height >= 44, `${file}: ${await b.textContent()} is ${box?.height} px high`);
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});
