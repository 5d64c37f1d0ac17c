// Accessibility fixes to mdBook's own page chrome that CSS cannot make, found by axe-core
// (www/tests/a11y.test.js). A classic script (loaded with defer by the head snippet,
// crates/mdbook-lab/src/head.hbs), so it also runs from file://.
(function () {
  'use strict';

  // mdBook 0.5's sidebar toggle is a <label> with aria-label and aria-expanded, which a
  // label may not carry, and it cannot be reached with the keyboard. As a button it may
  // carry both, and Enter or Space work as on any button.
  var toggle = document.getElementById('mdbook-sidebar-toggle');
  if (toggle && toggle.tagName === 'LABEL') {
    toggle.setAttribute('role', 'button');
    toggle.tabIndex = 0;
    toggle.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggle.click();
      }
    });
  }

  // 2.1.1 Keyboard: a code block or table wider than the page scrolls sideways, so it must
  // be focusable for the arrow keys to scroll it. Only those that overflow: the others
  // would be useless stops for the Tab key.
  function scrollables() {
    var boxes = document.querySelectorAll('.content pre > code, .content .table-wrapper');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else if (box.getAttribute('tabindex') === '0') {
        box.removeAttribute('tabindex');
      }
    }
  }
  scrollables();
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(scrollables, 200);
  });
})();
