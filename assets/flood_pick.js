// The flood page (/flood): a click anywhere on the map picks that point for a rescue route. Plotly reports clicks
// on its traces only (a district under the click answers with its code, not a position), so the page's own
// MapLibre map is asked; attached again whenever the page draws a new map.
(function () {
  function attach() {
    const gd = document.querySelector('#flood-map .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = sub && sub.map;
    if (!map || map.__floodPick || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    map.__floodPick = true;
    map.on('click', function (e) {
      window.dash_clientside.set_props('flood-pick', {data: {lon: e.lngLat.lng, lat: e.lngLat.lat}});
    });
  }
  window.setInterval(attach, 500);
})();
