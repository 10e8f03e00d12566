/* inkless web map: the map code shared by the run report's replay and the live service's map.
 *
 * Needs Leaflet (window.L) and topojson-client (window.topojson), both installed from npm at
 * set-up (web/package.json) and inlined into the report or served by the service: no tiles, no
 * network. Leaflet draws with SVG, so the map renders without WebGL (headless Chromium).
 *
 *   InklessMap.createMap(element, {basemap, symbols, bounds}) -> view
 *       basemap: world-atlas countries TopoJSON (object "countries"); symbols: identity ->
 *       {svg, anchor, size}, MIL-STD-2525 air-track frames drawn by milsymbol at set-up
 *       (web/vendor.mjs); bounds: [[lat_min, lon_min], [lat_max, lon_max]].
 *   view.show(state)   draws one picture (the live map sends one per update):
 *       {threats: [{id, cls, lat, lon}], tracks: [{id, identity, lat, lon}],
 *        interceptors: [{key, member, from: [lat, lon], lat, lon}],
 *        intercepts: [{key, result, lat, lon}], impacts: [{id, asset, lat, lon}],
 *        closed: [region id], aircraft: [{id, member, lat, lon, heading}] (optional),
 *        vectors: [{key, id, member, threat, from: [lat, lon], to: [lat, lon]}] (optional:
 *        a patrol aircraft's vector to an intercept, from where it left its pattern)}
 *   view.setStatic({assets, units, regions, stations})   what does not move (stations:
 *       fighter patrols' CAP patterns and bases, optional; a unit's optional `rounds`: a
 *       label of its rounds left beside it).
 *   view.setRounds({unit id: rounds left})   those labels updated (the live map).
 *   InklessMap.legend(element, symbols)   the identities' symbols with their names.
 *   InklessMap.stateAt(replay, t)   the picture at t (s since the epoch) of a replay
 *       (inkless.afteraction.replay): what is in flight at t, what has happened by t.
 *   InklessMap.replay(element, replay, assets)   a map with a time control (play, drag).
 *
 * Degrees, seconds since the scenario epoch; positions between a replay's samples are linear
 * interpolations in time.
 */
(function (root) {
  "use strict";

  var CLASS_COLOURS = { ballistic: "#c1121f", cruise: "#f77f00", drone: "#7b2cbf" };
  var MEMBER_COLOURS = ["#1f5fa8", "#2b9348", "#e09f3e", "#6c757d", "#0096c7", "#9d4edd",
    "#588157", "#bc6c25", "#457b9d", "#e76f51"];
  var IDENTITIES = ["pending", "unknown", "assumed_friend", "friend", "neutral", "suspect",
    "hostile"];

  /** Index of the last element of sorted `xs` that is <= x (-1 when none). */
  function floorIndex(xs, x) {
    var lo = 0, hi = xs.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (xs[mid] <= x) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  /** [lat, lon] of a sampled path {t, lat, lon} at t, linear in time; null outside it. */
  function pathAt(p, t) {
    var i = floorIndex(p.t, t);
    if (i < 0 || t > p.t[p.t.length - 1]) return null;
    if (i === p.t.length - 1) return [p.lat[i], p.lon[i]];
    var f = (t - p.t[i]) / (p.t[i + 1] - p.t[i]);
    return [p.lat[i] + f * (p.lat[i + 1] - p.lat[i]), p.lon[i] + f * (p.lon[i + 1] - p.lon[i])];
  }

  /** Whether t is in one of the stretches [from, until) of a flat [from, until, ...] list. */
  function held(life, t) {
    var lo = 0, hi = life.length / 2 - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (life[2 * mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t < life[2 * found + 1];
  }

  /** The identity a track holds at t: its last change at or before t ("pending" before). */
  function identityAt(changes, t) {
    var held = "pending";
    for (var i = 0; i < changes.length && changes[i][0] <= t; i++) held = changes[i][1];
    return held;
  }

  /** Heading (degrees clockwise from north, as drawn on the map) of a sampled path at t: from
   *  its position at t to the one a sample later (or earlier, at its end). */
  function headingAt(p, t, at, dt) {
    var end = p.t[p.t.length - 1], a = at, b = pathAt(p, Math.min(t + dt, end));
    if (t + dt > end) { a = pathAt(p, Math.max(t - dt, p.t[0])); b = at; }
    if (!a || !b || (a[0] === b[0] && a[1] === b[1])) return 0;
    var east = (b[1] - a[1]) * Math.cos(a[0] * Math.PI / 180);
    return Math.atan2(east, b[0] - a[0]) * 180 / Math.PI;
  }

  function stateAt(rp, t) {
    var s = { t: t, threats: [], tracks: [], interceptors: [], intercepts: [], impacts: [],
      closed: [], grants: [], aircraft: [], vectors: [] };
    (rp.patrols || []).forEach(function (a) {
      if (a.t[0] <= t && t < a.end) {
        var at = pathAt(a, t);
        if (at) s.aircraft.push({ id: a.id, member: a.member, lat: at[0], lon: at[1],
          heading: headingAt(a, t, at, rp.sample_s) });
      }
      (a.vectors || []).forEach(function (v, k) {
        if (v.fire <= t && t <= v.until) s.vectors.push({ key: a.id + "/" + k, id: a.id,
          member: a.member, threat: v.threat, from: v.from, to: v.to });
      });
    });
    rp.threats.forEach(function (th) {
      if (th.t[0] <= t && t < th.end) {
        var at = pathAt(th, t);
        if (at) s.threats.push({ id: th.id, cls: th.cls, lat: at[0], lon: at[1] });
      }
    });
    rp.tracks.forEach(function (tr) {
      if (!held(tr.life, t)) return;
      var at = pathAt(tr, Math.min(t, tr.t[tr.t.length - 1]));
      if (at) s.tracks.push({ id: tr.id, identity: identityAt(tr.identity, t), lat: at[0], lon: at[1] });
    });
    rp.interceptors.forEach(function (r, k) {
      if (r.fire <= t && t < r.end) {
        var f = r.end > r.fire ? (t - r.fire) / (r.end - r.fire) : 1;
        s.interceptors.push({ key: k, member: r.member, unit: r.unit, threat: r.threat,
          from: r.from, lat: r.from[0] + f * (r.to[0] - r.from[0]),
          lon: r.from[1] + f * (r.to[1] - r.from[1]) });
      } else if (r.end <= t && r.result !== "pending") {
        s.intercepts.push({ key: k, result: r.result, threat: r.threat, lat: r.to[0], lon: r.to[1] });
      }
    });
    rp.impacts.forEach(function (im) {
      if (im.t <= t) s.impacts.push(im);
    });
    rp.closures.forEach(function (c) {
      if (c.from <= t && (c.until === null || t < c.until)) s.closed.push(c.region);
    });
    rp.grants.forEach(function (g) {
      if ((g.from === null || g.from <= t) && (g.until === null || t < g.until)) s.grants.push(g);
    });
    return s;
  }

  function memberColour(members, id) {
    var i = members.indexOf(id);
    return MEMBER_COLOURS[(i < 0 ? members.length : i) % MEMBER_COLOURS.length];
  }

  function drawBasemap(map, topo) {
    var L = root.L, topojson = root.topojson, obj = topo.objects.countries;
    L.geoJSON(topojson.feature(topo, obj), {
      interactive: false, style: { stroke: false, fillColor: "#e9e4d8", fillOpacity: 1 },
    }).addTo(map);
    L.geoJSON(topojson.mesh(topo, obj, function (a, b) { return a !== b; }), {
      interactive: false, style: { color: "#a39e93", weight: 0.8, dashArray: "3 3" },
    }).addTo(map);
    L.geoJSON(topojson.mesh(topo, obj, function (a, b) { return a === b; }), {
      interactive: false, style: { color: "#7d8b99", weight: 1 },
    }).addTo(map);
  }

  /** A layer of markers keyed by id, added, moved and removed to match each picture. */
  function keyedLayer(map, make, move) {
    var group = root.L.layerGroup().addTo(map), byKey = new Map();
    return function (items, keyOf) {
      var seen = new Set();
      items.forEach(function (item) {
        var key = keyOf(item), m = byKey.get(key);
        seen.add(key);
        if (!m) { m = make(item); byKey.set(key, m); group.addLayer(m); }
        else { move(m, item); }
      });
      byKey.forEach(function (m, key) {
        if (!seen.has(key)) { group.removeLayer(m); byKey.delete(key); }
      });
    };
  }

  function symbolIcon(symbols, identity) {
    var sym = symbols[identity] || symbols.unknown;
    return root.L.divIcon({ html: sym.svg, className: "ink-track ink-track-" + identity,
      iconSize: sym.size, iconAnchor: sym.anchor });
  }

  /** A patrol aircraft: an arrowhead in its member's colour pointing along its heading. */
  function aircraftIcon(colour, heading) {
    return root.L.divIcon({ className: "ink-aircraft", iconSize: [18, 18], iconAnchor: [9, 9],
      html: '<svg width="18" height="18" viewBox="-9 -9 18 18"><path d="M0,-8 L6,7 L0,3 L-6,7 Z" ' +
        'fill="' + colour + '" stroke="#111" stroke-width="1" transform="rotate(' +
        heading.toFixed(0) + ')"/></svg>' });
  }

  function glyphIcon(glyph, className) {
    return root.L.divIcon({ html: glyph, className: className, iconSize: [14, 14],
      iconAnchor: [7, 7] });
  }

  /** The layers that move with time: threats and interceptors (on the truth pane), tracks,
   *  intercepts and impacts; each a function(items, keyOf) (keyedLayer). */
  function movingLayers(map, symbols, members, truth) {
    var L = root.L;
    var threats = keyedLayer(map, function (s) {
      return L.circleMarker([s.lat, s.lon], { radius: 4, weight: 1, color: "#222",
        fillColor: CLASS_COLOURS[s.cls] || "#444", fillOpacity: 0.95, renderer: truth,
        pane: "inkTruth", className: "ink-threat ink-threat-" + s.cls }).bindTooltip(s.id);
    }, function (m, s) { m.setLatLng([s.lat, s.lon]); });
    var tracks = keyedLayer(map, function (s) {
      var m = L.marker([s.lat, s.lon], { icon: symbolIcon(symbols, s.identity),
        keyboard: false }).bindTooltip("track " + s.id + ": " + s.identity);
      m.identity = s.identity;
      return m;
    }, function (m, s) {
      m.setLatLng([s.lat, s.lon]);
      if (m.identity !== s.identity) {
        m.identity = s.identity;
        m.setIcon(symbolIcon(symbols, s.identity));
        m.setTooltipContent("track " + s.id + ": " + s.identity);
      }
    });
    var interceptors = keyedLayer(map, function (s) {
      var c = memberColour(members, s.member);
      var g = L.featureGroup([
        L.polyline([s.from, [s.lat, s.lon]], { color: c, weight: 1.2, opacity: 0.8,
          className: "ink-interceptor-trail", interactive: false, renderer: truth,
          pane: "inkTruth" }),
        L.circleMarker([s.lat, s.lon], { radius: 3, weight: 1.5, color: c, fillColor: "#fff",
          fillOpacity: 1, className: "ink-interceptor", renderer: truth, pane: "inkTruth" }),
      ]).bindTooltip(s.unit + " → " + s.threat);
      return g;
    }, function (g, s) {
      var parts = g.getLayers();
      parts[0].setLatLngs([s.from, [s.lat, s.lon]]);
      parts[1].setLatLng([s.lat, s.lon]);
    });
    var intercepts = keyedLayer(map, function (s) {
      var kill = s.result === "kill";
      return L.marker([s.lat, s.lon], { interactive: true, keyboard: false,
        icon: glyphIcon(kill ? "×" : "∘", kill ? "ink-intercept" : "ink-miss") })
        .bindTooltip(s.result + ": " + s.threat);
    }, function () {});
    var aircraft = keyedLayer(map, function (s) {
      var m = L.marker([s.lat, s.lon], { icon: aircraftIcon(memberColour(members, s.member),
        s.heading), keyboard: false, pane: "inkTruth" }).bindTooltip(s.id + " (" + s.member + ")");
      m.heading = s.heading;
      return m;
    }, function (m, s) {
      m.setLatLng([s.lat, s.lon]);
      if (Math.abs(m.heading - s.heading) > 5) {
        m.heading = s.heading;
        m.setIcon(aircraftIcon(memberColour(members, s.member), s.heading));
      }
    });
    var vectors = keyedLayer(map, function (s) {
      var c = memberColour(members, s.member);
      return L.featureGroup([
        L.polyline([s.from, s.to], { color: c, weight: 1.5, opacity: 0.9, dashArray: "6 3",
          className: "ink-vector", interactive: false, renderer: truth, pane: "inkTruth" }),
        L.circleMarker(s.to, { radius: 3, weight: 1.5, color: c, fill: false,
          className: "ink-vector-point", renderer: truth, pane: "inkTruth" }),
      ]).bindTooltip(s.id + " vector to intercept " + s.threat);
    }, function () {});
    var impacts = keyedLayer(map, function (s) {
      return L.marker([s.lat, s.lon], { keyboard: false,
        icon: glyphIcon("★", "ink-impact" + (s.asset ? " ink-impact-hit" : "")) })
        .bindTooltip("impact: " + s.id + (s.asset ? " on " + s.asset : ""));
    }, function () {});
    return { threats: threats, tracks: tracks, interceptors: interceptors,
      intercepts: intercepts, impacts: impacts, aircraft: aircraft, vectors: vectors };
  }

  function createMap(el, opts) {
    var L = root.L, members = opts.members || [];
    var map = L.map(el, { preferCanvas: false, zoomSnap: 0.25, attributionControl: false,
      worldCopyJump: false });
    // the truth (threats, interceptors) above the tracks' symbols, on its own SVG pane
    map.createPane("inkTruth").style.zIndex = 650;
    var truth = L.svg({ pane: "inkTruth" });
    if (opts.basemap) drawBasemap(map, opts.basemap);
    if (opts.bounds) map.fitBounds(opts.bounds, { padding: [24, 24] });
    var regions = {}, units = {};
    var fixed = L.layerGroup().addTo(map);
    var layers = movingLayers(map, opts.symbols, members, truth);

    function setStatic(st) {
      fixed.clearLayers();
      (st.regions || []).forEach(function (r) {
        regions[r.id] = L.polygon(r.polygon, { color: "#52606d", weight: 1, fill: true,
          fillOpacity: 0.03, dashArray: "5 4", className: "ink-region" })
          .bindTooltip("region " + r.id + " (" + r.owner + ")").addTo(fixed);
      });
      (st.assets || []).forEach(function (a) {
        L.circle([a.lat, a.lon], { radius: Math.max(a.radius_m, 1500), color: "#1f5fa8",
          weight: 1.5, fillOpacity: 0.25, className: "ink-asset" }).bindTooltip(a.name).addTo(fixed);
      });
      (st.stations || []).forEach(function (p) {
        var c = memberColour(members, p.member);
        L.polygon(p.polygon, { color: c, weight: 1.5, fill: false, dashArray: "2 4",
          className: "ink-station" }).bindTooltip("CAP station of " + p.patrol + " (" + p.member + ")")
          .addTo(fixed);
        L.marker(p.base, { keyboard: false, icon: root.L.divIcon({ className: "ink-base",
          iconSize: [12, 12], iconAnchor: [6, 6], html: '<svg width="12" height="12">' +
            '<rect x="1" y="1" width="10" height="10" fill="' + c + '" stroke="#111"/></svg>' }) })
          .bindTooltip("base of " + p.patrol + " (" + p.member + ")").addTo(fixed);
      });
      units = {};
      (st.units || []).forEach(function (u) {
        units[u.id] = L.circleMarker([u.lat, u.lon], { radius: 3.5, weight: 1, color: "#111",
          fillColor: memberColour(members, u.member), fillOpacity: 1, className: "ink-unit" })
          .bindTooltip(u.id + " (" + u.member + ")").addTo(fixed);
      });
      setRounds((st.units || []).reduce(function (r, u) {
        if (u.rounds !== undefined && u.rounds !== null) r[u.id] = u.rounds;
        return r;
      }, {}));
    }

    /** Rounds left by unit id: a label beside each of these units (the live map's own). */
    function setRounds(rounds) {
      Object.keys(rounds).forEach(function (id) {
        var m = units[id];
        if (!m) return;
        if (!m.rounds) {
          m.rounds = L.tooltip({ permanent: true, direction: "right", offset: [5, 0],
            className: "ink-rounds", interactive: false }).setLatLng(m.getLatLng());
          m.rounds.addTo(fixed);
        }
        m.rounds.setContent(String(rounds[id]));
      });
    }

    function show(s) {
      Object.keys(regions).forEach(function (id) {
        var closed = s.closed.indexOf(id) >= 0, el = regions[id].getElement();
        regions[id].setStyle(closed ? { color: "#c1121f", fillColor: "#c1121f", fillOpacity: 0.12 }
          : { color: "#52606d", fillColor: "#52606d", fillOpacity: 0.03 });
        if (el) el.classList.toggle("ink-closed", closed);
      });
      layers.threats(s.threats, function (x) { return x.id; });
      layers.tracks(s.tracks, function (x) { return x.id; });
      layers.interceptors(s.interceptors, function (x) { return x.key; });
      layers.intercepts(s.intercepts, function (x) { return x.key; });
      layers.impacts(s.impacts, function (x) { return x.id; });
      layers.aircraft(s.aircraft || [], function (x) { return x.id; });
      layers.vectors(s.vectors || [], function (x) { return x.key; });
    }

    return { map: map, show: show, setStatic: setStatic, setRounds: setRounds };
  }

  function clock(t, epoch) {
    var s = Math.round(t), pad = function (n) { return String(n).padStart(2, "0"); };
    var text = "T+" + pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
    var e = Date.parse(epoch);
    if (!isNaN(e)) text += " (" + new Date(e + s * 1000).toISOString().slice(11, 19) + "Z)";
    return text;
  }

  /** [[lat_min, lon_min], [lat_max, lon_max]] of what a replay draws (the whole world if none). */
  function bounds(rp) {
    var box = [[Infinity, Infinity], [-Infinity, -Infinity]];
    function add(lat, lon) {
      box[0][0] = Math.min(box[0][0], lat); box[0][1] = Math.min(box[0][1], lon);
      box[1][0] = Math.max(box[1][0], lat); box[1][1] = Math.max(box[1][1], lon);
    }
    rp.threats.forEach(function (p) { p.lat.forEach(function (v, i) { add(v, p.lon[i]); }); });
    rp.assets.concat(rp.units).forEach(function (a) { add(a.lat, a.lon); });
    rp.interceptors.forEach(function (r) { add(r.to[0], r.to[1]); });
    (rp.stations || []).forEach(function (p) {
      add(p.base[0], p.base[1]);
      p.polygon.forEach(function (v) { add(v[0], v[1]); });
    });
    return isFinite(box[0][0]) ? box : [[-60, -180], [75, 180]];
  }

  /** The identities' symbols, each with its name, appended to element `key`. */
  function legend(key, symbols) {
    IDENTITIES.forEach(function (identity) {
      var sym = symbols[identity];
      if (!sym) return;
      var item = document.createElement("span");
      item.className = "ink-identity";
      item.innerHTML = sym.svg;
      item.appendChild(document.createTextNode(" " + identity.replace("_", " ")));
      key.appendChild(item);
    });
  }

  /** The replay: a map, a slider over the run (step: the replay's sample), play/pause. */
  function replay(el, rp, assets) {
    var q = function (sel) { return el.querySelector(sel); };
    var view = createMap(q(".ink-map"), { basemap: assets.basemap, symbols: assets.symbols,
      members: rp.members, bounds: bounds(rp) });
    view.setStatic(rp);
    var key = q(".ink-identities");
    if (key) legend(key, assets.symbols);
    var slider = q(".ink-time"), playing = null;
    slider.max = String(rp.duration_s);
    slider.step = String(rp.sample_s);
    function render() {
      var t = Number(slider.value), s = stateAt(rp, t);
      view.show(s);
      q(".ink-clock").textContent = clock(t, rp.epoch);
      q(".ink-counts").textContent = s.threats.length + " threats in flight · " +
        s.tracks.length + " tracks · " + s.interceptors.length + " interceptors in flight · " +
        s.intercepts.filter(function (x) { return x.result === "kill"; }).length +
        " intercepts · " + s.impacts.length + " impacts" +
        ((rp.patrols || []).length ? " · " + s.aircraft.length + " patrol aircraft aloft" : "");
      q(".ink-airspace").textContent = (s.closed.length ? "closed: " + s.closed.join(", ") : "no closure") +
        (rp.grants.length ? " · grants in force: " + (s.grants.map(function (g) {
          return g.grantor + "→" + g.grantee + " " + g.what + " (" + g.region + ")"; }).join(", ") || "none") : "");
      el.dataset.time = String(t);
    }
    function stop() { if (playing) { clearInterval(playing); playing = null; q(".ink-play").textContent = "▶ play"; } }
    q(".ink-play").addEventListener("click", function () {
      if (playing) { stop(); return; }
      if (Number(slider.value) >= rp.duration_s) slider.value = "0";
      q(".ink-play").textContent = "❚❚ pause";
      playing = setInterval(function () {
        var next = Number(slider.value) + Number(q(".ink-speed").value) / 10;
        slider.value = String(Math.min(next, rp.duration_s));
        render();
        if (next >= rp.duration_s) stop();
      }, 100);
    });
    slider.addEventListener("input", render);
    render();
    return { view: view, render: render, stateAt: function (t) { return stateAt(rp, t); } };
  }

  root.InklessMap = { createMap: createMap, stateAt: stateAt, replay: replay, clock: clock,
    legend: legend,
    CLASS_COLOURS: CLASS_COLOURS, MEMBER_COLOURS: MEMBER_COLOURS, IDENTITIES: IDENTITIES };
})(window);
