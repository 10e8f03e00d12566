/* inkless live map (live.html, served by `inkless serve` at /): one member's picture, live.
 *
 * Sign-in: the map token that the member's node printed (`map: http://HOST:PORT/#token=T`),
 * from the address's fragment or typed in; never a key. The page opens the WebSocket /view,
 * sends {type: "token", token}, and gets either {type: "refused", reason} (shown as it is) or
 * {type: "map", ...} (what does not move) and then the member's stream as its node gets it
 * (the grants and closures sent before the replay window, then picture, order, result,
 * closure, ...; never a snapshot) plus a `units` message after every cycle (own rounds
 * left, the impacts since the last: the first one every impact so far). docs/service.md has
 * every field.
 *
 * Time control: the page keeps every picture it received for the last KEEP_S scenario seconds;
 * "pause" freezes the map, the slider picks a time among them, "last 5 min" replays from five
 * minutes back at the chosen rate, and the map goes live again at the newest picture.
 * Drawing is the shared map's (replaymap.js: InklessMap.createMap, setStatic, show).
 */
(function () {
  "use strict";

  var KEEP_S = 1800, KEPT = "inkless-map-token";
  var $ = function (id) { return document.getElementById(id); };
  var st = null, view = null, basemap = null, symbols = null, timer = null;

  function say(text, bad) {
    var s = $("live-status");
    s.textContent = text;
    s.className = bad ? "bad" : "";
  }

  function fromHash() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function getJSON(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  /** The state of the map at time t from what the page received (replaymap.js's show()). */
  function stateAt(t) {
    var s = { t: t, threats: [], tracks: [], interceptors: [], intercepts: [], impacts: [],
      closed: [], aircraft: [] };
    var frame = null;
    for (var i = st.frames.length - 1; i >= 0; i--) {
      if (st.frames[i].t <= t) { frame = st.frames[i]; break; }
    }
    if (frame) s.tracks = frame.tracks;
    Object.keys(st.orders).forEach(function (k) {
      var o = st.orders[k], r = st.results[k];
      if (o.declined || !o.from) return;
      var end = r ? Math.min(r.t, o.end) : o.end;
      if (o.fire <= t && t < end) {
        var f = o.end > o.fire ? (t - o.fire) / (o.end - o.fire) : 1;
        s.interceptors.push({ key: k, member: st.map.member, unit: o.unit, threat: "track " + o.target,
          from: o.from, lat: o.from[0] + f * (o.to[0] - o.from[0]),
          lon: o.from[1] + f * (o.to[1] - o.from[1]) });
      } else if (r && r.t <= t) {
        s.intercepts.push({ key: k, result: r.result, threat: "track " + o.target,
          lat: r.lat_deg, lon: r.lon_deg });
      }
    });
    st.others.forEach(function (r) {  // the ends of partners' shots it may see
      if (r.t <= t) s.intercepts.push({ key: "p" + r.order, result: r.result,
        threat: "a shot of " + r.member, lat: r.lat_deg, lon: r.lon_deg });
    });
    s.impacts = st.impacts.filter(function (im) { return im.t <= t; });
    st.closures.forEach(function (c) {
      if (c.from <= t && (c.until === null || c.until === undefined || t < c.until) &&
          s.closed.indexOf(c.region) < 0) s.closed.push(c.region);
    });
    return s;
  }

  function render(t) {
    var s = stateAt(t), mine = 0, theirs = 0;
    view.show(s);
    s.intercepts.forEach(function (x) {
      if (x.result === "kill") { if (String(x.key)[0] === "p") theirs++; else mine++; }
    });
    $("live-clock").textContent = InklessMap.clock(t, st.map.epoch) + (st.live ? " · live" : " · paused");
    $("live-counts").textContent = s.tracks.length + " tracks · " + s.interceptors.length +
      " interceptors in flight · " + (mine + theirs) + " intercepts" +
      (theirs ? " (" + theirs + " by partners)" : "") + " · " + s.impacts.length + " impacts";
    $("live-airspace").textContent = (s.closed.length ? "closed: " + s.closed.join(", ") :
      "no closure") + (st.grants.length ? " · grants in force: " + (st.grants.filter(function (g) {
      return g.t <= t && (g.from_t === null || g.from_t <= t) &&
        (g.until_t === null || t < g.until_t);
    }).map(function (g) {
      return g.grantor + "→" + g.grantee + " " + g.what + " (" + g.region + ")";
    }).join(", ") || "none") : "");
    $("live-units").textContent = "rounds left: " + (Object.keys(st.rounds).map(function (u) {
      return u + " " + st.rounds[u]; }).join(", ") || "no unit of yours");
    $("live").dataset.time = String(t);
    $("live").dataset.tracks = String(s.tracks.length);
  }

  function latest() { return st.frames.length ? st.frames[st.frames.length - 1].t : 0; }

  function slider() {
    var el = $("live-time");
    el.min = String(st.frames.length ? st.frames[0].t : 0);
    el.max = String(latest());
    el.step = String(st.map.dt_s);
    if (st.live) el.value = el.max;
  }

  function stopReplay() { if (timer) { clearInterval(timer); timer = null; } }

  function goLive(live) {
    st.live = live;
    if (live) stopReplay();
    $("live-pause").textContent = live ? "❚❚ pause" : "● live";
    slider();
    render(Number($("live-time").value));
  }

  function replayFrom(t) {
    stopReplay();
    st.live = false;
    $("live-pause").textContent = "● live";
    $("live-time").value = String(t);
    render(t);
    timer = setInterval(function () {
      var next = Number($("live-time").value) + Number($("live-speed").value) / 10;
      if (next >= latest()) { goLive(true); return; }
      $("live-time").value = String(next);
      render(next);
    }, 100);
  }

  function picture(p) {
    st.frames.push({ t: p.t, tracks: p.tracks.map(function (x) {
      return { id: x.id, identity: x.identity || "unknown", lat: x.lat_deg, lon: x.lon_deg };
    }) });
    while (st.frames.length > 1 && st.frames[0].t < p.t - KEEP_S) st.frames.shift();
    slider();
    if (st.live) render(p.t);
  }

  function order(o) {
    var unit = st.units[o.unit];
    st.orders[o.order] = { unit: o.unit, target: o.target, fire: o.t, end: o.intercept_time_s,
      from: unit ? [unit.lat, unit.lon] : null, to: [o.aim_lat_deg, o.aim_lon_deg] };
  }

  function units(u) {
    st.rounds = u.rounds;
    st.impacts = st.impacts.concat(u.impacts);  // each impact comes once
    view.setRounds(u.rounds);
    Object.keys(st.orders).forEach(function (k) {
      if (!st.results[k] && u.flying.indexOf(Number(k)) < 0) st.orders[k].declined = true;
    });
    if (st.live) render(latest());
  }

  function start(m) {
    st = { map: m, frames: [], orders: {}, results: {}, others: [], impacts: [], rounds: {},
      grants: [], closures: [], units: {}, live: true };
    m.units.forEach(function (u) {
      st.units[u.id] = u;
      if (u.rounds !== null) st.rounds[u.id] = u.rounds;
    });
    if (!view) {
      $("live").hidden = false;
      view = InklessMap.createMap($("live-map"), { basemap: basemap, symbols: symbols,
        members: m.members, bounds: m.bounds });
      InklessMap.legend($("live-identities"), symbols);
    }
    view.setStatic({ assets: m.assets, units: m.units, regions: m.regions });
    $("live-signin").hidden = true;
    $("live-member").textContent = m.member;
    document.body.dataset.state = "signed-in";
    say("signed in as " + m.member + " (speed " + m.speed + "×)");
  }

  function receive(msg) {
    var kind = msg.type;
    if (kind === "refused") {
      sessionStorage.removeItem(KEPT);
      document.body.dataset.state = "refused";
      $("live-signin").hidden = false;
      say("refused: " + msg.reason, true);
    } else if (kind === "map") {
      start(msg);
    } else if (!st) {
      return;
    } else if (kind === "picture") {
      picture(msg);
    } else if (kind === "order") {
      order(msg);
    } else if (kind === "result") {
      if (st.orders[msg.order]) st.results[msg.order] = msg; else st.others.push(msg);
    } else if (kind === "closure" && msg.reason === "notam") {
      st.closures.push({ region: msg.region, from: msg.from_t, until: msg.until_t });
    } else if (kind === "grant") {  // its end comes as a grant_ended closure, at until_t
      st.grants.push(msg);
    } else if (kind === "units") {
      units(msg);
    } else if (kind === "end") {
      st.ended = true;
      document.body.dataset.state = "ended";
      say("session ended at " + InklessMap.clock(msg.t, st.map.epoch));
    }
  }

  function signIn(token) {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
      "/view");
    var refused = false;
    say("signing in…");
    ws.onopen = function () { ws.send(JSON.stringify({ type: "token", token: token })); };
    sessionStorage.setItem(KEPT, token);  // a reload of this tab signs in again
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "refused") refused = true;
      receive(msg);
    };
    ws.onclose = function (ev) {
      if (refused || (st && st.ended)) return;
      say("connection closed" + (ev.reason ? ": " + ev.reason : " (the service stopped?)"), true);
      $("live-signin").hidden = false;
      document.body.dataset.state = "closed";
    };
    if (location.hash) history.replaceState(null, "", location.pathname);  // no token shown
  }

  function wire() {
    $("live-signin").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var token = $("live-token").value.trim();
      if (token) signIn(token.replace(/^.*#token=/, ""));
    });
    $("live-pause").addEventListener("click", function () { goLive(!st.live); });
    $("live-time").addEventListener("input", function () {
      stopReplay();
      if (st.live) { st.live = false; $("live-pause").textContent = "● live"; }
      render(Number($("live-time").value));
    });
    $("live-last").addEventListener("click", function () {
      replayFrom(Math.max(st.frames.length ? st.frames[0].t : 0, latest() - 300));
    });
  }

  Promise.all([getJSON("/map/basemap.json"), getJSON("/static/vendor/symbols.json")])
    .then(function (got) {
      basemap = got[0];
      symbols = got[1];
      wire();
      var token = fromHash() || sessionStorage.getItem(KEPT);
      if (token) signIn(token);
    })
    .catch(function (e) { say("cannot load the map: " + e.message, true); });
})();
