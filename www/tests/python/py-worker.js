// A worker for python.test.js: loads one build of the bindings and runs the lab's Python
// as the test asks (`runPython` on this worker, or `startPython` on the pool, stopped
// once it has printed `stopOnOutput` if asked), and says how big its wasm memory is. The
// builds run compiled code: the source is compiled first by the compiler module (pkg-pyc),
// as the book does for an edited listing.

let lab = null;
/** The module's exports (its memory among them). */
let wasm = null;
let compiler = null;

/** The source's compiled code (or throws the syntax error's report). */
function compile(source, options) {
  const r = compiler.compilePython(source, options?.filename ?? 'main.py');
  if (r.error !== undefined) throw new Error(r.error);
  return r.code;
}

const answer = (id, body) => postMessage({ id, ...body });

self.onmessage = async ({ data }) => {
  const { id } = data;
  try {
    if (data.type === 'load') {
      lab = await import(data.threaded ? './pkg/lab_wasm.js' : './pkg-st/lab_wasm.js');
      wasm = await lab.default();
      compiler = await import('./pkg-pyc/lab_pyc.js');
      await compiler.default();
      if (data.threaded) await lab.initThreadPool(data.threads);
      answer(id, { result: { threaded: lab.isThreaded(), isolated: self.crossOriginIsolated } });
    } else if (data.type === 'memory') {
      answer(id, { result: wasm.memory.buffer.byteLength });
    } else if (data.type === 'run') {
      answer(id, { result: lab.runPython(data.source, compile(data.source, data.options), data.options) });
    } else if (data.type === 'start') {
      const run = lab.startPython(data.source, compile(data.source, data.options), data.options);
      let stopping = false;
      const timer = setInterval(() => {
        try {
          if (data.stopOnOutput !== undefined && !stopping && run.output().includes(data.stopOnOutput)) {
            stopping = true;
            run.stop();
          }
          const result = run.poll();
          if (result === null) return;
          clearInterval(timer);
          run.free();
          answer(id, { result });
        } catch (e) {
          clearInterval(timer);
          answer(id, { error: String(e) });
        }
      }, 20);
    }
  } catch (e) {
    answer(id, { error: String(e) });
  }
};
