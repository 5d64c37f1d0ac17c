// The end-to-end checks of engine-suite.js in Firefox ESR (Debian's firefox-esr, headless,
// through geckodriver). Firefox has everything the book uses: threads run isolated, with
// the headers and through the service worker.

import { engineSuite } from './engine-suite.js';
import { FIREFOX_NESTED_WORKER_HANG } from './engines.js';

engineSuite('firefox', {}, {
  // Only while WebDriver BiDi listens for log or network events (the one test that needs
  // it, to count page loads): the compute worker can then block for ever as it starts its
  // pool or its processes, and the widget stays "Running…" (see engines.js).
  runHang: FIREFOX_NESTED_WORKER_HANG,
});
