/* The wall's browser half (dashboard/pages/wall.py has the server half and says why it is split so).
 *
 * apply(state) is called by Dash with each state the server sends: it shows the state's view (a class on the
 * view area: every view is in the page and only its visibility changes, so nothing is rebuilt and nothing moves),
 * fits the city to the screen or zooms to the alarm holding the wall, and starts the pulse and the tone when an
 * alarm takes the wall. A clock and the connection line tick here once a second, outside Dash's callbacks, so
 * that a server that stops answering is said on the wall (assets/freshness.js keeps asking /api/v1/status). */
(function () {
  "use strict";
  const TILE = 512;  /* MapLibre's world is 512 px wide at zoom 0 */
  const wall = { focus: undefined, alarm: null, state: null, receivedMs: 0, config: null, audio: null };
  window.cityopsWall = wall;

  function graph() { return document.querySelector("#wall-graph .js-plotly-plot"); }

  function maplibre() {
    const gd = graph();
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return sub && sub.map ? sub.map : null;
  }

  function mercatorY(lat) { return Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)); }

  /* The centre and zoom that fit (west, south, east, north) into a box of width x height pixels. */
  wall.fit = function (bounds, width, height) {
    const [west, south, east, north] = bounds;
    const zx = Math.log2((width / TILE) * (360 / (east - west)));
    const y0 = mercatorY(south), y1 = mercatorY(north);
    const zy = Math.log2((height / TILE) * ((2 * Math.PI) / (y1 - y0)));
    const yc = (y0 + y1) / 2;
    const lat = (Math.atan(Math.sinh(yc)) * 180) / Math.PI;
    return { lon: (west + east) / 2, lat: lat, zoom: Math.min(zx, zy) - 0.1 };
  };

  /* How far up from the foot of ``box`` a title over the map reaches (0 without one). */
  function coveredBelow(box) {
    const title = document.querySelector("#wall-main > .wall-banner");
    if (!title || !title.textContent.trim() || getComputedStyle(title).display === "none") { return 0; }
    return Math.max(0, box.bottom - title.getBoundingClientRect().top);
  }

  function place(focus) {
    const gd = graph();
    if (!gd || !gd._fullLayout || !wall.config) { return false; }
    let view;
    if (focus) {
      view = { lon: focus[0], lat: focus[1], zoom: focus[2] };
    } else {
      /* the view area's box, which the stylesheet alone sizes: the graph inside it may still be at plotly's size */
      const box = document.getElementById("wall-view-city").getBoundingClientRect();
      if (box.width < 10 || box.height < 10) { return false; }
      /* The visitors' title lies over the map's foot: the city is fitted into the part above it, or on a 1366 x 768
       * laptop the title covered the south of the city (Huaxi, where the demo's flood is). */
      const cover = coveredBelow(box);
      wall.placedCover = cover;
      view = wall.fit(wall.config.bounds, box.width, box.height - cover);
      if (cover > 0) {
        const perUnit = (TILE * Math.pow(2, view.zoom)) / (2 * Math.PI);  /* pixels per unit of mercatorY */
        const y = mercatorY(view.lat) - cover / 2 / perUnit;  /* the map's centre sits half the cover lower */
        view.lat = (Math.atan(Math.sinh(y)) * 180) / Math.PI;
      }
    }
    wall.placed = { center: { lon: view.lon, lat: view.lat }, zoom: view.zoom };
    window.Plotly.relayout(gd, { "map.center": wall.placed.center, "map.zoom": view.zoom });
    /* and on the map itself: a relayout to the values plotly's layout already holds does nothing, while the map
     * drawn before its final size may still show the figure's first view (plotly follows the map's moves) */
    const map = maplibre();
    if (map) { map.jumpTo({ center: [view.lon, view.lat], zoom: view.zoom }); }
    /* The risk scale's words at body size: 4.5 % of the screen's height, as every other text of the wall. At that
     * size the scale keeps to the middle of the map: the alarm banner covers its top eighth and the visitors'
     * title its bottom eighth (at 90 % of the height, as it was, the banner hid the scale's name), and it drops
     * the "100" at its top, which plotly's name above the bar overlapped; the bands it names are 25, 50 and 80. */
    const px = Math.round(0.045 * window.innerHeight);
    const scales = [];
    gd.data.forEach(function (trace, i) { if (trace.colorbar && trace.showscale !== false) { scales.push(i); } });
    if (scales.length && wall.scalePx !== px) {
      wall.scalePx = px;
      const vals = scales.map(function (i) { return (gd.data[i].colorbar.tickvals || []).filter(function (v) { return v < 100; }); });
      const texts = scales.map(function (i, k) { return (gd.data[i].colorbar.ticktext || []).slice(0, vals[k].length); });
      window.Plotly.restyle(gd, {
        "colorbar.tickfont.size": px, "colorbar.title.font.size": px, "colorbar.len": 0.58, "colorbar.y": 0.17,
        "colorbar.yanchor": "bottom", "colorbar.tickvals": vals, "colorbar.ticktext": texts,
      }, scales);
    }
    gd.dataset.wallZoom = view.zoom.toFixed(2);
    gd.dataset.wallCenter = view.lon.toFixed(4) + "," + view.lat.toFixed(4);
    return true;
  }

  function tone() {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      wall.audio = wall.audio || new Ctx();
      const ctx = wall.audio;
      [0, 0.35].forEach(function (at) {
        const osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.3, ctx.currentTime + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.25);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + at);
        osc.stop(ctx.currentTime + at + 0.3);
      });
    } catch (e) { /* no audio device: the pulse still says it */ }
  }

  wall.apply = function (state, config, words) {
    const noUpdate = window.dash_clientside.no_update;
    wall.config = config;
    if (!state) { return [noUpdate, noUpdate, noUpdate, noUpdate]; }
    wall.state = state;
    wall.receivedMs = Date.now();
    const focusKey = state.focus ? state.focus.join(",") : null;
    if (focusKey !== wall.focus || state.view === "city") {
      if (focusKey !== wall.focus || !graph() || !graph().dataset.wallZoom) {
        if (place(state.focus)) { wall.focus = focusKey; }
      }
    }
    const page = document.querySelector(".wall-page");
    if (state.alarm && state.alarm !== wall.alarm) {
      if (page) { page.classList.add("wall-pulsing"); }
      if (config.sound) { tone(); }
    }
    if (!state.alarm && page) { page.classList.remove("wall-pulsing"); }
    wall.alarm = state.alarm || null;
    const cls = "wall-main view-" + state.view + (state.alarm ? " holding" : "");
    /* where this wall placed its map, for the server to keep in every later update (pages/wall.py with_view) */
    const placed = wall.placed && JSON.stringify(wall.placed) !== wall.sentPlaced ? wall.placed : noUpdate;
    if (placed !== noUpdate) { wall.sentPlaced = JSON.stringify(wall.placed); }
    return [cls, words[state.view] || state.view, state.alert || "", placed];
  };

  function clockText(epochS, tz) {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
    }).format(new Date(epochS * 1000));
  }

  function tick() {
    const clock = document.getElementById("wall-clock");
    if (!clock) { return; }
    const s = wall.state;
    if (s && s.clock && wall.config) {
      const ahead = Math.min((Date.now() - wall.receivedMs) / 1000, 5) * (s.rate || 1);
      clock.textContent = clockText(s.clock + ahead, wall.config.tz);
    }
    const line = document.getElementById("wall-freshness");
    const f = window.cityopsFreshness, r = f && f.status;
    if (!line) { return; }
    if (!r) { line.textContent = "…"; line.className = "wall-freshness waiting"; return; }
    const silentFor = (Date.now() - f.receivedMs) / 1000;
    if (silentFor > r.no_answer_after_s) {
      const lost = document.getElementById("wall-lost");
      if (lost) { lost.textContent = r.words["status.no_connection"] + " · " + r.no_answer_for.replace("{s}", Math.round(silentFor)); }
      line.textContent = (wall.config && wall.config.offline) || r.words["status.no_connection"];
      line.className = "wall-freshness stale";
      return;
    }
    const lostBanner = document.getElementById("wall-lost");
    if (lostBanner && lostBanner.textContent) { lostBanner.textContent = ""; }
    const age = (r.age_s === null || r.age_s === undefined) ? null : r.age_s + silentFor;
    let text = null, cls = "stale";
    if (r.status === "starting") { text = r.words.waiting; cls = "waiting"; }
    else if (r.status === "restoring") { text = r.words.rebuilding; cls = "waiting"; }
    else if (r.words["status." + r.status]) { text = r.words["status." + r.status]; }
    else if (age === null || r.status === "stale" || age > r.stale_after_s) { text = r.words.stale; }
    else { text = r.words.live; cls = "live"; }
    line.textContent = text;
    line.className = "wall-freshness " + cls;
  }

  /* The graph takes its final size after the first state may have placed the map (plotly draws at a default size
   * first, then fills its box): whenever the box changes size the city is fitted again, or the alarm re-centred. */
  function watchSize() {
    const box = document.getElementById("wall-view-city");
    if (!box || wall.sizeWatched === box || !window.ResizeObserver) { return; }
    wall.sizeWatched = box;
    let last = "";
    new ResizeObserver(function () {
      const r = box.getBoundingClientRect();
      const size = Math.round(r.width) + "x" + Math.round(r.height);
      if (size === last) { return; }
      last = size;
      window.setTimeout(function () {
        const gd = graph();
        if (gd) { window.Plotly.Plots.resize(gd); }  /* the map's canvas follows its box, then the city is fitted */
        place(wall.state ? wall.state.focus : null);
      }, 50);
    }).observe(box);
  }
  /* Once a second: the map shows where this wall placed it, or is put there again (a redraw can reset it). */
  function heal() {
    const map = maplibre();
    if (!map || !wall.placed || !map.loaded()) { return; }
    const canvas = map.getCanvas().getBoundingClientRect(), box = map.getContainer().getBoundingClientRect();
    if (Math.abs(canvas.width - box.width) > 2 || Math.abs(canvas.height - box.height) > 2) { map.resize(); }
    /* a title over the map that came, went or changed height since the city was fitted: fit it again */
    if (wall.state && !wall.state.focus && wall.placedCover !== undefined) {
      const city = document.getElementById("wall-view-city").getBoundingClientRect();
      if (Math.abs(coveredBelow(city) - wall.placedCover) > 2 && place(null)) { return; }
    }
    const c = map.getCenter();
    if (Math.abs(map.getZoom() - wall.placed.zoom) > 0.01 || Math.abs(c.lng - wall.placed.center.lon) > 1e-4 ||
        Math.abs(c.lat - wall.placed.center.lat) > 1e-4) {
      map.jumpTo({ center: [wall.placed.center.lon, wall.placed.center.lat], zoom: wall.placed.zoom });
    }
  }

  window.setInterval(function () { tick(); watchSize(); heal(); }, 1000);
})();
