// @ts-check
// The messages between the page, the compute worker and the process workers: every type
// and its payload named once, and checked when received, so that a wrong message is an
// error that says which one, never a silent mismatch. Shapes that Rust makes (plans,
// parameters, runs, figures) are typed where they are made: the bindings' own `.d.ts`
// says which call returns them, and the core's serde types say what is inside.
//
// process-scripts.js appends this file to a process worker's script too, so its names
// must not clash with the bindings' (hence the `lab`/`Lab` prefixes).

/**
 * What a tab's workers have measured of the machine, handed from page to page (engine.js keeps
 * it in sessionStorage) so that a page's first prediction starts from it: the loop timings in
 * nanoseconds an iteration, oldest first, and each start method's median process start.
 * @typedef {{ us: number, together: number }} ProcessStart
 * @typedef {{ loop_ns: number[], process_starts: { spawn: ProcessStart, forkserver: ProcessStart } }} Measured
 *
 * Page -> compute worker.
 * @typedef {{ type: 'lab:load', module: WebAssembly.Module, single: WebAssembly.Module, wantThreads: boolean, threads: number, measured: Measured | null }} LoadMessage
 * @typedef {{ type: 'lab:validate', id: number, experiment: string, settings: Record<string, string> }} ValidateMessage
 * @typedef {{ type: 'lab:run', id: number, experiment: string, settings: Record<string, string> }} RunMessage
 *
 * Compute worker -> page.
 * @typedef {{ type: 'lab:loaded', threaded: boolean, poolSize: number, isolated: boolean, models: object[] }} LoadedMessage
 * @typedef {{ type: 'lab:validated', id: number, params: Record<string, unknown> }} ValidatedMessage
 * @typedef {{ type: 'lab:progress', id: number, label: string, fraction: number, html: string }} ProgressMessage
 * @typedef {{ type: 'lab:done', id: number, figure: { html: string, rows: object[] }, report: object | null, beside: { table: string, predicted_ms: number[] } | null, expected: number | null, measured?: Measured }} DoneMessage
 * @typedef {{ type: 'lab:need-pool', id: number, threads: number }} NeedPoolMessage
 * @typedef {{ type: 'lab:error', id?: number, message: string, broken: boolean }} ErrorMessage
 *
 * Compute worker <-> process worker.
 * @typedef {{ type: 'lab:process-ping' }} ProcessPingMessage
 * @typedef {{ type: 'lab:process-pong' }} ProcessPongMessage
 * @typedef {{ type: 'lab:process-load', module: WebAssembly.Module }} ProcessLoadMessage
 * @typedef {{ type: 'lab:process-ready', at: number, memory_bytes: number }} ProcessReadyMessage
 * @typedef {{ type: 'lab:process-task', params: object, task: number }} ProcessTaskMessage
 * @typedef {{ type: 'lab:process-done', task: number, received: number, result: number, work_start_us: number, work_end_us: number, spans: object[] }} ProcessDoneMessage
 * @typedef {{ type: 'lab:process-error', message: string }} ProcessErrorMessage
 *
 * Pool worker -> compute worker (pool-watch.js: a pool thread ended without a panic).
 * @typedef {{ type: 'lab:pool-trap', message: string }} PoolTrapMessage
 *
 * @typedef {LoadMessage | ValidateMessage | RunMessage | LoadedMessage | ValidatedMessage | ProgressMessage | DoneMessage | NeedPoolMessage | ErrorMessage | ProcessPingMessage | ProcessPongMessage | ProcessLoadMessage | ProcessReadyMessage | ProcessTaskMessage | ProcessDoneMessage | ProcessErrorMessage | PoolTrapMessage} LabMessage
 */

/** Every message type with the fields it must carry. */
export const LAB_MESSAGES = Object.freeze({
  'lab:load': ['module', 'single', 'wantThreads', 'threads', 'measured'],
  'lab:validate': ['id', 'experiment', 'settings'],
  'lab:run': ['id', 'experiment', 'settings'],
  'lab:loaded': ['threaded', 'poolSize', 'isolated', 'models'],
  'lab:validated': ['id', 'params'],
  'lab:progress': ['id', 'label', 'fraction', 'html'],
  'lab:done': ['id', 'figure'],
  'lab:need-pool': ['id', 'threads'],
  'lab:error': ['message'],
  'lab:process-ping': [],
  'lab:process-pong': [],
  'lab:process-load': ['module'],
  'lab:process-ready': ['at', 'memory_bytes'],
  'lab:process-task': ['params', 'task'],
  'lab:process-done': ['task', 'received', 'result', 'work_start_us', 'work_end_us', 'spans'],
  'lab:process-error': ['message'],
  'lab:pool-trap': ['message'],
});

/** A message that is not one of ours, or not the one expected here. */
export class LabMessageError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'LabMessageError';
  }
}

/** A run ended by the reader's Stop (or by the page replacing its worker): not a failure. */
export class LabStoppedError extends Error {
  constructor() {
    super('stopped');
    this.name = 'LabStoppedError';
  }
}

/** Whether `data` claims to be one of our messages (others, e.g. from extensions, are ignored). */
export const isLabMessage = (/** @type {unknown} */ data) =>
  typeof data === 'object' && data !== null && typeof (/** @type {{type?: unknown}} */ (data).type) === 'string'
  && /** @type {{type: string}} */ (data).type.startsWith('lab:');

/**
 * Checks a received message: one of `expected` types, with every field its type needs.
 * @param {unknown} data
 * @param {readonly (keyof typeof LAB_MESSAGES)[]} expected
 * @returns {LabMessage}
 */
export function labMessage(data, expected) {
  if (!isLabMessage(data)) throw new LabMessageError(`not a lab message: ${String(data)}`);
  const msg = /** @type {{type: string} & Record<string, unknown>} */ (data);
  const type = /** @type {keyof typeof LAB_MESSAGES} */ (msg.type);
  if (!expected.includes(type)) {
    throw new LabMessageError(`unexpected message ${msg.type}: expected ${expected.join(' or ')}`);
  }
  const missing = LAB_MESSAGES[type].filter((field) => !(field in msg));
  if (missing.length) throw new LabMessageError(`message ${type} lacks ${missing.join(', ')}`);
  return /** @type {LabMessage} */ (/** @type {unknown} */ (msg));
}
