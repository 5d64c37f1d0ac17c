// Concurrency Lab's service worker, served from the book's root (`mdbook-lab install`
// puts it in the book's source folder; after `mdbook build`, `mdbook-lab offline` writes
// the built site's file list into SITE below) so that its scope is the whole book, also
// under a sub-path such as GitHub Pages' /repo/. It does two things:
//
// 1. Cross-origin isolation on hosts that cannot send the headers (GitHub Pages, a plain
//    static server): every response it hands to the page carries COOP, COEP and CORP, so
//    the page gets SharedArrayBuffer and the widgets their threads. The page reloads once
//    to come under its control (see crates/mdbook-lab/src/head.hbs). The idea is the one of
//    coi-serviceworker (https://github.com/gzuidhof/coi-serviceworker).
// 2. Offline reading: it stores every file of the site in a cache named after the site's
//    content hash (on an update, while installing; on a first visit, when the page asks
//    once it is idle), answers from that cache first, and deletes the caches of older
//    versions of this book (and only this book: other books on the same origin, e.g.
//    user.github.io/other-repo/, keep theirs).
//
// It only ever handles same-origin GET requests: no request leaves the origin because of it.

// Replaced by `mdbook-lab offline`: { version: content hash, files: paths relative to the
// root }. Until then (`mdbook serve`, or a book published without that step) the worker
// goes to the network first and keeps a copy of what was read, for reading it offline.
const SITE = { version: 'dev', files: [] };

const SCOPE = new URL('./', self.location.href);
const PREFIX = `concurrency-lab ${SCOPE.pathname} `;
const CACHE = PREFIX + SITE.version;
const FILES = new Set(SITE.files);

/**
 * The cache key of a URL of this site, or null if the site has no such file (without a
 * file list, any address under the scope is one).
 */
function keyOf(url) {
  if (url.origin !== SCOPE.origin || !url.pathname.startsWith(SCOPE.pathname)) return null;
  let rel;
  try {
    rel = decodeURIComponent(url.pathname.slice(SCOPE.pathname.length));
  } catch {
    return null; // a malformed path names no file
  }
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  // The query (a widget link's ?lab=...) and fragment never change a file.
  return FILES.size === 0 || FILES.has(rel) ? new URL(rel, SCOPE).href : null;
}

let complete = false; // whether every file is known to be in the cache

/** Stores every file of the site that is not stored yet; resumable, so it also heals. */
async function precache() {
  if (complete) return;
  const cache = await caches.open(CACHE);
  const stored = new Set((await cache.keys()).map((r) => r.url));
  const todo = [...FILES].map((f) => new URL(f, SCOPE).href).filter((u) => !stored.has(u));
  let failed = 0;
  // A few at a time: enough to fill the pipe, few enough not to starve the page's own requests.
  const worker = async () => {
    for (let url = todo.pop(); url; url = todo.pop()) {
      try {
        // 'reload' skips the HTTP cache: a new version must not be stored with old files.
        const res = await fetch(new Request(url, { cache: 'reload' }));
        if (res.ok) await cache.put(url, res);
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  complete = failed === 0;
  // Not fatal: isolation matters more than offline copies, and pages ask again (lab:precache).
  if (failed) console.warn(`Concurrency Lab: ${failed} file(s) could not be stored for offline reading; will retry`);
}

self.addEventListener('install', (event) => {
  // A new version takes over at once: every version's files are self-consistent in its own cache.
  self.skipWaiting();
  event.waitUntil((async () => {
    // An update stores the new version whole before it takes over from the old one. A first
    // visit does not: storing the whole site would compete with the page's own loading (and
    // delay the reload that isolates it); the page asks for the copy once it is idle.
    if ((await caches.keys()).some((name) => name.startsWith(PREFIX))) await precache();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    // Pages opened before this worker existed come under its control now; head.hbs
    // reloads them once so that they are isolated from their first byte.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'lab:precache') event.waitUntil(precache());
});

/** A copy of `res` with the headers that make the page cross-origin isolated. */
function isolated(res) {
  // Opaque responses (a redirect the browser follows itself) cannot be copied, nor need to be.
  if (res.status === 0) return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function respond(request) {
  const url = new URL(request.url);
  const key = keyOf(url);
  const cache = await caches.open(CACHE);
  const listed = FILES.size > 0;
  // With a list, the stored copy is this version's file; without one, it may be stale.
  let res = listed && key && await cache.match(key);
  if (!res) {
    try {
      res = await fetch(request);
      // Whole responses only: a cache refuses a partial one (206).
      if (key && res.status === 200 && res.type === 'basic') await cache.put(key, res.clone());
    } catch (e) {
      const copy = !listed && key && await cache.match(key);
      if (copy) return isolated(copy);
      // Offline, and the site has no such file (the list is complete): say "not found", as
      // the host would; a page gets the book's own "not found" page. A file of the site
      // that is not stored yet is a real failure.
      if (key || !listed) throw e;
      const notFound = request.mode === 'navigate' && await cache.match(new URL('404.html', SCOPE).href);
      res = notFound
        ? new Response(notFound.body, { status: 404, headers: notFound.headers })
        : new Response('not found\n', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    }
  }
  return isolated(res);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  // Chromium throws on these (https://bugs.chromium.org/p/chromium/issues/detail?id=823392).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(respond(request));
});
