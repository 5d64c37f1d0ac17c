// @ts-check
// The listings' editor, bundled with CodeMirror 6 into one ES module
// (www/src/listing/codemirror.js, see build.js) that www/src/listing/editor.js loads on a
// reader's first edit. Its API is typed for the page's scripts in
// www/src/listing/codemirror.d.ts: keep the two in step.

import { EditorState, Prec, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, drawSelection, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { LanguageSupport, bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { pythonLanguage } from '@codemirror/lang-python';
import { tagHighlighter, tags as t } from '@lezer/highlight';

// Tokens get highlight.js's class names, so that mdBook's own highlight themes (one for
// light and rust, one for coal and navy, one for ayu) colour the editor exactly as they
// colour the static listing it replaces.
const hljsClasses = tagHighlighter([
  { tag: t.keyword, class: 'hljs-keyword' },
  { tag: [t.string, t.special(t.string), t.docString], class: 'hljs-string' },
  { tag: [t.number, t.bool, t.null], class: 'hljs-number' },
  { tag: t.comment, class: 'hljs-comment' },
  { tag: [t.function(t.definition(t.variableName)), t.definition(t.className)], class: 'hljs-title' },
  { tag: t.meta, class: 'hljs-meta' },
  { tag: t.standard(t.variableName), class: 'hljs-built_in' },
]);

// Colours come from mdBook's variables and the highlight theme's `.hljs` box (the editor
// sits in one), so all five themes need nothing of their own.
const theme = EditorView.theme({
  '&': { color: 'inherit', backgroundColor: 'transparent', fontSize: 'inherit' },
  '.cm-scroller': { fontFamily: 'var(--mono-font, monospace)', lineHeight: 'inherit' },
  '.cm-content': { caretColor: 'var(--fg)', padding: '0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)', borderLeftWidth: '2px' },
  '&.cm-focused': { outline: '3px solid var(--links)', outlineOffset: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground':
    { backgroundColor: 'color-mix(in srgb, var(--links) 35%, transparent)' },
  '.cm-gutters': { backgroundColor: 'transparent', color: 'inherit', border: 'none', paddingRight: '0.6em' },
  '.cm-lineNumbers .cm-gutterElement': { opacity: '0.8', padding: '0 0.3em 0 0' },
  '.cm-line': { padding: '0' },
  '.cm-matchingBracket': { outline: '1px solid currentColor', backgroundColor: 'transparent' },
  // A line a traceback names: a tinted band and a bar, and its line number in bold.
  '.lab-line-error': { backgroundColor: 'rgba(213, 94, 0, 0.16)', boxShadow: 'inset 4px 0 #d55e00' },
});

/** Replaces the marked lines (1-based). @type {import('@codemirror/state').StateEffectType<number[]>} */
const setMarks = StateEffect.define();

/** The lines a traceback named, until the next change of the text. */
const marks = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setMarks)) return lineDecorations(tr.state, e.value);
    return tr.docChanged ? Decoration.none : deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** @param {EditorState} state @param {number[]} lines */
function lineDecorations(state, lines) {
  /** @type {RangeSetBuilder<Decoration>} */
  const b = new RangeSetBuilder();
  for (const n of [...new Set(lines)].sort((x, y) => x - y)) {
    if (n < 1 || n > state.doc.lines) continue;
    const line = state.doc.line(n);
    b.add(line.from, line.from, Decoration.line({ class: 'lab-line-error', attributes: { 'data-line': String(n) } }));
  }
  return b.finish();
}

/**
 * An editor for a Python listing in `parent`.
 * @param {{ parent: HTMLElement, doc: string, label: string, describedBy?: string,
 *   onRun: () => void, onChange: (text: string) => void }} options
 */
export function createEditor({ parent, doc, label, describedBy, onRun, onChange }) {
  const attrs = /** @type {Record<string, string>} */ ({ 'aria-label': label });
  if (describedBy) attrs['aria-describedby'] = describedBy;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        // Long lines wrap: no box that scrolls sideways (a phone's width, and a scrolling
        // region a keyboard could not reach).
        EditorView.lineWrapping,
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        EditorState.tabSize.of(4),
        indentUnit.of('    '),
        // Python's grammar and indentation, without lang-python's completion (which would
        // bring @codemirror/autocomplete into the bundle for little use here).
        new LanguageSupport(pythonLanguage),
        syntaxHighlighting(hljsClasses),
        theme,
        marks,
        EditorView.contentAttributes.of(attrs),
        // Ctrl/Cmd-Enter runs, before the default keymap's own use of it.
        Prec.highest(keymap.of([{ key: 'Mod-Enter', run: () => { onRun(); return true; } }])),
        // Tab indents; CodeMirror lets Escape then Tab (or Shift-Tab) move focus on.
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    /** @param {string} text */
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** @param {number[]} lines */
    mark(lines) { view.dispatch({ effects: setMarks.of(lines) }); },
    /** @param {number} [pos] */
    focus(pos) {
      if (pos !== undefined) view.dispatch({ selection: { anchor: Math.min(pos, view.state.doc.length) }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
