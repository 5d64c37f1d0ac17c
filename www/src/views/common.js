// Helpers the extra views share: DOM building with text only (never markup), their
// stylesheet, and number formatting.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** An HTML element; string children become text nodes. */
export const el = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element; string children become text nodes. */
export const svgEl = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** Adds the views' stylesheet to the page once. */
export function useStyles() {
  if (document.querySelector('link[data-lab-views]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./views.css', import.meta.url).href;
  link.dataset.labViews = '';
  document.head.append(link);
}

export const prefersReducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Milliseconds, with a precision that suits their size: 0.355 ms, 12.4 ms, 503 ms, 1.52 s. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '?';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(ms >= 1 ? 2 : 3)} ms`;
}

/**
 * Sets a widget's `data-state` and its Run/Stop buttons (a lab widget or a runnable listing).
 * @param {HTMLElement} root @param {'idle' | 'running' | 'done' | 'error'} state
 */
export function setState(root, state) {
  const run = /** @type {HTMLButtonElement} */ (root.querySelector('[data-action=run]'));
  const stop = /** @type {HTMLButtonElement} */ (root.querySelector('[data-action=stop]'));
  const focused = document.activeElement;
  root.dataset.state = state;
  run.disabled = state === 'running';
  stop.disabled = state !== 'running';
  // A button that becomes disabled drops the focus to the page: hand it to the other one,
  // so that a keyboard user can press Stop right after Run, and Run again after.
  if (focused === run && run.disabled) stop.focus();
  else if (focused === stop && stop.disabled) run.focus();
}
