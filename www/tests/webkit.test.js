// The end-to-end checks of engine-suite.js in WebKitGTK (Debian's MiniBrowser through
// WebKitWebDriver, on a virtual display). WebKitGTK 2.50 makes pages cross-origin
// isolated but gives them no SharedArrayBuffer and refuses to post shared memory to a
// worker (https://bugs.webkit.org/show_bug.cgi?id=317847), so the widgets must run the
// single-threaded build and say that this is the browser's doing.

import { engineSuite } from './engine-suite.js';

engineSuite('webkit', { sharedMemory: true });
