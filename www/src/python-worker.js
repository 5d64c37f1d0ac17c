// @ts-check
// Runs a book listing with the lab's Python, started by listing.js only when a reader
// presses Run. It loads the build with Python (lab/pkg-py, threaded, where the page is
// cross-origin isolated; else lab/pkg-py-st), which the rest of the site never downloads.
// Messages in: {type: 'run', source, threaded, threads, options} (options of runPython) and
// {type: 'stop'}. Out:
// {type: 'output', stdout, lines} while a threaded run goes on (lines: the completed lines
// since the last message, each {who, stream, text}), then {type: 'done', result} or
// {type: 'failed', message}. Also {type: 'check', source, threaded, threads}, which
// compiles a program without running it (a program opened from a link): out
// {type: 'checked', report} (CPython's report of the error, or null) or {type: 'checked', failed}.

/** @type {any} */
let lab = null;
/** The threaded run going on, if any (the single-threaded build cannot be reached mid-run). */
/** @type {any} */
let current = null;

const post = (/** @type {object} */ body) => postMessage(body);

/** Loads the build once. @param {boolean} threaded @param {number} threads */
async function load(threaded, threads) {
  if (lab) return;
  const url = new URL(threaded ? './pkg-py/lab_wasm.js' : './pkg-py-st/lab_wasm.js', import.meta.url);
  const mod = await import(url.href);
  await mod.default();
  if (threaded) await mod.initThreadPool(threads);
  lab = mod;
}

/**
 * What a reader wants from the trace: for each lane (a Python thread), the time it ran,
 * waited for the GIL and was blocked (sleeping, on a lock, a queue, a join...).
 * @param {any} trace
 */
function summarise(trace) {
  const lanes = (trace?.lanes ?? []).map((/** @type {any} */ lane) => {
    const sums = { running_ms: 0, gil_ms: 0, blocked_ms: 0 };
    for (const s of lane.spans) {
      const d = s.end_ms - s.start_ms;
      // `native`: computing with the GIL released (hashlib), which is running too.
      if (s.kind === 'running' || s.kind === 'native') sums.running_ms += d;
      else if (s.kind === 'gil') sums.gil_ms += d;
      else sums.blocked_ms += d;
    }
    return { name: lane.name, thread: lane.thread, ...sums };
  });
  return { gil: Boolean(trace?.gil), handoffs: trace?.handoffs ?? 0, lanes };
}

/**
 * Each output line with who wrote it: a child process or subinterpreter by its name, a
 * thread by its `threading` name.
 * @param {any} trace
 */
function linesOf(trace) {
  const lanes = trace?.lanes ?? [];
  return (trace?.output ?? []).map((/** @type {any} */ l) => ({
    who: l.process ?? lanes[l.lane]?.name ?? 'MainThread',
    stream: l.stream,
    text: l.text,
  }));
}

/** The finished run as the page shows it (the spans stay here: only their sums go). */
function finished(/** @type {any} */ r) {
  const summary = summarise(r.trace);
  return {
    stdout: r.stdout,
    stderr: r.stderr,
    exit_code: r.exit_code,
    stopped: r.stopped,
    wall_ms: r.wall_ms,
    threads: summary.lanes.length,
    summary,
    timeline: r.timeline,
    lines: linesOf(r.trace),
  };
}

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'stop') {
      current?.stop();
      return;
    }
    if (data.type === 'check') {
      try {
        await load(data.threaded, data.threads);
        post({ type: 'checked', report: lab.checkPython(data.source, 'listing.py') ?? null });
      } catch (e) {
        post({ type: 'checked', failed: String(e) });
      }
      return;
    }
    if (data.type !== 'run') return;
    await load(data.threaded, data.threads);
    if (!lab.isThreaded()) {
      post({ type: 'done', result: finished(lab.runPython(data.source, { ...data.options, filename: 'listing.py' })) });
      return;
    }
    const run = lab.startPython(data.source, { ...data.options, filename: 'listing.py' });
    current = run;
    let shown = '';
    let sent = 0;
    const timer = setInterval(() => {
      try {
        const out = run.output();
        const lines = run.lines(sent);
        if (out !== shown || lines.length) {
          shown = out;
          sent += lines.length;
          post({ type: 'output', stdout: out, lines });
        }
        const result = run.poll();
        if (result === null) return;
        clearInterval(timer);
        current = null;
        run.free();
        post({ type: 'done', result: finished(result) });
      } catch (e) {
        clearInterval(timer);
        current = null;
        post({ type: 'failed', message: String(e) });
      }
    }, 50);
  } catch (e) {
    post({ type: 'failed', message: String(e) });
  }
};
