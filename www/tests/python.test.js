// The lab's Python in the browser: programs of the differential corpus run in headless
// Chromium through the wasm bindings (threaded on the worker pool, and the
// single-threaded build) and must print what CPython 3.13 prints; a run that never ends
// is stopped, and its pool threads are free again afterwards.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, browser, watchedPage } from './harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const PROGRAMS = path.join(ROOT, 'crates/lab-python/tests/programs');
const POOL = 8;

/** CPython 3.13 from pyenv (the corpus's oracle). */
function cpython() {
  const versions = path.join(os.homedir(), '.pyenv/versions');
  const found = fs.existsSync(versions)
    ? fs.readdirSync(versions).filter((v) => v.startsWith('3.13')).sort()
    : [];
  assert.ok(found.length > 0, `no CPython 3.13 under ${versions}`);
  return path.join(versions, found.at(-1), 'bin/python3');
}

/** CPython's stdout, last stderr line and exit status for a corpus program. */
function expected(name) {
  const out = spawnSync(cpython(), [path.join(PROGRAMS, name)], { encoding: 'utf8' });
  return { stdout: out.stdout, lastErr: out.stderr.trimEnd().split('\n').at(-1), status: out.status };
}

let site;
let server;
let chromium;
let page;

before(async () => {
  // A site of its own: both builds of the bindings and the worker above.
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-python-'));
  // The builds with the lab's Python (scripts/build makes them beside the site's own).
  for (const [pkg, built] of [['pkg', 'pkg-py'], ['pkg-st', 'pkg-py-st']]) {
    const from = path.join(ROOT, 'www', built);
    assert.ok(fs.existsSync(path.join(from, 'lab_wasm.js')), `no ${from}: run scripts/build`);
    fs.cpSync(from, path.join(site, pkg), { recursive: true });
  }
  const pyc = path.join(ROOT, 'www/pkg-pyc');
  assert.ok(fs.existsSync(path.join(pyc, 'lab_pyc.js')), `no ${pyc}: run scripts/build`);
  fs.cpSync(pyc, path.join(site, 'pkg-pyc'), { recursive: true });
  fs.copyFileSync(path.join(HERE, 'python/py-worker.js'), path.join(site, 'py-worker.js'));
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><html lang="en"><link rel="icon" href="data:,"><title>Python</title></html>\n');
  server = await serve({ root: site });
  chromium = await browser();
  page = await watchedPage(chromium);
  await page.goto(server.url);
  // One worker per build, answering the test's messages by id.
  await page.evaluate(() => {
    let next = 0;
    const workers = {};
    window.ask = (build, body) => new Promise((resolve, reject) => {
      workers[build] ??= new Worker('./py-worker.js', { type: 'module' });
      const w = workers[build];
      const id = next++;
      const onMessage = ({ data }) => {
        if (data.id !== id) return;
        w.removeEventListener('message', onMessage);
        if (data.error) reject(new Error(data.error)); else resolve(data.result);
      };
      w.addEventListener('message', onMessage);
      w.postMessage({ id, ...body });
    });
  });
  const threaded = await page.evaluate((threads) => window.ask('threaded', { type: 'load', threaded: true, threads }), POOL);
  assert.deepEqual(threaded, { threaded: true, isolated: true });
  const single = await page.evaluate(() => window.ask('single', { type: 'load', threaded: false }));
  assert.equal(single.threaded, false);
});

after(async () => {
  await chromium?.close();
  server?.close();
  if (site) fs.rmSync(site, { recursive: true, force: true });
});

const ask = (build, body) => page.evaluate(([b, m]) => window.ask(b, m), [build, body]);

function assertLikeCPython(result, name) {
  const want = expected(name);
  assert.equal(result.stdout, want.stdout, `${name}: stdout`);
  assert.equal(result.stderr.trimEnd().split('\n').at(-1), want.lastErr, `${name}: last line of stderr`);
  assert.equal(result.exit_code, want.status, `${name}: exit status`);
  assert.equal(result.stopped, false);
}

const source = (name) => fs.readFileSync(path.join(PROGRAMS, name), 'utf8');

for (const name of ['27_threads_basic.py', '36_queue_producer_consumer.py', '24_user_exception_uncaught.py', 'a101_tasks.py', 'a103_taskgroup_failure.py', 'p100_process_basic.py', 'p102_queue.py']) {
  test(`${name} on the worker pool prints what CPython prints`, async () => {
    const result = await ask('threaded', { type: 'start', source: source(name), options: { filename: name } });
    assertLikeCPython(result, name);
    // The trace has the main thread's lane first and a line for every line printed.
    assert.equal(result.trace.lanes[0].name, 'MainThread');
    const printed = result.stdout.split('\n').filter((l) => l !== '').length;
    assert.equal(result.trace.output.filter((l) => l.stream === 'stdout').length, printed);
  });
}

test('the threads of 27_threads_basic.py each get a lane', async () => {
  const result = await ask('threaded', { type: 'run', source: source('27_threads_basic.py') });
  assert.equal(result.trace.lanes.length, 6);
  assert.ok(result.trace.lanes.every((l) => l.spans.some((s) => s.kind === 'running')));
});

test('the single-threaded build runs a program without threads and refuses threads', async () => {
  const name = '24_user_exception_uncaught.py';
  assertLikeCPython(await ask('single', { type: 'run', source: source(name), options: { filename: name } }), name);
  const threads = await ask('single', { type: 'run', source: source('27_threads_basic.py') });
  assert.equal(threads.exit_code, 1);
  assert.match(threads.stderr.trimEnd().split('\n').at(-1), /^RuntimeError: can't start new thread: .*not cross-origin isolated/);
  // A wait no other thread can end: a timeout ends it, no timeout is an error (std cannot
  // block here, and CPython would hang for ever).
  const stuck = await ask('single', {
    type: 'run',
    source: 'import threading\nl = threading.Lock()\nl.acquire()\nprint(l.acquire(timeout=0.05))\nl.acquire()\n',
  });
  assert.equal(stuck.stdout, 'False\n');
  assert.match(stuck.stderr.trimEnd().split('\n').at(-1), /^RuntimeError: deadlock: /);
});

/**
 * Every pool thread is free: a run needing POOL threads (the main one and POOL - 1
 * started, all alive at once) gets them all.
 */
async function assertPoolFree() {
  const all = [
    'import threading',
    `n = ${POOL - 1}`,
    'go = threading.Barrier(n + 1)',
    'ts = [threading.Thread(target=go.wait) for _ in range(n)]',
    'for t in ts:',
    '    t.start()',
    'go.wait()',
    'for t in ts:',
    '    t.join()',
    "print('all', threading.active_count())",
    '',
  ].join('\n');
  const full = await ask('threaded', { type: 'start', source: all });
  assert.equal(full.stderr, '');
  assert.equal(full.stdout, 'all 1\n');
}

test('a deadlocked program is stopped, and its pool threads are free again', async () => {
  const deadlock = [
    'import threading',
    'a, b = threading.Lock(), threading.Lock()',
    'both = threading.Barrier(2)',
    'def take(first, second):',
    '    with first:',
    '        both.wait()',
    '        with second:',
    '            pass',
    'ts = [threading.Thread(target=take, args=p) for p in ((a, b), (b, a))]',
    'for t in ts:',
    '    t.start()',
    "print('started')",
    'for t in ts:',
    '    t.join()',
    '',
  ].join('\n');
  // Stopped once both threads have started: it can never end by itself.
  const result = await ask('threaded', { type: 'start', source: deadlock, stopOnOutput: 'started' });
  assert.equal(result.stopped, true);
  assert.equal(result.exit_code, 130);
  assert.equal(result.stderr.trimEnd().split('\n').at(-1), 'KeyboardInterrupt');
  assert.equal(result.trace.lanes.length, 3);
  await assertPoolFree();
  assert.deepEqual(page.problems, []);
});

test('fifty stopped runs in a row leave no pool thread and no memory behind', async (t) => {
  // Threads spinning, asleep and waiting when the stop comes, over objects in cycles.
  const busy = [
    'import threading, time',
    'lock = threading.Lock()',
    'done = threading.Event()',
    'def spin():',
    '    n = 0',
    '    while True:',
    '        n += 1',
    'def nap():',
    '    time.sleep(3600)',
    'for f in (spin, nap, done.wait):',
    '    threading.Thread(target=f).start()',
    'class Node:',
    '    def __init__(self):',
    '        self.me = self',
    'items = [Node() for _ in range(2000)]',
    "print('started', flush=True)",
    // Churn of a fixed size: every run needs the same heap at its peak, however long it
    // runs before the stop, so growth after the first runs is what a run left behind.
    'i = 0',
    'while True:',
    '    with lock:',
    '        items[i % len(items)] = [items, Node()]',
    '    i += 1',
    '',
  ].join('\n');
  const stopOnce = async () => {
    const r = await ask('threaded', { type: 'start', source: busy, stopOnOutput: 'started' });
    assert.equal(r.stopped, true, r.stderr);
    assert.equal(r.exit_code, 130);
  };
  // The first runs grow the heap to what such a run needs; later ones must reuse it.
  for (let i = 0; i < 5; i++) await stopOnce();
  const settled = await ask('threaded', { type: 'memory' });
  for (let i = 5; i < 50; i++) await stopOnce();
  const grown = (await ask('threaded', { type: 'memory' })) - settled;
  t.diagnostic(`wasm memory: ${settled} bytes after 5 stopped runs, ${grown} more after 45 more`);
  // The memory never shrinks, so a run that happens to peak higher than the first five
  // steps it up once (seen: 0.3 to 1.1 MB, the same after 90 runs as after 45). A leak
  // grows it with every run: leaving a run's objects behind grew it by 44 MB here.
  // (The native tests count the heap to the byte: crates/lab-python/tests/memory.rs.)
  assert.ok(grown <= 4 << 20, `45 stopped runs grew the memory by ${grown} bytes`);
  // Every pool thread is free again.
  await assertPoolFree();
  assert.deepEqual(page.problems, []);
});

// A stack overflow hangs the worker: the time limit turns that into a failure.
test('deep recursion is a RecursionError on the small stacks of workers', { timeout: 180_000 }, async (t) => {
  // Calls between Python functions run in one loop, off the native stack; a constructor's
  // `__init__` and a sort's key function run a level deeper on it, where the native depth
  // limit must end them before the engine's stack overflows (which hung the worker).
  const programs = {
    functions: ['def down():', '    global depth', '    depth += 1', '    down()'],
    constructors: ['class Down:', '    def __init__(self):', '        global depth',
      '        depth += 1', '        Down()', 'def down():', '    Down()'],
    'key functions': ['def down(x=0):', '    global depth', '    depth += 1',
      '    return sorted([1], key=down)'],
  };
  for (const [kind, lines] of Object.entries(programs)) {
    const src = [
      'depth = 0',
      ...lines,
      'try:',
      '    down()',
      'except RecursionError:',
      '    print(depth)',
      'down()',
      '',
    ].join('\n');
    for (const [build, type] of [['threaded', 'start'], ['threaded', 'run'], ['single', 'run']]) {
      const result = await ask(build, { type, source: src });
      assert.equal(result.exit_code, 1, `${kind}, ${build} ${type}: ${result.stderr}`);
      assert.equal(result.stderr.trimEnd().split('\n').at(-1), 'RecursionError: maximum recursion depth exceeded');
      const depth = Number(result.stdout);
      // The stack, not the limit of 1000, may end it first: it still gets deep.
      assert.ok(depth >= 100 && depth < 1000, `${kind}, ${build} ${type}: depth ${depth}`);
      t.diagnostic(`${kind}, ${build} ${type}: recursion stopped at depth ${depth}`);
    }
  }
  // The worker is still whole: a program runs after the deep ones.
  const after = await ask('threaded', { type: 'start', source: 'print(6 * 7)\n' });
  assert.equal(after.stdout, '42\n');
});

test('time.sleep sleeps at least as long as asked, in both builds', async () => {
  const src = 'import time\nt0 = time.monotonic()\ntime.sleep(0.05)\nprint(time.monotonic() - t0 >= 0.05)\n';
  for (const [build, type] of [['threaded', 'start'], ['single', 'run']]) {
    const result = await ask(build, { type, source: src });
    assert.equal(result.stdout, 'True\n', `${build}: ${result.stderr}`);
    assert.ok(result.trace.lanes[0].spans.some((s) => s.kind === 'sleep'), build);
  }
});
