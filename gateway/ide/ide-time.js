// Times shown to people are Japan Standard Time with the offset written out (+09:00), whatever
// zone the terminal is set to: the ward's staff read them against the counter's clock. A token
// carries UTC seconds; this converts for display only.
(function (root) {
  'use strict';
  var JST_OFFSET_MS = 9 * 60 * 60 * 1000;

  /** Epoch milliseconds → "2026-12-04 18:30:00 JST (+09:00)". */
  function formatJst(epochMs) {
    var iso = new Date(epochMs + JST_OFFSET_MS).toISOString();
    return iso.slice(0, 10) + ' ' + iso.slice(11, 19) + ' JST (+09:00)';
  }

  root.wardIdeTime = { formatJst: formatJst };
})(typeof window !== 'undefined' ? window : this);
