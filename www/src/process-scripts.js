// The script a process worker starts from: the single-threaded build's bindings with
// protocol.js and process-worker.js appended, read once and kept as a blob URL. Starting a process then
// costs a worker and an instance, not requests to the server (a Python child does not
// fetch its interpreter either: it is already on the machine).

const here = new URL('.', import.meta.url);

async function text(path) {
  const response = await fetch(new URL(path, here));
  if (!response.ok) throw new Error(`could not load ${path} (HTTP ${response.status})`);
  return response.text();
}

/** A blob URL to start process workers from (`new Worker(url, { type: 'module' })`). */
export async function loadProcessScript() {
  const [bindings, protocol, worker] = await Promise.all(
    ['pkg-st/lab_wasm.js', 'protocol.js', 'process-worker.js'].map(text),
  );
  return URL.createObjectURL(new Blob([bindings, '\n', protocol, '\n', worker], { type: 'text/javascript' }));
}
