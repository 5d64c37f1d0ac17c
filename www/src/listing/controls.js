// @ts-check
// A runnable listing's settings (the selects mdbook-lab writes under "Settings"): the
// interpreter (with the GIL or free-threaded), the switch interval and the start method of
// processes. Read at Run into the run's options and its data-result; carried by the
// Embed code and a link's address (?lab=ID&gil=off&switch=1&start=fork).

/** The settings as data-result keeps them. @typedef {{ gil: boolean, switch_interval_ms: number, start_method: string }} Settings */

/** The settings' selects by name. @param {HTMLElement} root */
function fields(root) {
  const form = root.querySelector('.lab-settings .lab-controls');
  /** @type {Record<string, HTMLSelectElement>} */
  const out = {};
  for (const el of form ? form.querySelectorAll('select') : []) out[/** @type {HTMLSelectElement} */ (el).name] = /** @type {HTMLSelectElement} */ (el);
  return out;
}

/** The widget's settings now (the defaults where it has no form). @param {HTMLElement} root @returns {Settings} */
export function readSettings(root) {
  const f = fields(root);
  return {
    gil: (f.gil?.value ?? 'on') !== 'off',
    switch_interval_ms: Number(f.switch?.value ?? 5),
    start_method: f.start?.value ?? 'spawn',
  };
}

/** The options of runPython/startPython for these settings. @param {Settings} s */
export const runOptions = (s) => ({ freeThreaded: !s.gil, switchIntervalMs: s.switch_interval_ms, startMethod: s.start_method });

/**
 * The settings changed from the book's defaults, as an address's parameters (for Embed and
 * links: an address with none runs the listing as the book has it).
 * @param {HTMLElement} root @returns {[string, string][]}
 */
export function settingPairs(root) {
  return Object.values(fields(root))
    .filter((el) => !el.selectedOptions[0]?.defaultSelected)
    .map((el) => [el.name, el.value]);
}

/**
 * Puts an address's settings in the form when the address names this widget
 * (`?lab=ID`); a value the form does not offer is left out, and the settings open so
 * that a reader sees they are not the defaults.
 * @param {HTMLElement} root @param {URLSearchParams} query
 */
export function applyQuery(root, query) {
  if (query.get('lab') !== root.id) return;
  let changed = false;
  for (const [name, el] of Object.entries(fields(root))) {
    const v = query.get(name);
    if (v === null || ![...el.options].some((o) => o.value === v)) continue;
    if (el.value !== v) changed = true;
    el.value = v;
  }
  const details = /** @type {HTMLDetailsElement | null} */ (root.querySelector('.lab-settings'));
  if (changed && details) details.open = true;
}

/** Locks or unlocks the settings (a run keeps those it started with). @param {HTMLElement} root @param {boolean} running */
export function lockSettings(root, running) {
  for (const el of Object.values(fields(root))) el.disabled = running;
}

/** A short account of non-default settings for the status line ('' for the defaults). @param {Settings} s */
export function describe(s) {
  const parts = [];
  if (!s.gil) parts.push('free-threaded');
  if (s.switch_interval_ms !== 5) parts.push(`switch interval ${s.switch_interval_ms} ms`);
  if (s.start_method !== 'spawn') parts.push(`processes by ${s.start_method}`);
  return parts.join(', ');
}
