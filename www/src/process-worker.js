// One "process": a worker with its own instance of the single-threaded build and its own
// memory. Like a Python child process, it gets its input as a copy (a message) and sends
// its result back as a copy.
//
// This file does not run alone: process-scripts.js appends it, after protocol.js, to the
// single-threaded build's bindings (pkg-st/lab_wasm.js) in one module, so `initSync` and
// `runProcessTask` below are the bindings' own functions and `labMessage` is protocol.js's,
// and a worker starts without fetching anything.

const epochUs = () => (performance.timeOrigin + performance.now()) * 1000;

self.addEventListener('message', ({ data }) => {
  try {
    data = labMessage(data, ['lab:process-ping', 'lab:process-load', 'lab:process-task']);
    if (data.type === 'lab:process-ping') {
      postMessage({ type: 'lab:process-pong' }); // started: a fork server's worker is ready
    } else if (data.type === 'lab:process-load') {
      // The module is compiled already: instantiating it takes a moment, so do it at once.
      const { memory } = initSync({ module: data.module });
      postMessage({ type: 'lab:process-ready', at: epochUs(), memory_bytes: memory.buffer.byteLength });
    } else if (data.type === 'lab:process-task') {
      const received = epochUs();
      const done = runProcessTask(data.params, data.task);
      postMessage({ type: 'lab:process-done', task: data.task, received, ...done });
    }
  } catch (e) {
    postMessage({ type: 'lab:process-error', message: String(e && e.message ? e.message : e) });
  }
});
