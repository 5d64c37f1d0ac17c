// One "process": a worker with its own instance of the single-threaded build and its own
// memory. Like a Python child process, it gets its input as a copy (a message) and sends
// its result back as a copy. It starts from a blob of this file and imports the
// bindings from a blob too (see process-scripts.js).

const epochUs = () => (performance.timeOrigin + performance.now()) * 1000;
let lab = null;

self.addEventListener('message', async ({ data }) => {
  if (!data || typeof data.type !== 'string' || !data.type.startsWith('lab:')) return;
  try {
    if (data.type === 'lab:process-load') {
      lab = await import(data.glue);
      const { memory } = await lab.default({ module_or_path: data.module });
      postMessage({ type: 'lab:process-ready', at: epochUs(), memory_bytes: memory.buffer.byteLength });
    } else if (data.type === 'lab:process-task') {
      const received = epochUs();
      const done = lab.runProcessTask(data.params, data.task);
      postMessage({ type: 'lab:process-done', task: data.task, received, ...done });
    }
  } catch (e) {
    postMessage({ type: 'lab:process-error', message: String(e && e.message ? e.message : e) });
  }
});
