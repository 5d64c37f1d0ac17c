// Shared by the hosting and offline tests: what the built service worker lists, waiting
// for its offline copy, counting a page's loads, and a throw-away copy of the site.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SITE } from './harness.js';

/** The `SITE` line `mdbook-lab offline` (run by scripts/build) wrote into sw.js: `{ version, files, sha256 }`. */
export function builtManifest(root = SITE) {
  const line = fs.readFileSync(path.join(root, 'sw.js'), 'utf8').split('\n').find((l) => l.startsWith('const SITE = '));
  // The line is a JS object literal with single-quoted version: turn it into JSON.
  const literal = line.slice('const SITE = '.length).replace(/;\s*$/, '')
    .replace(/version: '([^']*)'/, '"version": "$1"').replace('files:', '"files":').replace('sha256:', '"sha256":');
  return JSON.parse(literal);
}

/**
 * Polls `fn` (an async page function) until it returns something truthy, and returns
 * that. (page.waitForFunction does not reliably await an async predicate.)
 */
export async function waitForAsync(page, fn, arg, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the service worker's cache for `version` holds `files`; returns its name. */
export function waitForOfflineCopy(page, { version, files }, timeout = 60_000) {
  return waitForAsync(page, async ([v, n]) => {
    const name = (await caches.keys()).find((k) => k.endsWith(` ${v}`));
    return name && (await (await caches.open(name)).keys()).length >= n ? name : false;
  }, [version, files.length], timeout);
}

/**
 * Counts the main frame's document requests (a reload is one more) in `page.loads`; not
 * load events, which a reload early in the first load would cut off.
 */
export function countLoads(page) {
  page.loads = 0;
  page.on('request', (r) => { if (r.isNavigationRequest() && r.frame() === page.mainFrame()) page.loads++; });
}

/** A copy of the built site in a temporary folder, to serve altered versions of it. */
export function copySite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concurrency-lab-site-'));
  fs.cpSync(SITE, dir, { recursive: true });
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * "Deploys" a new build into a copy of the site: writes `changes` ({ path: new text }),
 * and rewrites sw.js's list as `mdbook-lab offline` would, with each changed file's new
 * SHA-256 and `version`. Returns the new manifest.
 */
export function deploy(dir, version, changes) {
  const old = builtManifest(dir);
  for (const [file, text] of Object.entries(changes)) fs.writeFileSync(path.join(dir, file), text);
  const sha256 = old.files.map((f, i) => (f in changes
    ? crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')
    : old.sha256[i]));
  const manifest = { version, files: old.files, sha256 };
  const sw = path.join(dir, 'sw.js');
  const line = `const SITE = { version: '${version}', files: ${JSON.stringify(old.files)}, sha256: ${JSON.stringify(sha256)} };`;
  fs.writeFileSync(sw, fs.readFileSync(sw, 'utf8').split('\n').map((l) => (l.startsWith('const SITE = ') ? line : l)).join('\n'));
  return manifest;
}

/**
 * Asks the browser to look for a new service worker and waits until the one it found has
 * installed ('installed', now waiting) or failed to ('redundant'); returns that state.
 */
export function updateServiceWorker(page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    await reg.update();
    const w = reg.installing ?? reg.waiting;
    if (!w) return 'no update';
    if (w.state !== 'installing') return w.state;
    return new Promise((resolve) => w.addEventListener('statechange', () => {
      if (w.state !== 'installing') resolve(w.state);
    }));
  });
}
