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
// An update is atomic: the new version installs only once all its files are stored and
// match their SHA-256, and takes over only once no page of the book is open, so an open
// page never gets scripts of another version than its own.
//
// It only ever handles same-origin GET requests: no request leaves the origin because of it.

// Replaced by `mdbook-lab offline`: { version: content hash, files: paths relative to the
// root, sha256: each file's hash }. Until then (`mdbook serve`, or a book published without that step) the worker
// goes to the network first and keeps a copy of what was read, for reading it offline.
const SITE = { version: 'dev', files: [], sha256: [] };

const SCOPE = new URL('./', self.location.href);
const PREFIX = `concurrency-lab ${SCOPE.pathname} `;
const CACHE = PREFIX + SITE.version;
const FILES = new Set(SITE.files);
/** Each listed file's SHA-256, by cache key: a download that differs is not this version's. */
const SHA256 = new Map(SITE.files.map((f, i) => [new URL(f, SCOPE).href, SITE.sha256[i]]));

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

/** The SHA-256 of a response's body, in hexadecimal. */
async function sha256(res) {
  const digest = await crypto.subtle.digest('SHA-256', await res.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Stores every file of the site that is not stored yet, each only if its content is the
 * one the list names; resumable, so it also heals. Returns how many files are missing.
 */
async function precache() {
  if (complete) return 0;
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
        if (res.status === 200 && await sha256(res.clone()) === SHA256.get(url)) await cache.put(url, res);
        else failed++;
      } catch {
        failed++; // the network, or the cache is full (the quota)
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  complete = failed === 0;
  return failed;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    if (!self.registration.active) {
      // A first visit: take over at once, for isolation (the page reloads once). The
      // offline copy waits until the page is idle and asks (lab:precache): storing the
      // whole site now would compete with the page's own loading.
      await self.skipWaiting();
      return;
    }
    // An update is all or nothing: it installs only once every file of the new version is
    // stored and matches its hash. Until then the old version, whole, stays in charge; the
    // browser tries the update again later and the files already stored are kept.
    const missing = await precache();
    if (missing) throw new Error(`${missing} file(s) of the new version could not be stored`);
    // It then waits until no page of the book is open (the browser's own rule for a new
    // version): an open page keeps the version it loaded for its whole life, however
    // long, and the next time the book is opened it is the new version, whole. (Taking
    // over at a page load instead is not reliable: Chromium parks an activation when the
    // old worker restarts meanwhile, and may resume it minutes later, mid-session.)
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
  const type = event.data && event.data.type;
  if (type === 'lab:precache') {
    event.waitUntil(precache().then((missing) => {
      // Not fatal: isolation matters more than offline copies, and pages ask again.
      if (missing) console.warn(`Concurrency Lab: ${missing} file(s) could not be stored for offline reading; will retry`);
    }));
  }
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
      // Whole responses only: a cache refuses a partial one (206). A copy that cannot be
      // stored (the quota) costs the offline copy a file, never the page its answer.
      if (key && res.status === 200 && res.type === 'basic') {
        try {
          await cache.put(key, res.clone());
        } catch (e) {
          console.warn(`Concurrency Lab: ${key} not stored for offline reading (${e})`);
        }
      }
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
