// The end-to-end checks of engine-suite.js in Firefox ESR (Debian's firefox-esr, headless,
// through geckodriver). Firefox has everything the book uses: threads run isolated, with
// the headers and through the service worker.

import { engineSuite } from './engine-suite.js';

engineSuite('firefox', {}, {
  // Seen on Firefox ESR 153 (not in Chromium or WebKitGTK): about one page in four, a
  // widget's run stays "Running…" for ever, with no error and no progress, though its
  // workers and wasm builds were all fetched. Cause not found yet.
  runHang: 'Firefox ESR 153: a run sometimes never ends, or its thread pool never starts (the widget stays "Running…", or says the compute worker did not start); cause not found yet',
});
