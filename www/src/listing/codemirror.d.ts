// Types of codemirror.js, the editor bundle that www/editor/build.js generates from
// www/editor/editor.js (not committed): what the page's scripts may call.

/** One listing's editor. */
export interface ListingEditor {
  /** The program as edited now. */
  text(): string;
  /** Replaces the whole program. */
  setText(text: string): void;
  /** Marks these lines (1-based) until the text next changes; `[]` clears. */
  mark(lines: number[]): void;
  /** Focuses the editor, with the cursor at `pos` (an offset in the text) if given. */
  focus(pos?: number): void;
  destroy(): void;
}

export function createEditor(options: {
  parent: HTMLElement;
  doc: string;
  label: string;
  describedBy?: string;
  onRun: () => void;
  onChange: (text: string) => void;
}): ListingEditor;
