// @ts-check
// Editing a runnable listing in place. The book's listing stays its static, highlighted
// <pre> (what print and readers without JavaScript get) until the reader presses Edit or
// clicks into the code; only then is the editor (CodeMirror, in ./codemirror.js, built by
// www/editor/build.js) downloaded, and it takes the listing's place. Run runs the edited
// text, Reset brings back the book's version, Copy link copies a link that carries the
// program (./link.js), and the lines a traceback names are marked until the next edit or
// run (./marks.js).

import { decodeProgram, isStandalone, linkedProgramData, LinkError, programLink } from './link.js';
import { codeOf, markStatic, textOffset, tracebackLines } from './marks.js';

/** @typedef {import('./codemirror.js').ListingEditor} ListingEditor */

/**
 * One listing's editing state.
 * @typedef {{ pre: HTMLElement | null, editor: ListingEditor | null,
 *   opening: Promise<ListingEditor> | null, marked: number[], run: () => void,
 *   check: (source: string) => Promise<string | null> }} Edit
 */

/** @type {WeakMap<HTMLElement, Edit>} */
const edits = new WeakMap();

/** The editor bundle, requested on the first edit of the page and never before. */
/** @type {Promise<typeof import('./codemirror.js')> | null} */
let bundle = null;

const $ = (/** @type {ParentNode} */ root, /** @type {string} */ sel) => /** @type {any} */ (root.querySelector(sel));

/** @param {string} action @param {string} label */
function button(action, label) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.action = action;
  b.textContent = label;
  return b;
}

/** The program Run runs: the edited text while the listing is edited, else the book's. @param {HTMLElement} root */
export function programOf(root) {
  return edits.get(root)?.editor?.text() ?? root.dataset.source ?? '';
}

/** Clears the lines a traceback marked (a run starts). @param {HTMLElement} root */
export function clearMarks(root) {
  const s = edits.get(root);
  if (!s) return;
  s.marked = [];
  s.editor?.mark([]);
  if (s.pre) markStatic(s.pre, []);
}

/** Marks the listing's lines that `report` (a traceback) names. @param {HTMLElement} root @param {string} report */
export function markTraceback(root, report) {
  const s = edits.get(root);
  if (!s) return;
  s.marked = tracebackLines(report);
  if (s.editor) s.editor.mark(s.marked);
  else if (s.pre) markStatic(s.pre, s.marked);
}

/** The book's version of the program (the page's markup has it). @param {HTMLElement} root */
const bookOf = (root) => root.dataset.source ?? '';

/** Enables Reset when the program differs from the book's. @param {HTMLElement} root */
function changed(root) {
  const s = edits.get(root);
  if (!s) return;
  $(root, '[data-action=reset]').disabled = programOf(root) === bookOf(root);
}

/**
 * Shows the editor in place of the static listing (downloading it the first time), with
 * `text` if given.
 * @param {HTMLElement} root @param {{ text?: string, pos?: number, focus?: boolean }} [how]
 */
async function open(root, { text, pos, focus = true } = {}) {
  const s = /** @type {Edit} */ (edits.get(root));
  const status = $(root, '.lab-status');
  const first = text ?? bookOf(root); // a link's program starts the editor's history
  s.opening ??= (async () => {
    const said = status.textContent;
    status.textContent = 'Loading the editor...';
    try {
      bundle ??= import('./codemirror.js');
      const { createEditor } = await bundle;
      // The bundle's evaluation and the editor's mount would otherwise share one task,
      // together over 50 ms: the page gets a turn between them.
      await new Promise((r) => setTimeout(r, 0));
      const box = document.createElement('div');
      box.className = 'lab-editor';
      // mdBook's page-wide shortcuts (arrows change chapter, S and / open the search, ?
      // the help) ignore only input, select and textarea: keys typed here stay here.
      box.addEventListener('keydown', (e) => e.stopPropagation());
      if (s.pre) s.pre.after(box);
      else root.before(box);
      const editor = createEditor({
        parent: box,
        doc: first,
        label: 'Python program, editable',
        describedBy: `${root.id}-editor-hint`,
        onRun: () => s.run(),
        onChange: () => changed(root),
      });
      if (s.pre) {
        markStatic(s.pre, []);
        s.pre.hidden = true; // kept for print (lab.css), and as the book's version
      }
      editor.mark(s.marked); // the last run's marks move over, until the first edit
      s.editor = editor;
      root.dataset.editing = 'true';
      $(root, '[data-action=edit]').hidden = true;
      if (status.textContent === 'Loading the editor...') status.textContent = said;
      return editor;
    } catch (e) {
      bundle = null; // a later Edit tries again (the network may be back)
      s.opening = null;
      status.textContent = `The editor could not be loaded (${e instanceof Error ? e.message : e}); the listing still runs as the book has it.`;
      throw e;
    }
  })();
  const editor = await s.opening;
  if (text !== undefined && text !== editor.text()) editor.setText(text);
  changed(root);
  if (focus) editor.focus(pos);
  return editor;
}

/** Back to the book's version of the program. @param {HTMLElement} root */
function reset(root) {
  const s = edits.get(root);
  if (!s?.editor) return;
  s.editor.setText(bookOf(root));
  s.editor.mark([]);
  root.querySelector('.lab-link-note')?.remove();
  changed(root);
  s.editor.focus(); // the focused Reset button has just been disabled
}

/** Copies a link that opens this listing with its program as it is now. @param {HTMLElement} root */
async function copyLink(root) {
  const status = $(root, '.lab-status');
  const url = await programLink(root, programOf(root));
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = 'Link copied: it opens this listing with the program as it is now, ready to run.';
  } catch {
    status.textContent = `Link: ${url}`;
  }
}

/** Where a click in the static listing falls, as an offset in its text, if known. @param {HTMLElement} code @param {MouseEvent} e */
function clickOffset(code, e) {
  const doc = /** @type {any} */ (document);
  const at = doc.caretPositionFromPoint?.(e.clientX, e.clientY);
  if (at && code.contains(at.offsetNode)) return textOffset(code, at.offsetNode, at.offset);
  const range = doc.caretRangeFromPoint?.(e.clientX, e.clientY);
  if (range && code.contains(range.startContainer)) return textOffset(code, range.startContainer, range.startOffset);
  return undefined;
}

/** Opens the program a link carries: in the editor, with a note, checked by the compiler. @param {HTMLElement} root @param {string} data */
async function openLinked(root, data) {
  const s = /** @type {Edit} */ (edits.get(root));
  let text;
  try {
    text = await decodeProgram(data);
  } catch (e) {
    const error = $(root, '.lab-error');
    const why = e instanceof LinkError ? e.message : String(e);
    error.textContent = `This link's program could not be opened: ${why}. ${isStandalone(root) ? 'The starter program' : 'The book\'s version'} is shown instead.`;
    error.hidden = false;
    root.dataset.linked = 'failed';
    return;
  }
  const editor = await open(root, { text, focus: false });
  // The link names the widget; the program it brought sits just above it.
  root.previousElementSibling?.scrollIntoView({ block: 'start' });
  const note = document.createElement('p');
  note.className = 'lab-link-note';
  note.setAttribute('role', 'note');
  note.textContent = `This program came from a link. It runs only when you press Run; Reset brings back ${isStandalone(root) ? 'the starter program' : 'the book\'s version'}.`;
  $(root, '.lab-buttons').before(note);
  const status = $(root, '.lab-status');
  status.textContent = 'Checking the program...';
  let report = null;
  try {
    report = await s.check(text);
    status.textContent = 'Press Run to run this program in your browser.';
  } catch (e) {
    status.textContent = `The program could not be checked (${e instanceof Error ? e.message : e}); Run will say if it does not compile.`;
  }
  if (report) {
    const lines = tracebackLines(report);
    const out = $(root, '.lab-output');
    out.textContent = report;
    out.hidden = false;
    status.textContent = `This program does not compile${lines.length ? ` (line ${lines.join(', ')}, marked)` : ''}: the error is below.`;
    editor.mark(lines);
  }
  root.dataset.linked = report ? 'invalid' : 'ready';
}

/**
 * Adds editing to a mounted listing widget: Edit, Reset and Copy link in its buttons, a
 * hint for keyboard users, and a link's program if the address carries one.
 * `run` runs the listing; `check` compiles a program without running it.
 * @param {HTMLElement} root
 * @param {{ run: () => void, check: (source: string) => Promise<string | null> }} how
 */
export function mountEditing(root, { run, check }) {
  const prev = root.previousElementSibling;
  const pre = prev instanceof HTMLElement && prev.tagName === 'PRE' ? prev : null;
  /** @type {Edit} */
  const s = { pre, editor: null, opening: null, marked: [], run, check };
  edits.set(root, s);
  const edit = button('edit', 'Edit');
  edit.setAttribute('aria-label', 'Edit the listing');
  const resetButton = button('reset', 'Reset');
  resetButton.setAttribute('aria-label', `Reset the listing to ${isStandalone(root) ? 'the starter program' : 'the book\'s version'}`);
  resetButton.disabled = true;
  const link = button('link', 'Copy link');
  link.setAttribute('aria-label', 'Copy link: a link to this listing with its program as it is now');
  $(root, '[data-action=stop]').after(edit, resetButton, link);
  const hint = document.createElement('p');
  hint.id = `${root.id}-editor-hint`;
  hint.className = 'lab-visually-hidden';
  hint.textContent = 'Tab indents and Shift+Tab unindents. To leave the editor with the keyboard, press Escape, then Tab (within two seconds). '
    + 'Ctrl+Enter (Cmd+Enter on a Mac) runs the program.';
  root.append(hint);

  const fail = () => {}; // open() has said why in the widget
  edit.addEventListener('click', () => open(root).catch(fail));
  resetButton.addEventListener('click', () => reset(root));
  link.addEventListener('click', () => copyLink(root));
  if (pre) {
    pre.classList.add('lab-editable');
    pre.addEventListener('click', (e) => {
      // Selecting text to copy it, or mdBook's own buttons in the block, is not editing.
      if (!getSelection()?.isCollapsed || (e.target instanceof Element && e.target.closest('.buttons'))) return;
      open(root, { pos: clickOffset(codeOf(pre), e) }).catch(fail);
    });
  }
  const data = linkedProgramData(root);
  if (data !== null) openLinked(root, data).catch(fail);
  // The standalone lab page is for writing programs: its editor is there from the start.
  else if (isStandalone(root)) open(root, { focus: false }).catch(fail);
}
