// @ts-check
// The lines of a listing that a traceback names, and marking them on the static listing
// (the book's highlighted <pre>) while it is not being edited: a tinted band behind each
// line, laid over the block so that highlight.js's markup stays as it is.

/** The lines of `listing.py` a traceback or error report names, first seen first. @param {string} report */
export function tracebackLines(report) {
  const lines = [];
  for (const m of report.matchAll(/File "listing\.py", line (\d+)/g)) lines.push(Number(m[1]));
  return [...new Set(lines)];
}

/** The text node and offset at `offset` characters into `el`'s text. @param {Node} el @param {number} offset */
function pointAt(el, offset) {
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let last = null;
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const len = node.nodeValue?.length ?? 0;
    if (offset <= len) return { node, offset };
    offset -= len;
    last = node;
  }
  return last ? { node: last, offset: last.nodeValue?.length ?? 0 } : { node: el, offset: 0 };
}

/** How many characters of `el`'s text come before `node`/`offset`. @param {Node} el @param {Node} node @param {number} offset */
export function textOffset(el, node, offset) {
  const range = document.createRange();
  range.setStart(el, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

/** The static listing's code element (mdBook's <pre><code>). @param {HTMLElement} pre */
export const codeOf = (pre) => /** @type {HTMLElement} */ (pre.querySelector('code') ?? pre);

/** Marks `lines` (1-based) of the static listing `pre`, replacing earlier marks; `[]` clears. @param {HTMLElement} pre @param {number[]} lines */
export function markStatic(pre, lines) {
  for (const old of pre.querySelectorAll('.lab-line-mark')) old.remove();
  if (!lines.length) return;
  const code = codeOf(pre);
  const text = code.textContent ?? '';
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const box = pre.getBoundingClientRect();
  const style = getComputedStyle(code);
  const lineHeight = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
  for (const n of lines) {
    if (n < 1 || n > starts.length) continue;
    const range = document.createRange();
    const from = pointAt(code, starts[n - 1]);
    const to = pointAt(code, Math.max(starts[n - 1], (starts[n] ?? text.length + 1) - 1));
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    const rect = range.getBoundingClientRect();
    const band = document.createElement('span');
    band.className = 'lab-line-mark';
    band.dataset.line = String(n);
    band.setAttribute('aria-hidden', 'true');
    band.style.top = `${rect.top - box.top - pre.clientTop + pre.scrollTop}px`;
    band.style.height = `${rect.height || lineHeight}px`;
    pre.append(band);
  }
}
