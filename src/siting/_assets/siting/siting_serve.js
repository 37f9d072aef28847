/* siting serve: the live what-if controls on top of the meeting map (MIT, part of siting).
 *
 * The meeting map (siting_map.js) draws everything from the data block #siting-data through its
 * entry point sitingInit(map), which resolves to the map's controller. This script wraps that
 * entry point: it hides the map's static coverage table and plan, then adds the live panel, the
 * station layers and the switches. Each answer of the JSON API (docs/serve.md) carries the
 * residences that changed; their distances and serving facilities go to the controller
 * (setDistances), which recolours every layer that depends on them (classes, complete circle,
 * grid, catchments).
 *
 * Every text from data goes through esc() before innerHTML. */
(function () {
  'use strict';

  function esc(v) {
    return String(v === null || v === undefined ? '' : v)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function pct(x) { return x === null || x === undefined ? '–' : (x * 100).toFixed(1) + '%'; }
  function pp(a, b) {
    if (a === null || b === null || a === undefined || b === undefined) { return ''; }
    var d = (a - b) * 100;
    return (d > 0 ? '+' : '') + d.toFixed(1);
  }
  function num(x) { return x === null || x === undefined ? '' : Math.round(x).toLocaleString('en-US'); }
  function tpl(s, o) { return String(s).replace(/\{(\w+)\}/g, function (m, k) { return o[k] === undefined ? m : o[k]; }); }

  var orig = window.sitingInit;
  window.sitingInit = function (map) {
    var D = JSON.parse(document.getElementById('siting-data').textContent);
    D.table = []; D.complete = null; D.prop = null; D.planned = [];
    // the map's script parses #siting-data once: give it this very object
    var realParse = JSON.parse;
    JSON.parse = function () { JSON.parse = realParse; return D; };
    var drawn;
    try { drawn = orig(map); } finally { JSON.parse = realParse; }
    return drawn.then(function (ctl) { serveInit(map, D, ctl); return ctl; });
  };

  function serveInit(map, D, ctl) {
    var C = JSON.parse(document.getElementById('siting-serve').textContent);
    var T = C.T, R = D.res, n = R.n, cats = D.cats;
    var S = window.sitingServe = { ready: false, version: -1, busy: 0, summary: null, answers: 0, lastMs: null, error: null,
      stations: [], off: [], job: null };
    var cur = Math.max(0, C.cats.map(function (c) { return c.key; }).indexOf(C.category));
    var mode = 'add';
    // the engine states residences and facilities by their rows in the run; the map lists them in
    // its own order (siting.outputs.mapdata.map_data(index=True))
    var pos = new Int32Array(n);
    for (var t = 0; t < n; t++) { pos[R.index[t]] = t; }
    var facPos = {};
    for (var j0 = 0; j0 < D.fac.n; j0++) { facPos[D.fac.row[j0]] = j0; }
    var dist = cats.map(function (c, k) { return ctl.data.res.d[k].slice(); });
    var serv = cats.map(function (c, k) { return ctl.serving(k, 'now').slice(); });

    // ---------- requests, one at a time, in order ----------
    var queue = Promise.resolve();
    function api(method, path, body) {
      var run = function () {
        S.busy += 1; renderBusy();
        var h = { 'Content-Type': 'application/json' };
        if (C.token) { h['X-Siting-Token'] = C.token; }
        return fetch(path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined })
          .then(function (r) {
            return r.json().catch(function () { return { error: r.status + ' ' + r.statusText }; }).then(function (j) {
              if (!r.ok) { throw new Error(j.error || (r.status + '')); }
              return j;
            });
          })
          .then(function (j) { S.error = null; return j; },
            function (e) { S.error = String(e.message || e); showMsg(T.error + ': ' + S.error, true); throw e; })
          .finally(function () { S.busy -= 1; renderBusy(); });
      };
      var p = queue.then(run, run);
      queue = p.catch(function () { });
      return p;
    }
    function change(path, body) { return api('POST', path, body).then(apply); }

    // ---------- answers: new distances and serving facilities, drawn by the map ----------
    function apply(a) {
      (a.changes || []).forEach(function (ch) {
        var k = ch.cat, c = cats[k], q = dist[k], f = serv[k];
        for (var j = 0; j < ch.idx.length; j++) {
          var i = pos[ch.idx[j]], m = ch.min[j], cov = ch.cov.charAt(j) === '1', v;
          if (m === null || m === undefined) { v = 65535; } else {
            v = Math.min(65534, Math.round(m * 60 * D.speed / c.step));
            v = cov ? Math.min(v, c.qcov) : Math.max(v, c.qcov + 1);  // the class of the answer, whatever the rounding
          }
          q[i] = v;
          var row = ch.fac[j];
          f[i] = cov && row >= 0 && facPos[row] !== undefined ? facPos[row] + 1 : 0;
        }
        ctl.setDistances(k, q, f, 'now');
      });
      S.version = a.version; S.summary = a.summary; S.stations = a.stations; S.off = a.off; S.undo = a.undo;
      S.lastMs = a.server_ms; S.answers += 1;
      syncStations(); syncSwitches(); renderTable();
      return a;
    }

    // ---------- stations on the map ----------
    var stLayer = L.layerGroup().addTo(map), markers = {};
    var sugLayer = L.layerGroup().addTo(map);
    function stIcon(k, origin) {
      var c = cats[k] || { colour: '#6a00ff', abbr: '' };
      return L.divIcon({ className: '', iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -13],
        html: '<div class="siting-serve-st' + (origin === 'plan' ? ' plan' : '') + '" style="border-color:' + esc(c.colour) +
          '"><span>★</span><i style="background:' + esc(c.colour) + '">' + esc(c.abbr) + '</i></div>' });
    }
    function stPopup(s) {
      var k = catIndex(s.category);
      return '<div class="siting-popup"><b>' + esc(T.station) + ' ' + esc(s.id) + '</b><br>' + esc(C.cats[k].name) +
        (s.origin === 'plan' ? ' (' + esc(T.plan) + ')' : '') + '<br>' + esc(T.snap) + ': ' + (s.snap_m === null ? '–' : esc(s.snap_m.toFixed(1)) + ' m') +
        '<br>' + esc(T.serves) + ': ' + esc(num(s.serves_population)) + ' ' + esc(T.persons) +
        '<br>' + esc(T.newly) + ': <b>' + esc(num(s.newly_covered_population)) + '</b> ' + esc(T.persons) +
        ' (' + esc(num(s.newly_covered_residences)) + ' ' + esc(T.residences) + ')<br><i>' + esc(T.drag) + '</i><br>' +
        '<button type="button" class="siting-serve-remove" data-id="' + esc(s.id) + '">' + esc(T.remove) + '</button></div>';
    }
    function catIndex(key) { for (var k = 0; k < C.cats.length; k++) { if (C.cats[k].key === key) { return k; } } return 0; }
    function syncStations() {
      var seen = {};
      S.stations.forEach(function (s) {
        seen[s.id] = true;
        var mk = markers[s.id];
        if (!mk) {
          mk = L.marker([s.lat, s.lon], { icon: stIcon(catIndex(s.category), s.origin), draggable: true, zIndexOffset: 1000,
            title: T.station + ' ' + s.id, keyboard: false });
          mk.sitingId = s.id;
          mk.on('dragend', function () {
            var ll = mk.getLatLng();
            change('api/move', { id: mk.sitingId, lat: ll.lat, lon: ll.lng }).catch(function () { });
          });
          mk.addTo(stLayer);
          markers[s.id] = mk;
          mk.getElement().setAttribute('data-station', s.id);
        } else {
          var ll = mk.getLatLng();
          if (Math.abs(ll.lat - s.lat) > 1e-9 || Math.abs(ll.lng - s.lon) > 1e-9) { mk.setLatLng([s.lat, s.lon]); }
        }
        mk.bindPopup(stPopup(s), { maxWidth: 320 });
      });
      Object.keys(markers).forEach(function (id) {
        if (!seen[id]) { stLayer.removeLayer(markers[id]); delete markers[id]; }
      });
    }
    map.on('popupopen', function (e) {
      var b = e.popup.getElement() && e.popup.getElement().querySelector('.siting-serve-remove');
      if (b) {
        L.DomEvent.on(b, 'click', function (ev) {
          L.DomEvent.stop(ev);
          map.closePopup();
          change('api/remove', { id: b.getAttribute('data-id') }).catch(function () { });
        });
      }
    });

    // ---------- switches: existing facilities of the chosen category ----------
    var swRenderer = L.canvas({ padding: 0.3, tolerance: 4 });
    var swLayer = L.layerGroup();
    function isOff(k, j) { return S.off.some(function (o) { return o.category === C.cats[k].key && o.index === j; }); }
    function swStyle(k, j) {
      var off = isOff(k, j);
      return { radius: 8, weight: 3, color: off ? '#555' : cats[k].colour, dashArray: off ? '3 3' : null,
        fillColor: off ? '#bbb' : '#fff', fillOpacity: off ? 0.9 : 0.35 };
    }
    function buildSwitches() {
      swLayer.clearLayers();
      var F = C.facilities[cur];
      for (var j = 0; j < F.lon.length; j++) {
        if (!F.reachable[j]) { continue; }
        (function (j) {
          var o = swStyle(cur, j); o.renderer = swRenderer; o.sitingFacility = j;
          var mk = L.circleMarker([F.lat[j], F.lon[j]], o);
          mk.on('click', function (e) {
            L.DomEvent.stop(e);
            change('api/facility', { category: C.cats[cur].key, index: j, on: isOff(cur, j) }).catch(function () { });
          });
          swLayer.addLayer(mk);
        })(j);
      }
    }
    function syncSwitches() {
      swLayer.eachLayer(function (mk) { mk.setStyle(swStyle(cur, mk.options.sitingFacility)); });
    }
    function setMode(m) {
      mode = m;
      if (m === 'switch') { buildSwitches(); swLayer.addTo(map); } else { map.removeLayer(swLayer); }
      map.getContainer().classList.toggle('siting-serve-adding', m === 'add');
    }

    // ---------- clicks on the map ----------
    map.on('click', function (e) {
      if (mode !== 'add') { return; }
      change('api/add', { category: C.cats[cur].key, points: [{ lat: e.latlng.lat, lon: e.latlng.lng }] }).catch(function () { });
    });

    // ---------- the panel ----------
    var panel = L.control({ position: 'bottomright' });
    var box;
    panel.onAdd = function () {
      box = L.DomUtil.create('div', 'siting-box siting-serve');
      var opts = C.cats.map(function (c, k) {
        return '<option value="' + k + '"' + (k === cur ? ' selected' : '') + '>' + esc(c.name) + ' (' + esc(c.threshold) + ')</option>';
      }).join('');
      box.innerHTML = '<h2>' + esc(T.panel) + '</h2>' +
        '<label>' + esc(T.category) + ' <select class="cat">' + opts + '</select></label>' +
        '<div class="modes"><label><input type="radio" name="siting-mode" value="add" checked> ' + esc(T.mode_add) + '</label>' +
        '<label><input type="radio" name="siting-mode" value="switch"> ' + esc(T.mode_switch) + '</label></div>' +
        '<div class="table"></div>' +
        '<div class="row"><button type="button" class="undo">' + esc(T.undo) + '</button> <span class="ms"></span> <span class="busy"></span></div>' +
        '<div class="row opt">' + esc(T.optimize) + ' <input class="k" type="number" min="1" max="' + C.maxPoints + '" value="3"> ' +
        esc(T.stations) + ', ' + esc(T.time_limit) + ' <input class="tl" type="number" min="1" max="600" value="' + esc(C.timeLimit) + '"> ' +
        '<button type="button" class="go">▶</button> <button type="button" class="cancel" disabled>' + esc(T.cancel) + '</button>' +
        '<div class="job"></div></div>' +
        '<div class="row">' + esc(T.name) + ' <input class="name" value="whatif" maxlength="64" size="12"> ' +
        '<button type="button" class="save">' + esc(T.save) + '</button> <button type="button" class="export">' + esc(T.export) + '</button></div>' +
        '<div class="msg"></div>';
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    panel.addTo(map);
    function q(sel) { return box.querySelector(sel); }
    q('select.cat').addEventListener('change', function (e) {
      cur = +e.target.value;
      if (mode === 'switch') { buildSwitches(); }
      sugLayer.clearLayers();
      renderTable();
    });
    Array.prototype.forEach.call(box.querySelectorAll('input[name=siting-mode]'), function (r) {
      r.addEventListener('change', function (e) { if (e.target.checked) { setMode(e.target.value); } });
    });
    q('button.undo').addEventListener('click', function () { change('api/undo', {}).catch(function () { }); });
    function saveLike(path) {
      api('POST', path, { name: q('input.name').value }).then(function (a) {
        showMsg(tpl(T.saved, { path: a.folder }), false);
        S.saved = a;
      }).catch(function () { });
    }
    q('button.save').addEventListener('click', function () { saveLike('api/save'); });
    q('button.export').addEventListener('click', function () { saveLike('api/export'); });
    function showMsg(text, bad) {
      if (!box) { return; }
      var m = q('.msg');
      m.textContent = text;
      m.className = 'msg' + (bad ? ' bad' : '');
    }
    function renderBusy() { if (box) { q('.busy').textContent = S.busy > 0 ? T.busy : ''; } }

    function renderTable() {
      var s = S.summary;
      if (!s || !box) { return; }
      var h = '<table><tr><th>' + esc(T.category) + '</th><th class="num">' + esc(T.start) + '</th><th class="num">' + esc(T.now) +
        '</th><th class="num">' + esc(T.change) + '</th></tr>';
      s.categories.forEach(function (c, k) {
        h += '<tr class="' + (k === cur ? 'cur' : '') + '" data-key="' + esc(c.key) + '"><td>' + esc(c.name) + ' <span class="th">(' + esc(c.threshold) +
          ')</span></td><td class="num">' + pct(c.share_start) + '</td><td class="num share">' + pct(c.share) + '</td><td class="num">' +
          pp(c.share, c.share_start) + '</td></tr>';
      });
      if (s.complete.share !== null) {
        h += '<tr class="complete"><td>' + esc(T.complete) + '</td><td class="num">' + pct(s.complete.share_start) +
          '</td><td class="num share">' + pct(s.complete.share) + '</td><td class="num">' + pp(s.complete.share, s.complete.share_start) + '</td></tr>';
      }
      h += '</table>';
      var c = s.categories[cur];
      h += '<div class="detail"><b>' + esc(c.name) + '</b>: ' + esc(T.newly) + ' <b class="newly">' + esc(num(c.newly_covered_population)) +
        '</b> ' + esc(T.persons) + ' (' + esc(num(c.newly_covered_residences)) + ' ' + esc(T.residences) + ')';
      if (c.lost_residences > 0) {
        h += '; ' + esc(T.lost) + ' <b class="lost">' + esc(num(c.lost_population)) + '</b> ' + esc(T.persons);
      }
      h += '; ' + esc(c.facilities_on) + ' ' + esc(T.facilities_on);
      var g = Object.keys(c.groups);
      if (g.length) {
        h += '<br>' + esc(T.groups) + ': ' + g.map(function (name) {
          var v = c.groups[name];
          return esc(T[name] || name) + ' ' + pct(v.share_start) + ' → <b>' + pct(v.share) + '</b>';
        }).join(', ');
      }
      h += '</div>';
      q('.table').innerHTML = h;
      q('.ms').textContent = S.lastMs === null ? '' : tpl(T.server_ms, { ms: S.lastMs });
      q('button.undo').disabled = !S.undo;
    }

    // ---------- the optimiser ----------
    var poll = null;
    q('button.go').addEventListener('click', function () {
      sugLayer.clearLayers();
      api('POST', 'api/optimize', { category: C.cats[cur].key, k: +q('input.k').value, time_limit: +q('input.tl').value })
        .then(function (j) { showJob(j); startPoll(); }).catch(function () { });
    });
    q('button.cancel').addEventListener('click', function () {
      api('POST', 'api/optimize/cancel', {}).then(showJob).catch(function () { });
    });
    function startPoll() {
      if (poll) { return; }
      poll = setInterval(function () {
        var h = {}; if (C.token) { h['X-Siting-Token'] = C.token; }
        fetch('api/optimize', { headers: h }).then(function (r) { return r.json(); }).then(showJob).catch(function () { });
      }, 500);
    }
    function showJob(j) {
      S.job = j;
      var el = q('.job'), running = j.state === 'preparing' || j.state === 'solving';
      q('button.cancel').disabled = !running;
      q('button.go').disabled = running;
      if (!running && poll) { clearInterval(poll); poll = null; }
      if (j.state === 'solving') { el.textContent = tpl(T.running, { t: j.elapsed, limit: j.time_limit }); }
      else if (j.state === 'preparing') { el.textContent = tpl(T.preparing, { t: j.elapsed }); }
      else if (j.state === 'cancelled') { el.textContent = T.cancelled; }
      else if (j.state === 'failed') { el.textContent = tpl(T.failed, { msg: j.message }); }
      else if (j.state === 'done') {
        el.innerHTML = esc(tpl(T.done, { n: j.suggestions.length, p: num(j.newly_covered_population), status: j.status || '' })) +
          (j.message ? '<br><i>' + esc(j.message) + '</i>' : '') +
          (j.suggestions.length ? ' <button type="button" class="addall">' + esc(T.add_all) + '</button>' : '');
        sugLayer.clearLayers();
        var k = catIndex(j.category);
        j.suggestions.forEach(function (s) {
          L.circleMarker([s.lat, s.lon], { radius: 11, color: cats[k].colour, weight: 3, dashArray: '4 3', fill: false, interactive: false })
            .addTo(sugLayer);
        });
        var b = el.querySelector('.addall');
        if (b) {
          b.addEventListener('click', function () {
            sugLayer.clearLayers();
            change('api/add', { category: j.category, origin: 'optimizer',
              points: j.suggestions.map(function (s) { return { lat: s.lat, lon: s.lon }; }) }).catch(function () { });
            el.textContent = '';
          });
        }
      } else { el.textContent = ''; }
    }

    // ---------- start: catch up with the server ----------
    setMode('add');
    api('GET', 'api/state').then(function (a) {
      apply(a);
      S.ready = true;
      return api('GET', 'api/optimize');
    }).then(function (j) { showJob(j); if (j.state === 'preparing' || j.state === 'solving') { startPoll(); } }).catch(function () { });
  }
})();
