// @ts-check
// Links that carry a listing's program: the text, compressed (deflate-raw) and written in
// base64url, as the `program` parameter of the address, with the widget it is for and the
// settings chosen beside it (`?lab=ID&gil=off&program=...#ID`; see listing/controls.js).
// The standalone lab page (lab/python.html) has one widget and also takes `?program=...`.

import { settingPairs } from './controls.js';

/** Decompressed programs longer than this are refused (a link is not a file store). */
const MAX_PROGRAM_BYTES = 256 * 1024;

/** What went wrong with a link's program, said for the reader. */
export class LinkError extends Error {}

/** @param {Uint8Array} bytes */
function toBase64url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @param {string} data */
function fromBase64url(data) {
  if (!/^[A-Za-z0-9_-]*$/.test(data) || data.length % 4 === 1) {
    throw new LinkError('its program is not in the form a link carries (it may have been cut or changed when copied)');
  }
  const s = atob(data.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (data.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The link form of `text`. @param {string} text */
export async function encodeProgram(text) {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return toBase64url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/**
 * The program a link's `data` carries.
 * @param {string} data
 * @throws {LinkError} data that is not base64url, does not decompress, is too long or is not UTF-8
 */
export async function decodeProgram(data) {
  if (data === '') throw new LinkError('its program is empty');
  const bytes = fromBase64url(data);
  const chunks = [];
  let size = 0;
  try {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_PROGRAM_BYTES) {
        await reader.cancel();
        throw new LinkError(`its program is longer than ${MAX_PROGRAM_BYTES / 1024} kB`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof LinkError) throw e;
    throw new LinkError('its program data is damaged (it does not decompress): the link may have been cut short when copied');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await new Blob(chunks).arrayBuffer());
  } catch {
    throw new LinkError('its program data is damaged (it is not text)');
  }
}

/** Whether `root` is the standalone lab page's widget. @param {HTMLElement} root */
export const isStandalone = (root) => root.dataset.standalone !== undefined;

/** The address that opens `root` with `text` as its program. @param {HTMLElement} root @param {string} text */
export async function programLink(root, text) {
  const url = new URL(location.href);
  url.search = '';
  url.hash = '';
  url.searchParams.set('lab', root.id);
  // The settings chosen beside the program go with it (those left at their defaults do not).
  for (const [name, value] of settingPairs(root)) url.searchParams.set(name, value);
  url.searchParams.set('program', await encodeProgram(text));
  if (!isStandalone(root)) url.hash = root.id;
  return url.href;
}

/** The program data this page's address has for `root`, if any. @param {HTMLElement} root */
export function linkedProgramData(root) {
  const query = new URLSearchParams(location.search);
  const data = query.get('program');
  if (data === null) return null;
  const lab = query.get('lab');
  return lab === root.id || (lab === null && isStandalone(root)) ? data : null;
}

