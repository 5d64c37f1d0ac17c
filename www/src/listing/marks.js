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
  // A listing's lines never wrap (it scrolls sideways instead), so each takes an equal
  // share of the code box's height: that places empty lines too, which have no text box.
  const count = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const style = getComputedStyle(code);
  const padTop = parseFloat(style.paddingTop) || 0;
  const inner = code.clientHeight - padTop - (parseFloat(style.paddingBottom) || 0);
  const height = inner / Math.max(count, 1);
  const top = code.getBoundingClientRect().top - pre.getBoundingClientRect().top - pre.clientTop + pre.scrollTop + padTop;
  for (const n of lines) {
    if (n < 1 || n > count) continue;
    const band = document.createElement('span');
    band.className = 'lab-line-mark';
    band.dataset.line = String(n);
    band.setAttribute('aria-hidden', 'true');
    band.style.top = `${top + (n - 1) * height}px`;
    band.style.height = `${height}px`;
    pre.append(band);
  }
}
