// The end-to-end checks of engine-suite.js in Firefox ESR (Debian's firefox-esr, headless,
// through geckodriver). Firefox has everything the book uses: threads run isolated, with
// the headers and through the service worker.

import { engineSuite } from './engine-suite.js';

engineSuite('firefox');
