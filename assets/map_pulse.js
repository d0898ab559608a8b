/* The cameras in alarm pulse, so that a wall read from across the room shows which camera raised it.
 *
 * A ring (an HTML element over the map, animated by CSS: ``.map-alarm-pulse`` in dashboard.css) stands on each
 * point of the trace named "camera alarms", placed again whenever the map moves and, once a second, when the
 * refreshes moved the points. Not drawn in the map itself: a paint change there makes MapLibre render the whole
 * map again at every beat, and a restyle through Plotly put the view back where the figure says, which stopped a
 * wheel zoom in the middle of its easing. A CSS animation costs the page nothing, and stops for a viewer who
 * asked for reduced motion (the ring then stays, still). */
(function () {
  "use strict";
  const NAME = "camera alarms";
  let bound = null;

  function graph() { return document.querySelector("#map-graph .js-plotly-plot"); }

  function place() {
    const gd = graph();
    const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
    if (!map || !gd._fullData) { return; }
    if (bound !== map) {
      bound = map;
      map.on("move", place);
      map.on("resize", place);
    }
    const trace = gd._fullData.find(function (t) { return t.name === NAME; });
    const shown = trace && trace.visible === true ? trace : {lat: [], lon: []};
    const box = map.getContainer();
    let layer = box.querySelector(".map-alarm-pulses");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "map-alarm-pulses";
      box.appendChild(layer);
    }
    const rings = layer.children;
    const n = (shown.lat || []).length;
    while (rings.length > n) { layer.removeChild(layer.lastChild); }
    while (rings.length < n) {
      const ring = document.createElement("div");
      ring.className = "map-alarm-pulse";
      layer.appendChild(ring);
    }
    for (let i = 0; i < n; i++) {
      const p = map.project([shown.lon[i], shown.lat[i]]);
      rings[i].style.transform = "translate(" + p.x + "px, " + p.y + "px)";
      rings[i].dataset.at = shown.lon[i] + "," + shown.lat[i];
    }
  }

  window.setInterval(place, 1000);
})();
