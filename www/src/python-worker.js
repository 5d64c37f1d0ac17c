// @ts-check
// Runs a book listing with the lab's Python, started by listing.js only when a reader
// presses Run. It loads the build with Python (lab/pkg-py, threaded, where the page is
// cross-origin isolated; else lab/pkg-py-st), which the rest of the site never downloads.
// Those builds have no parser: they run code compiled ahead of time. A book listing comes
// with its code (compiled by the book's build); an edited one is compiled here by the
// compiler module (lab/pkg-pyc), fetched on the first edited run only.
// Messages in: {type: 'load', threaded, threads} (load the build and start its threads
// ahead of a Run; out: {type: 'loaded'} once ready), {type: 'run', source, code?,
// threaded, threads, options} (code: base64; options of runPython) and {type: 'stop'}. Out:
// {type: 'output', stdout, lines} while a threaded run goes on (lines: the completed lines
// since the last message, each {who, stream, text}), then {type: 'done', result} or
// {type: 'failed', message}. Also {type: 'check', source}, which compiles a program
// without running it (a program opened from a link), with the compiler module: out
// {type: 'checked', report} (CPython's report of the error, or null) or {type: 'checked', failed}.

/** @type {any} */
let lab = null;
/** The build loading, once: a Run may come while a `load` message's loading goes on. */
/** @type {Promise<void> | null} */
let loading = null;
/** The threaded run going on, if any (the single-threaded build cannot be reached mid-run). */
/** @type {any} */
let current = null;

const post = (/** @type {object} */ body) => postMessage(body);

/** Loads the build once. @param {boolean} threaded @param {number} threads */
function load(threaded, threads) {
  loading ??= (async () => {
    const url = new URL(threaded ? './pkg-py/lab_wasm.js' : './pkg-py-st/lab_wasm.js', import.meta.url);
    const mod = await import(url.href);
    await mod.default();
    // Most of a first Run's wait: every thread of the pool loads the module.
    if (threaded) await mod.initThreadPool(threads);
    lab = mod;
    post({ type: 'loaded' });
  })();
  return loading;
}

/** The compiler module, loaded on the first edited listing. @type {any} */
let compiler = null;

/** @param {string} text base64 @returns {Uint8Array} */
function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * The program's compiled code: the book's, or the source compiled now. A syntax error
 * comes back as the report CPython prints, for the run's stderr.
 * @param {string} source @param {string | undefined} code
 * @returns {Promise<{code: Uint8Array} | {error: string}>}
 */
async function compiled(source, code) {
  if (code) return { code: fromBase64(code) };
  if (!compiler) {
    const mod = await import(new URL('./pkg-pyc/lab_pyc.js', import.meta.url).href);
    await mod.default();
    compiler = mod;
  }
  return compiler.compilePython(source, 'listing.py');
}

/** A run that ended before it started: the source does not compile. @param {string} stderr */
const notCompiled = (stderr) => ({ stdout: '', stderr, exit_code: 1, stopped: false, wall_ms: 0, trace: null, timeline: '' });

/**
 * What a reader wants from the trace: for each lane (a Python thread, the program's or a
 * child process's or subinterpreter's), the time it ran,
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
      // A child process's start is none of the three (the timeline draws it).
      else if (s.kind !== 'starting') sums.blocked_ms += d;
    }
    // A child process's or subinterpreter's thread says whose it is.
    return { name: lane.name, thread: lane.thread, ...(lane.process ? { process: lane.process } : {}), ...sums };
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
    if (data.type === 'load') {
      // A failure here is reported by the Run that waits for the same loading.
      load(data.threaded, data.threads).catch(() => {});
      return;
    }
    if (data.type === 'check') {
      try {
        const program = await compiled(data.source, undefined);
        post({ type: 'checked', report: 'error' in program ? program.error : null });
      } catch (e) {
        post({ type: 'checked', failed: String(e) });
      }
      return;
    }
    if (data.type !== 'run') return;
    const [program] = await Promise.all([compiled(data.source, data.code), load(data.threaded, data.threads)]);
    if ('error' in program) {
      post({ type: 'done', result: finished(notCompiled(program.error)) });
      return;
    }
    const options = { ...data.options, filename: 'listing.py' };
    if (!lab.isThreaded()) {
      post({ type: 'done', result: finished(lab.runPython(data.source, program.code, options)) });
      return;
    }
    const run = lab.startPython(data.source, program.code, options);
    current = run;
    let shown = '';
    let sent = 0;
    // Soon after the start, then every 50 ms: a program's first line shows without
    // waiting a whole interval, and a long run is not polled more than it needs.
    let delay = 4;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const poll = () => {
      delay = Math.min(50, delay * 2);
      timer = setTimeout(check, delay);
    };
    const check = () => {
      try {
        const out = run.output();
        const lines = run.lines(sent);
        if (out !== shown || lines.length) {
          shown = out;
          sent += lines.length;
          post({ type: 'output', stdout: out, lines });
        }
        const result = run.poll();
        if (result === null) return poll();
        current = null;
        run.free();
        post({ type: 'done', result: finished(result) });
      } catch (e) {
        clearTimeout(timer);
        current = null;
        post({ type: 'failed', message: String(e) });
      }
    };
    poll();
  } catch (e) {
    post({ type: 'failed', message: String(e) });
  }
};
