/* Keeps Dash's undo history short on pages that run for days (the wall, the map).
 *
 * Dash's renderer appends every change of a callback input made in the browser to an undo history that only its dev
 * tools read and nothing trims: a dcc.Interval adds one entry a second, 86,400 a day, and each append copies the whole
 * list (measured with bench/wall_memory.py: about 3.5 MiB and, after a week, 25 ms a tick). Once a minute the list
 * is cut back to its last HISTORY_KEPT entries. */
(function () {
  "use strict";
  const HISTORY_KEPT = 50;

  function trim() {
    (window.dash_stores || []).forEach(function (store) {
      const history = store.getState().history;
      if (history && Array.isArray(history.past) && history.past.length > HISTORY_KEPT) {
        history.past.splice(0, history.past.length - HISTORY_KEPT);
      }
    });
  }

  window.setInterval(trim, 60000);
  window.cityopsTrimHistory = trim;
})();
