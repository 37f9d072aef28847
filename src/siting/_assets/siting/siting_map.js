/* siting map: builds every data layer from one JSON block (MIT, part of siting).
 *
 * All text from data is escaped with esc() before it reaches innerHTML (popups, layer names,
 * legend), so a POI name with HTML tags in it shows as text. Big layers are built
 * lazily the first time they are shown. */
(function () {
  'use strict';

  function esc(v) {
    return String(v === null || v === undefined ? '' : v)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  function fmt(x, d) {
    if (x === null || x === undefined || !isFinite(x)) { return ''; }
    return Number(x).toLocaleString('en-US', { maximumFractionDigits: d || 0, minimumFractionDigits: d || 0 });
  }

  // lines as one delta stream: {n: [points per line], d: [x0, y0, dx1, dy1, ...]} in 1e-5 degrees,
  // each difference from the previous point (of the same or the previous line) -> [[[lat, lon], ...], ...]
  function decodeLines(a) {
    var out = [], x = 0, y = 0, p = 0;
    for (var l = 0; l < a.n.length; l++) {
      var line = [];
      for (var i = 0; i < a.n[l]; i++, p += 2) { x += a.d[p]; y += a.d[p + 1]; line.push([y / 1e5, x / 1e5]); }
      out.push(line);
    }
    return out;
  }

  var LazyGroup = L.FeatureGroup.extend({
    initialize: function (build, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      this._build = build; this._built = false;
    },
    onAdd: function (map) {
      if (!this._built) { this._built = true; this._build(this); }
      L.FeatureGroup.prototype.onAdd.call(this, map);
    }
  });

  // a layers control with collapsible section headers (sections come from layer.options.section)
  var SectionLayers = L.Control.Layers.extend({
    _update: function () {
      this._lastSection = null;
      this._closed = this._closed || {};
      return L.Control.Layers.prototype._update.call(this);
    },
    _addItem: function (obj) {
      var label = L.Control.Layers.prototype._addItem.call(this, obj);
      var sec = obj.layer.options && obj.layer.options.section;
      if (obj.overlay && sec) {
        var self = this;
        if (sec !== this._lastSection) {
          var head = L.DomUtil.create('div', 'siting-lc-head');
          head.textContent = sec;
          head.setAttribute('data-section', sec);
          if (this._closed[sec]) { L.DomUtil.addClass(head, 'closed'); }
          this._overlaysList.insertBefore(head, label);
          L.DomEvent.on(head, 'click', function (e) {
            L.DomEvent.stop(e);
            self._closed[sec] = !self._closed[sec];
            self._update();
          });
          this._lastSection = sec;
        }
        label.setAttribute('data-section', sec);
        if (this._closed[sec]) { label.style.display = 'none'; }
      }
      return label;
    }
  });

  function sitingInit(map, D) {
    var T = D.T;
    var svg = D.renderer === 'svg';
    var renderer = svg ? L.svg({ padding: 0.3 }) : L.canvas({ padding: 0.3, tolerance: 3 });
    var facRenderer = L.canvas({ padding: 0.3, tolerance: 3, pane: 'markerPane' });
    var R = D.res, n = R.lat.length;
    var cats = D.cats;
    var fac = D.fac, prop = D.prop;
    var overlays = [];   // [name, layer]
    var bases = [];

    // ---------- base maps ----------
    D.basemaps.forEach(function (b) {
      var opts = { attribution: b.attr, maxZoom: b.maxZoom || 19, maxNativeZoom: b.maxNativeZoom || 18 };
      if (b.subdomains) { opts.subdomains = b.subdomains; }
      var layer = L.tileLayer(b.url, opts);
      if (b.labels) { layer = L.layerGroup([layer, L.tileLayer(b.labels, opts)]); }
      bases.push([b.name, layer, b['default']]);
    });
    var blank = L.layerGroup([], { attribution: '' });
    bases.push([T.blank, blank, !bases.some(function (b) { return b[2]; })]);
    bases.forEach(function (b) { if (b[2]) { b[1].addTo(map); } });

    // ---------- residences ----------
    var radius = new Array(n);
    for (var i = 0; i < n; i++) {
      var r = Math.sqrt(Math.max(R.pop[i], 0)) / 2;
      radius[i] = Math.min(Math.max(r, svg ? 3 : 2), svg ? 14 : 8);
    }
    function binColour(m) {
      if (m === null || m === undefined) { return D.bins[D.bins.length - 1][1]; }
      for (var k = 0; k < D.bins.length; k++) {
        if (D.bins[k][0] === null || m <= D.bins[k][0]) { return D.bins[k][1]; }
      }
      return D.bins[D.bins.length - 1][1];
    }
    function residencePopup(i, ck) {
      var h = '<div class="siting-popup"><b>' + esc(T.residence) + ' ' + esc(R.rid[i]) + '</b><br>' +
        esc(T.population) + ': ' + fmt(R.pop[i]);
      if (R.hh[i] !== null) { h += '<br>' + esc(T.households) + ': ' + fmt(R.hh[i]); }
      if (R.reach.charCodeAt(i) !== 49) { h += '<br><span class="no">' + esc(T.unreachable) + '</span>'; }
      h += '<table>';
      cats.forEach(function (c, k) {
        var ok = R.cov[k].charCodeAt(i) === 49, m = R.min[k][i];
        h += '<tr><td class="' + (ok ? 'ok">✔' : 'no">✘') + '</td><td>' + esc(c.name) + '</td><td>' +
          (m === null ? esc(T.none) : fmt(m, 1) + ' min') + '</td><td>(' + esc(c.threshold) + ')</td></tr>';
      });
      h += '</table>';
      if (ck !== undefined && ck !== null) {
        var f = R.fac[ck][i];
        if (f >= 0) { h += esc(T.nearest.replace('{cat}', cats[ck].name)) + ': ' + esc(fac.name[f] || fac.fid[f]); }
      }
      h += '<br>' + esc(T.complete) + ': ' + esc(R.complete.charCodeAt(i) === 49 ? T.yes : T.no) + '</div>';
      return h;
    }
    function residenceLayer(name, section, legend, colourOf, ck, show) {
      var g = new LazyGroup(function (grp) {
        for (var i = 0; i < n; i++) {
          var mk = L.circleMarker([R.lat[i], R.lon[i]], {
            renderer: renderer, radius: radius[i], color: '#333', weight: svg ? 0.6 : 0.3,
            fillColor: colourOf(i), fillOpacity: 0.85, sitingIndex: i
          });
          grp.addLayer(mk);
        }
      }, { section: section, legend: legend });
      g.on('click', function (e) {
        var i = e.layer.options.sitingIndex;
        L.popup({ maxWidth: 360 }).setLatLng(e.layer.getLatLng()).setContent(residencePopup(i, ck)).openOn(map);
      });
      overlays.push([name, g, show]);
      return g;
    }
    cats.forEach(function (c, k) {
      residenceLayer(c.name + ' (' + c.threshold + ')', T.sec_minutes, 'minutes',
        function (i) { return binColour(R.min[k][i]); }, k, k === D.mapCat);
    });
    var nc = Math.max(cats.length, 1), RC = D.reachedColours;
    residenceLayer(T.reached.replace('{n}', cats.length), T.sec_summary, 'reached',
      function (i) { return RC[Math.round(R.nreached[i] / nc * (RC.length - 1))]; }, null, false);
    if (D.nbasic > 0) {
      residenceLayer(T.score.replace('{n}', D.nbasic), T.sec_summary, 'score',
        function (i) { return RC[Math.round(R.nbasic[i] / D.nbasic * (RC.length - 1))]; }, null, false);
    }

    // ---------- accessibility (2SFCA), one layer per category, and after the plan ----------
    var AC = D.access;
    function accColour(a, v) {
      if (v === null || v === undefined || v <= 0) { return AC.none; }
      for (var q = 0; q < a.breaks.length; q++) { if (v <= a.breaks[q]) { return AC.colours[q]; } }
      return AC.colours[Math.min(a.breaks.length, AC.colours.length - 1)];
    }
    if (AC) {
      AC.layers.forEach(function (a) {
        var name = T.access_layer.replace('{cat}', cats[a.cat].name);
        residenceLayer(name, T.sec_access, 'access:' + a.cat, function (i) { return accColour(a, a.values[i]); }, a.cat, false);
        if (a.after) {
          residenceLayer(name + ' (' + T.after + ')', T.sec_access, 'access:' + a.cat,
            function (i) { return accColour(a, a.after[i]); }, a.cat, false);
        }
      });
    }

    // ---------- existing facilities ----------
    function facIcon(c, big) {
      var s = big ? 22 : 18;
      return L.divIcon({
        className: '', iconSize: [s, s], iconAnchor: [s / 2, s / 2], popupAnchor: [0, -s / 2],
        html: '<div class="siting-fac s' + c.shape + '" style="width:' + s + 'px;height:' + s + 'px;background:' +
          c.colour + '"><span>' + esc(c.abbr) + '</span></div>'
      });
    }
    cats.forEach(function (c, k) {
      var idx = [];
      for (var j = 0; j < fac.cat.length; j++) { if (fac.cat[j] === k) { idx.push(j); } }
      function facPopup(j) {
        return '<div class="siting-popup"><b>' + esc(fac.name[j] || fac.fid[j]) + '</b><br>' + esc(c.name) +
          '<br>' + esc(T.fid) + ': ' + esc(fac.fid[j]) + '<br>' + esc(T.serves.replace('{t}', c.threshold)) + ': ' +
          fmt(fac.served_pop[j]) + ' ' + esc(T.persons) + ' / ' + fmt(fac.served_n[j]) + ' ' + esc(T.residences) + '</div>';
      }
      var many = idx.length > D.markerLimit;
      var g = new LazyGroup(function (grp) {
        var icon = facIcon(c);
        idx.forEach(function (j) {
          if (many) {   // thousands of facilities: dots on the canvas, not one DOM element each
            grp.addLayer(L.circleMarker([fac.lat[j], fac.lon[j]], { renderer: facRenderer, radius: 4, color: '#fff', weight: 1,
              fillColor: c.colour, fillOpacity: 1, sitingIndex: j }));
            return;
          }
          var mk = L.marker([fac.lat[j], fac.lon[j]], { icon: icon, title: String(fac.name[j] || c.name), keyboard: false });
          mk.bindPopup(function () { return facPopup(j); }, { maxWidth: 320 });
          grp.addLayer(mk);
        });
      }, { section: T.sec_facilities, legend: 'fac:' + k });
      if (many) {
        g.on('click', function (e) {
          L.popup({ maxWidth: 320 }).setLatLng(e.layer.getLatLng()).setContent(facPopup(e.layer.options.sitingIndex)).openOn(map);
        });
      }
      overlays.push([c.name + ' (' + idx.length + ')', g, k === D.mapCat]);
    });

    // ---------- proposed stations ----------
    if (prop) {
      var pg = new LazyGroup(function (grp) {
        var icon = L.divIcon({ className: '', iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -12],
          html: '<div class="siting-prop">★</div>' });
        for (var j = 0; j < prop.lat.length; j++) {
          (function (j) {
            var c = cats[prop.cat[j]];
            var mk = L.marker([prop.lat[j], prop.lon[j]], { icon: icon, title: T.proposed + ': ' + c.name, zIndexOffset: 1000 });
            mk.bindPopup('<div class="siting-popup"><b>' + esc(T.proposed) + '</b><br>' + esc(c.name) + '<br>' +
              esc(T.site) + ': ' + esc(prop.site[j]) + '<br>' + esc(T.newly) + ': <b>' + fmt(prop.newly[j]) + '</b> ' +
              esc(T.persons) + ' (' + fmt(prop.newly_n[j]) + ' ' + esc(T.residences) + ')' +
              (prop.cost[j] !== null ? '<br>' + esc(T.cost) + ': ' + fmt(prop.cost[j], 1) : '') +
              (prop.floor[j] !== null ? '<br>' + esc(T.floor) + ': ' + fmt(prop.floor[j]) + ' m²' : '') + '</div>',
            { maxWidth: 320 });
            grp.addLayer(mk);
          })(j);
        }
      }, { section: T.sec_plan, legend: 'prop' });
      overlays.push([T.proposed + ' (' + prop.lat.length + ')', pg, true]);
    }

    // ---------- development under check ----------
    if (D.dev) {
      var dg = new LazyGroup(function (grp) {
        grp.addLayer(L.geoJSON(D.dev, {
          style: function () { return { color: '#d7301f', weight: 3, dashArray: '6 4', fillColor: '#fc8d59', fillOpacity: 0.25 }; },
          pointToLayer: function (f, ll) {
            return L.circleMarker(ll, { radius: 9, color: '#d7301f', weight: 3, fillColor: '#fc8d59', fillOpacity: 0.6 });
          },
          onEachFeature: function (f, layer) {
            var p = f.properties || {}, rows = '';
            Object.keys(p).forEach(function (key) { rows += '<tr><td>' + esc(key) + '</td><td>' + esc(p[key]) + '</td></tr>'; });
            layer.bindPopup('<div class="siting-popup"><b>' + esc(D.devName) + '</b><table>' + rows + '</table></div>');
          }
        }));
      }, { section: T.sec_plan, legend: 'dev' });
      overlays.push([D.devName, dg, true]);
    }

    // ---------- service areas (reached streets) ----------
    cats.forEach(function (c, k) {
      var a = D.areas[String(k)];
      if (!a) { return; }
      var g = new LazyGroup(function (grp) {
        var lines = decodeLines(a);
        grp.addLayer(L.polyline(lines, { color: c.colour, weight: 4, opacity: 0.55, lineCap: 'round', interactive: false, renderer: renderer }));
      }, { section: T.sec_areas, legend: 'area:' + k });
      overlays.push([c.name + ' (' + c.threshold + ')', g, false]);
    });

    // ---------- catchments: covered residences joined to the facility that serves them ----------
    cats.forEach(function (c, k) {
      var g = new LazyGroup(function (grp) {
        var segs = [];
        for (var i = 0; i < n; i++) {
          var f = R.fac[k][i];
          if (f >= 0 && R.cov[k].charCodeAt(i) === 49) { segs.push([[R.lat[i], R.lon[i]], [fac.lat[f], fac.lon[f]]]); }
        }
        if (segs.length) {
          grp.addLayer(L.polyline(segs, { color: '#222', weight: 1, opacity: 0.75, dashArray: '3 3', interactive: false, renderer: renderer }));
        }
      }, { section: T.sec_catchments, legend: 'catch:' + k });
      overlays.push([c.name, g, false]);
    });

    // ---------- controls ----------
    var title = L.control({ position: 'topleft' });
    title.onAdd = function () {
      var d = L.DomUtil.create('div', 'siting-box siting-title');
      var h = '<h1>' + esc(D.title) + '</h1>';
      if (D.table.length) {
        var plan = D.table.some(function (row) { return row[3] !== null && row[3] !== undefined; });
        h += '<table><tr><th>' + esc(T.category) + '</th><th>' + esc(T.threshold) + '</th><th class="num" colspan="2">' +
          esc(T.share) + '</th>' + (plan ? '<th class="num">' + esc(T.after) + '</th>' : '') + '</tr>';
        D.table.forEach(function (row) {
          var w = row[2] === null ? 0 : Math.round(row[2] * 50);
          h += '<tr><td>' + esc(row[0]) + '</td><td class="nw">' + esc(row[1]) + '</td><td class="num">' +
            (row[2] === null ? '–' : fmt(row[2] * 100) + '%') + '</td><td><span class="bar" style="width:' + w + 'px"></span></td>' +
            (plan ? '<td class="num after">' + (row[3] === null || row[3] === undefined ? '' : fmt(row[3] * 100) + '%') + '</td>' : '') +
            '</tr>';
        });
        h += '</table>';
      }
      if (D.complete !== null) { h += '<div class="complete">' + esc(T.complete) + ': ' + fmt(D.complete * 100) + ' %</div>'; }
      D.warnings.forEach(function (w) { h += '<div class="warn">' + esc(w) + '</div>'; });
      h += '<details><summary>' + esc(T.about) + '</summary><table class="meta">';
      D.meta.forEach(function (m) { h += '<tr><td>' + esc(m[0]) + '</td><td>' + esc(m[1]) + '</td></tr>'; });
      h += '</table>';
      D.notes.forEach(function (t) { h += '<p class="note">' + esc(t) + '</p>'; });
      h += '</details>';
      d.innerHTML = h;
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    title.addTo(map);
    L.control.zoom({ position: 'topleft' }).addTo(map);
    if (L.control.fullscreen) {
      L.control.fullscreen({ position: 'topleft', title: T.fullscreen, titleCancel: T.fullscreen_exit }).addTo(map);
    }
    L.control.scale({ position: 'bottomleft', imperial: false, maxWidth: 160 }).addTo(map);

    var ctl = new SectionLayers({}, {}, { collapsed: D.collapsed, position: 'topright', sortLayers: false });
    bases.forEach(function (b) { ctl.addBaseLayer(b[1], esc(b[0])); });
    overlays.forEach(function (o) { ctl.addOverlay(o[1], esc(o[0])); });
    ctl._closed = {};
    D.closedSections.forEach(function (s) { ctl._closed[T[s]] = true; });
    ctl.addTo(map);
    overlays.forEach(function (o) { if (o[2]) { o[1].addTo(map); } });

    // legend of what is shown
    var legend = L.control({ position: 'bottomleft' });
    legend.onAdd = function () {
      this._div = L.DomUtil.create('div', 'siting-box siting-legend');
      L.DomEvent.disableScrollPropagation(this._div);
      return this._div;
    };
    legend.addTo(map);
    function dot(c) { return '<span class="sw" style="background:' + c + '"></span>'; }
    function line(c) { return '<span class="ln" style="border-color:' + c + '"></span>'; }
    function renderLegend() {
      var seen = {}, h = '', facs = '';
      overlays.forEach(function (o) {
        var key = o[1].options.legend;
        if (!map.hasLayer(o[1]) || seen[key]) { return; }
        seen[key] = true;
        var parts = key.split(':'), k = parts.length > 1 ? +parts[1] : -1, c = k >= 0 ? cats[k] : null;
        if (key === 'minutes') {
          h += '<h4>' + esc(T.legend_minutes) + '</h4>';
          D.bins.forEach(function (b) { h += '<div class="row">' + dot(b[1]) + esc(b[2]) + '</div>'; });
        } else if (key === 'reached' || key === 'score') {
          var tot = key === 'reached' ? cats.length : D.nbasic;
          h += '<h4>' + esc(key === 'reached' ? T.legend_reached : T.legend_score) + '</h4>';
          for (var v = tot; v >= 0; v--) {
            h += '<div class="row">' + dot(RC[Math.round(v / Math.max(tot, 1) * (RC.length - 1))]) + v + ' / ' + tot + '</div>';
          }
        } else if (parts[0] === 'access') {
          var a = AC.layers.filter(function (x) { return x.cat === k; })[0];
          h += '<h4>' + esc(T.access_layer.replace('{cat}', c.name)) + '</h4><div class="row">' + esc(AC.unit) + '</div>';
          h += '<div class="row">' + dot(AC.none) + esc(T.access_none) + '</div>';
          var lo = 0;
          a.breaks.forEach(function (b, q) {
            h += '<div class="row">' + dot(AC.colours[q]) + fmt(lo, 2) + '–' + fmt(b, 2) + '</div>';
            lo = b;
          });
          h += '<div class="row">' + dot(AC.colours[Math.min(a.breaks.length, AC.colours.length - 1)]) + '&gt; ' + fmt(lo, 2) + '</div>';
        } else if (parts[0] === 'fac') {
          facs += '<div class="row"><span class="ic">' + facIcon(c).options.html + '</span>' + esc(c.name) + '</div>';
        } else if (key === 'prop') {
          h += '<h4>' + esc(T.sec_plan) + '</h4><div class="row"><span class="ic"><div class="siting-prop" style="width:18px;height:18px;font-size:10px;border-width:2px">★</div></span>' + esc(T.proposed) + '</div>';
        } else if (key === 'dev') {
          h += '<div class="row">' + line('#d7301f') + esc(D.devName) + '</div>';
        } else if (parts[0] === 'area') {
          h += '<div class="row">' + line(c.colour) + esc(T.area.replace('{cat}', c.name)) + '</div>';
        } else if (parts[0] === 'catch') {
          h += '<div class="row"><span class="ln" style="border-top:1px dashed #222"></span>' + esc(T.catchment.replace('{cat}', c.name)) + '</div>';
        }
      });
      if (facs) { h += '<h4>' + esc(T.sec_facilities) + '</h4>' + facs; }
      legend._div.innerHTML = h || esc(T.no_layers);
    }
    map.on('overlayadd overlayremove', renderLegend);
    renderLegend();

    if (D.bounds) { map.fitBounds(D.bounds, { padding: [20, 20] }); }
    window.sitingMap = map;
    window.sitingLayers = overlays.map(function (o) { return { name: o[0], layer: o[1] }; });
    window.sitingReady = true;
  }

  window.sitingInit = function (map) {
    var el = document.getElementById('siting-data');
    sitingInit(map, JSON.parse(el.textContent));
  };
  window.sitingEsc = esc;
})();
