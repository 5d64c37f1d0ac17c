// @ts-check
// The Embed button of every widget: copies the HTML that shows this widget, with its
// current settings, alone in an <iframe> on another site (lab/embed.html), plus a small
// script that lets the frame take the height of its content.

/**
 * The address of the embed page for `root`: its chapter (relative to the book's root),
 * its id and `settings`.
 * @param {HTMLElement} root @param {[string, string][]} settings
 */
export function embedUrl(root, settings) {
  const book = new URL('../', import.meta.url); // this script sits in the book's lab/
  const here = new URL(location.href);
  let page = decodeURIComponent(here.pathname.slice(book.pathname.length));
  if (page === '' || page.endsWith('/')) page += 'index.html';
  const url = new URL('embed.html', import.meta.url);
  url.searchParams.set('page', page);
  url.searchParams.set('lab', root.id);
  for (const [name, value] of settings) url.searchParams.set(name, value);
  return url;
}

/** The HTML to paste: the frame, and a listener that sizes it. @param {HTMLElement} root @param {URL} url */
export function embedCode(root, url) {
  const title = `Concurrency Lab: ${root.querySelector('.lab-title')?.textContent ?? 'widget'}`;
  const attr = (/** @type {string} */ s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  // Only messages from the frame's own origin and window may resize it.
  const sizer = `<script>addEventListener('message',function(e){var d=e.data;if(e.origin!==${JSON.stringify(url.origin)}||!d||d.type!=='concurrency-lab:size')return;`
    + 'document.querySelectorAll(\'iframe\').forEach(function(f){if(f.contentWindow===e.source)f.style.height=d.height+\'px\';});});</script>';
  return `<iframe src="${attr(url.href)}" title="${attr(title)}" style="width:100%;height:40em;border:0" loading="lazy"></iframe>\n${sizer}`;
}

/** Copies the embed code for `root` (or shows it, where the clipboard is refused). @param {HTMLElement} root @param {[string, string][]} settings */
export async function copyEmbed(root, settings) {
  const code = embedCode(root, embedUrl(root, settings));
  const status = /** @type {HTMLElement} */ (root.querySelector('.lab-status'));
  try {
    await navigator.clipboard.writeText(code);
    status.textContent = 'Embed code copied: paste it into a page of your site.';
  } catch {
    status.textContent = `Embed code: ${code}`;
  }
}
