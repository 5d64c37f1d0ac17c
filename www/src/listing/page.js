// @ts-check
// The standalone Python lab (lab/python.html): dresses the page in the book's styles and
// the reader's mdBook theme (taken from the book's first page, whose stylesheet names
// carry content hashes), then mounts its one listing widget (listing.js), which opens
// the program of a `?program=` link or the starter program in the editor.

import { mountListing } from '../listing.js';

const BOOK = new URL('../../', import.meta.url); // this script sits in the book's lab/listing/
const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];
// mdBook turns one of its three highlight sheets on for each theme.
const HIGHLIGHT = { light: 'highlight', rust: 'highlight', coal: 'tomorrow-night', navy: 'tomorrow-night', ayu: 'ayu-highlight' };

/** The theme the book shows this reader: the one chosen in the book, else its default. @param {Document} book */
function themeOf(book) {
  let chosen = null;
  try {
    chosen = localStorage.getItem('mdbook-theme')?.replace(/^"(.*)"$/, '$1') ?? null;
  } catch { /* storage blocked: the default */ }
  if (chosen && THEMES.includes(chosen)) return chosen;
  const script = [...book.scripts].map((s) => s.textContent ?? '').join('\n');
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const found = script.match(dark ? /default_dark_theme = "(\w+)"/ : /default_light_theme = "(\w+)"/)?.[1];
  return found && THEMES.includes(found) ? found : dark ? 'navy' : 'light';
}

/** Takes the book's stylesheets and theme; without them the page keeps lab.css's defaults. */
async function dress() {
  const response = await fetch(new URL('index.html', BOOK));
  if (!response.ok) return;
  const book = new DOMParser().parseFromString(await response.text(), 'text/html');
  const theme = themeOf(book);
  const want = HIGHLIGHT[/** @type {keyof typeof HIGHLIGHT} */ (theme)];
  const first = document.querySelector('link[rel=stylesheet]');
  for (const link of book.querySelectorAll('link[rel=stylesheet][href]')) {
    const href = new URL(String(link.getAttribute('href')), response.url);
    if (href.origin !== BOOK.origin || href.pathname.includes('/lab/') || /font-awesome/.test(href.pathname)) continue;
    const el = document.createElement('link');
    el.rel = 'stylesheet';
    el.href = href.href;
    // Only the theme's own highlight sheet; the book's sheets before the lab's, which refine them.
    const id = link.id.replace(/^mdbook-|-css$/g, '');
    if (['highlight', 'tomorrow-night', 'ayu-highlight'].includes(id) && id !== want) continue;
    first?.before(el);
  }
  document.documentElement.className = `${theme} js`;
}

const root = /** @type {HTMLElement} */ (document.getElementById('lab-python'));
dress().catch(() => { /* offline with no copy of the book's first page: default colours */ }).finally(() => {
  mountListing(root);
  root.dataset.pageReady = 'true';
});
