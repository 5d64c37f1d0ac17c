// What a process worker starts from: the text of process-worker.js and of the
// single-threaded build's bindings, read once and kept as blob URLs. Starting a process
// then costs a worker and an instance, not two more requests to the server each time
// (which is what a Python child pays too: its interpreter is already on the machine).

const here = new URL('.', import.meta.url);

async function text(path) {
  const response = await fetch(new URL(path, here));
  if (!response.ok) throw new Error(`could not load ${path} (HTTP ${response.status})`);
  return response.text();
}

const blobUrl = (source) => URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));

/** `{ worker, glue }`: start a worker from `worker`, and send it `glue` to import. */
export async function loadProcessScripts() {
  const [worker, glue] = await Promise.all([text('process-worker.js'), text('pkg-st/lab_wasm.js')]);
  return { worker: blobUrl(worker), glue: blobUrl(glue) };
}
