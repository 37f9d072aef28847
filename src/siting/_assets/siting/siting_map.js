/* siting map: draws a run's map from one JSON payload (MIT, part of siting).
 *
 * Entry points (all return a Promise of the map's controller):
 *   sitingInit(map)                 the saved page: reads <script id="siting-data"> into a Leaflet map
 *   sitingDraw(element, data, opt)  creates a Leaflet map in `element` and draws `data` (siting serve)
 *   sitingBuild(map, data)          draws `data` into an existing Leaflet map
 * `data` is siting.outputs.maps.map_data(res): plain JSON whose big arrays are packed
 * ({"$": "a", t, n, b[, z, d]} / {"$": "s", ...}; see siting/outputs/encode.py) and decoded here
 * (gzip through the browser's DecompressionStream).
 *
 * All text from data is escaped with esc() before it reaches innerHTML (popups, layer names,
 * legend), so a POI name with HTML tags in it shows as text. Big layers (residences, streets,
 * facility dots, service areas, catchments) are drawn on canvases, only what is in view; small
 * runs draw residences as SVG. Layers are built the first time they are shown. */
(function () {
  'use strict';

  // ---------------------------------------------------------------------------------------------
  // small helpers
  // ---------------------------------------------------------------------------------------------
  function esc(v) {
    return String(v === null || v === undefined ? '' : v)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function fmt(x, d) {
    if (x === null || x === undefined || !isFinite(x)) { return ''; }
    return Number(x).toLocaleString('en-US', { maximumFractionDigits: d || 0, minimumFractionDigits: d || 0 });
  }
  function fill(s, o) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : m; });
  }
  function bit(a, i) { return (a[i >> 3] >> (i & 7)) & 1; }

  // ---------------------------------------------------------------------------------------------
  // decoding packed arrays
  // ---------------------------------------------------------------------------------------------
  var TYPES = { u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array,
    f32: Float32Array, f64: Float64Array };
  function b64(s) {
    var bin = atob(s), n = bin.length, u = new Uint8Array(n);
    for (var i = 0; i < n; i++) { u[i] = bin.charCodeAt(i); }
    return u;
  }
  function inflate(u8) {
    if (typeof DecompressionStream === 'undefined') { return Promise.reject(new Error('old-browser')); }
    var stream = new Blob([u8]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  function bytesOf(o, key) { var u = b64(o[key]); return o.z || key === 'sz' ? inflate(u) : Promise.resolve(u); }
  function decodeArray(o) {
    return bytesOf(o, 'b').then(function (u) {
      var T = TYPES[o.t], w = T.BYTES_PER_ELEMENT;
      if (o.p) {  // byte planes back to values
        var v = new Uint8Array(o.n * w);
        for (var b = 0; b < w; b++) { for (var i0 = 0, off = b * o.n; i0 < o.n; i0++) { v[i0 * w + b] = u[off + i0]; } }
        u = v;
      }
      var a = new T(u.buffer, u.byteOffset, o.n);
      if (!o.d) { return a; }
      var out = new Int32Array(o.n), s = 0;
      for (var i = 0; i < o.n; i++) { s += a[i]; out[i] = s; }
      return out;
    });
  }
  function pad(v, w) { var s = String(v); while (s.length < w) { s = '0' + s; } return s; }
  function decodeStrings(o) {
    if (o.i) {
      return decodeArray(o.i).then(function (a) {
        var f = function (i) { return o.p + (o.w ? pad(a[i], o.w) : String(a[i])); };
        f.length2 = a.length;
        return f;
      });
    }
    var text = o.sz ? bytesOf(o, 'sz').then(function (u) { return new TextDecoder('utf-8').decode(u); }) : Promise.resolve(o.s);
    return text.then(function (t) {
      var parts = o.n ? t.split('\n') : [];
      var f = function (i) { return parts[i]; };
      f.length2 = parts.length;
      return f;
    });
  }
  /* Replace every packed value under `obj` by a typed array (numbers) or an accessor i -> string. */
  function decodeAll(obj) {
    var jobs = [];
    (function walk(o) {
      if (!o || typeof o !== 'object' || ArrayBuffer.isView(o)) { return; }
      Object.keys(o).forEach(function (k) {
        var v = o[k];
        if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) { return; }
        if (v.$ === 'a') { jobs.push(decodeArray(v).then(function (a) { o[k] = a; })); } else if (v.$ === 's') {
          jobs.push(decodeStrings(v).then(function (a) { o[k] = a; }));
        } else { walk(v); }
      });
    })(obj);
    return Promise.all(jobs).then(function () { return obj; });
  }

  // ---------------------------------------------------------------------------------------------
  // Web Mercator at zoom 0 (Leaflet's EPSG:3857: a point at zoom z is this × 2^z)
  // ---------------------------------------------------------------------------------------------
  var R_EARTH = 6378137, MAX_LAT = 85.0511287798, DEG = Math.PI / 180, SCALE0 = 256 * 0.5 / (Math.PI * R_EARTH);
  function p0x(lon) { return 256 * 0.5 + SCALE0 * R_EARTH * lon * DEG; }
  function p0y(lat) {
    var s = Math.sin(Math.max(Math.min(lat, MAX_LAT), -MAX_LAT) * DEG);
    return 256 * 0.5 - SCALE0 * R_EARTH * Math.log((1 + s) / (1 - s)) / 2;
  }
  function positions(P, n) {  // packed lon/lat offsets -> {lat, lon, X, Y (zoom-0 pixels)}
    var lat = new Float64Array(n), lon = new Float64Array(n), X = new Float64Array(n), Y = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      lon[i] = P.x0 + P.qx[i] / P.q; lat[i] = P.y0 + P.qy[i] / P.q;
      X[i] = p0x(lon[i]); Y[i] = p0y(lat[i]);
    }
    return { lat: lat, lon: lon, X: X, Y: Y };
  }

  // ---------------------------------------------------------------------------------------------
  // a canvas layer that draws with a callback, only what is in view (Leaflet's Renderer for the
  // pan and zoom animations)
  // ---------------------------------------------------------------------------------------------
  var Bulk = L.Renderer.extend({
    options: { padding: 0.2 },
    initialize: function (draw, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._drawFn = draw;
    },
    _initContainer: function () {
      var c = this._container = document.createElement('canvas');
      c.className = 'siting-bulk';
      c.style.pointerEvents = 'none';
      this._ctx = c.getContext('2d');
    },
    _destroyContainer: function () { L.DomUtil.remove(this._container); delete this._ctx; delete this._container; },
    _update: function () {
      if (this._map._animatingZoom && this._bounds) { return; }
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, c = this._container, size = b.getSize(), m = L.Browser.retina ? 2 : 1;
      L.DomUtil.setPosition(c, b.min);
      c.width = m * size.x; c.height = m * size.y;
      c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
      var ctx = this._ctx;
      ctx.setTransform(m, 0, 0, m, 0, 0);
      ctx.translate(-b.min.x, -b.min.y);
      var z = this._map.getZoom(), o = this._map.getPixelOrigin();
      this.view = { ctx: ctx, s: Math.pow(2, z), ox: o.x, oy: o.y, z: z, minx: b.min.x, miny: b.min.y, maxx: b.max.x, maxy: b.max.y };
      this.drawn = this._drawFn(this.view, this) || 0;
      this.fire('update');
    },
    redraw: function () { if (this._map) { this._update(); } return this; }
  });

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

  // a layers control with folding section headers (layer.options.section), a fold-all header,
  // and a list that scrolls within the window
  var SectionLayers = L.Control.Layers.extend({
    _initLayout: function () {
      L.Control.Layers.prototype._initLayout.call(this);
      var self = this, head = L.DomUtil.create('div', 'siting-lc-top');
      head.textContent = this.options.title || '';
      this._section.insertBefore(head, this._section.firstChild);
      L.DomEvent.on(head, 'click', function (e) {
        L.DomEvent.stop(e);
        L.DomUtil.hasClass(self._container, 'siting-folded') ? L.DomUtil.removeClass(self._container, 'siting-folded')
          : L.DomUtil.addClass(self._container, 'siting-folded');
      });
      var toggle = this._container.querySelector('.leaflet-control-layers-toggle');
      if (toggle) { toggle.title = this.options.title || ''; }
    },
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

  // ---------------------------------------------------------------------------------------------
  // a binary heap of (distance, node) for the service areas' Dijkstra
  // ---------------------------------------------------------------------------------------------
  function Heap() { this.d = []; this.v = []; }
  Heap.prototype.push = function (d, v) {
    var a = this.d, b = this.v, i = a.length;
    a.push(d); b.push(v);
    while (i > 0) {
      var p = (i - 1) >> 1;
      if (a[p] <= d) { break; }
      a[i] = a[p]; b[i] = b[p]; i = p;
    }
    a[i] = d; b[i] = v;
  };
  Heap.prototype.pop = function () {  // -> node; this.top = its distance
    var a = this.d, b = this.v, d0 = a[0], v0 = b[0], d = a.pop(), v = b.pop(), n = a.length;
    if (n > 0) {
      var i = 0;
      for (;;) {
        var l = 2 * i + 1, r = l + 1, m = i, md = d;
        if (l < n && a[l] < md) { m = l; md = a[l]; }
        if (r < n && a[r] < md) { m = r; md = a[r]; }
        if (m === i) { break; }
        a[i] = a[m]; b[i] = b[m]; i = m;
      }
      a[i] = d; b[i] = v;
    }
    this.top = d0;
    return v0;
  };

  // ---------------------------------------------------------------------------------------------
  // the map
  // ---------------------------------------------------------------------------------------------
  function build(map, D) {
    var T = D.T, zh = D.lang === 'zh', cats = D.cats, nc = cats.length, CO = zh ? '：' : ': ';
    var R = D.res, n = R.n, F = D.fac, nF = F.n, prop = D.prop, S = D.streets;
    var svg = D.renderer === 'svg';
    var overlays = [], bases = [];
    var state = { mode: 'now', streetsOn: false, streetsDrawn: 0, basemapOffline: false, warnings: D.warnings.slice() };
    var ctl = null, legend = null, titleBox = null;
    document.documentElement.lang = zh ? 'zh-CN' : 'en';

    // ---------- panes ----------
    [['sitingStreets', 250], ['sitingAreas', 380], ['sitingCatch', 390], ['sitingFac', 590]].forEach(function (p) {
      if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
      map.getPane(p[0]).style.pointerEvents = 'none';
    });

    // ---------- positions ----------
    var RP = positions(R, n), FP = positions(F, nF);
    var SN = S.nx.length, SNX = new Float64Array(SN), SNY = new Float64Array(SN);
    for (var i1 = 0; i1 < SN; i1++) { SNX[i1] = p0x((S.x0 + S.nx[i1]) / S.q); SNY[i1] = p0y((S.y0 + S.ny[i1]) / S.q); }
    var SM = S.a.length, SA = S.a, SB = new Int32Array(SM), SBO = new Int32Array(SM + 1);
    for (var e = 0; e < SM; e++) { SB[e] = SA[e] + S.b[e]; SBO[e + 1] = SBO[e] + S.bc[e]; }
    var NB = S.bx.length, BX = new Float64Array(NB), BY = new Float64Array(NB);
    for (var j = 0; j < NB; j++) { BX[j] = p0x((S.x0 + S.bx[j]) / S.q); BY[j] = p0y((S.y0 + S.by[j]) / S.q); }
    // the segments drawn at each zoom: those whose stroke is long enough for it (S.z), all from S.full
    var zList = {};
    function segsAt(z) {
      z = Math.max(S.z0, Math.min(z, S.full));
      if (!zList[z]) {
        var c = 0, e;
        for (e = 0; e < SM; e++) { if (S.z[e] + S.z0 <= z) { c++; } }
        var out = new Int32Array(c);
        c = 0;
        for (e = 0; e < SM; e++) { if (S.z[e] + S.z0 <= z) { out[c++] = e; } }
        zList[z] = out;
      }
      return zList[z];
    }

    // ---------- classes ----------
    var pop = R.pop || new Float64Array(n), hh = R.hh;
    var CC = D.classColours;
    function classesOf(k, q) {
      var c = cats[k], out = new Uint8Array(n);
      for (var i = 0; i < n; i++) {
        var v = q[i];
        out[i] = v <= c.qcov ? 0 : (v <= c.qbey ? 1 : (v === 65535 ? 3 : 2));
      }
      return out;
    }
    var DIST = { now: R.d.slice(), plan: R.d.slice() }, CODES = { now: R.f.slice(), plan: R.f.slice() };
    Object.keys(R.after || {}).forEach(function (k) { DIST.plan[+k] = R.after[k].d; CODES.plan[+k] = R.after[k].f; });
    var SERV = { now: [], plan: [] };
    /* The facility serving each resident of category k (0: none; j + 1: facility j; nF + p + 1:
       proposed row p), from the ranks by straight-line distance the payload carries (see
       siting.outputs.maps._rank_codes), found with a grid search over the candidates. */
    function serving(k, mode) {
      mode = (mode === 'plan' && cats[k].planned) ? 'plan' : 'now';
      if (SERV[mode][k]) { return SERV[mode][k]; }
      var code = CODES[mode][k].r, exc = CODES[mode][k].x, c0 = D.cos0, out = new Int32Array(n);
      var cx = [], cy = [], lonv = [], val = [];
      facOf[k].forEach(function (j) { lonv.push(FP.lon[j]); cx.push(FP.lon[j] * c0); cy.push(FP.lat[j]); val.push(j + 1); });
      if (mode === 'plan' && prop) {
        prop.cat.forEach(function (kk, p) {
          if (kk === k) {
            var si = prop.site[p];
            lonv.push(prop.sites.lon[si]); cx.push(prop.sites.lon[si] * c0); cy.push(prop.sites.lat[si]); val.push(nF + p + 1);
          }
        });
      }
      var m = cx.length, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, t;
      for (t = 0; t < m; t++) { x0 = Math.min(x0, cx[t]); x1 = Math.max(x1, cx[t]); y0 = Math.min(y0, cy[t]); y1 = Math.max(y1, cy[t]); }
      var cell = Math.max(Math.sqrt(Math.max((x1 - x0) * (y1 - y0), 1e-12) / Math.max(m, 1) * 3), 1e-7);
      var W = Math.max(1, Math.ceil((x1 - x0) / cell) + 1), H = Math.max(1, Math.ceil((y1 - y0) / cell) + 1);
      var start = new Int32Array(W * H + 1), items = new Int32Array(m), gx = new Int32Array(m), gy = new Int32Array(m);
      for (t = 0; t < m; t++) { gx[t] = Math.floor((cx[t] - x0) / cell); gy[t] = Math.floor((cy[t] - y0) / cell); start[gy[t] * W + gx[t] + 1]++; }
      for (t = 0; t < W * H; t++) { start[t + 1] += start[t]; }
      var fillp = start.slice(0, W * H);
      for (t = 0; t < m; t++) { items[fillp[gy[t] * W + gx[t]]++] = t; }
      var e = 0;
      for (var i = 0; i < n; i++) {
        var r = code[i];
        if (r === 0) { continue; }
        if (r === 255) { out[i] = val[exc[e++] - 1]; continue; }
        var qx = RP.lon[i] * c0, qy = RP.lat[i], ix = Math.floor((qx - x0) / cell), iy = Math.floor((qy - y0) / cell), cand = [];
        for (var ring = 0; ; ring++) {
          for (var yy = iy - ring; yy <= iy + ring; yy++) {
            if (yy < 0 || yy >= H) { continue; }
            for (var xx = ix - ring; xx <= ix + ring; xx++) {
              if (xx < 0 || xx >= W || (Math.abs(yy - iy) !== ring && Math.abs(xx - ix) !== ring)) { continue; }
              for (var q = start[yy * W + xx]; q < start[yy * W + xx + 1]; q++) {
                var id = items[q], dx = (lonv[id] - RP.lon[i]) * c0, dy = cy[id] - RP.lat[i];
                cand.push([dx * dx + dy * dy, id]);
              }
            }
          }
          // everything outside the searched square is at least this far
          var bx = Math.min(qx - (x0 + (ix - ring) * cell), x0 + (ix + ring + 1) * cell - qx);
          var by = Math.min(qy - (y0 + (iy - ring) * cell), y0 + (iy + ring + 1) * cell - qy), bound = Math.min(bx, by);
          var inside = 0;
          for (t = 0; t < cand.length; t++) { if (cand[t][0] < bound * bound) { inside++; } }
          if (inside >= r || (ix - ring <= 0 && iy - ring <= 0 && ix + ring >= W - 1 && iy + ring >= H - 1)) { break; }
        }
        cand.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
        out[i] = cand.length >= r ? val[cand[r - 1][1]] : 0;
      }
      SERV[mode][k] = out;
      return out;
    }
    var CLS = { now: [], plan: [] };
    function computeClasses(mode) {
      CLS[mode] = DIST[mode].map(function (q, k) {
        return (mode === 'plan' && DIST.plan[k] === DIST.now[k] && CLS.now[k]) ? CLS.now[k] : classesOf(k, q);
      });
    }
    computeClasses('now'); computeClasses('plan');
    function cls(k, i) { return CLS[state.mode][k][i]; }
    function completeClass(i) {
      var w = 0, b = D.basic;
      for (var t = 0; t < b.length; t++) { var c = CLS[state.mode][b[t]][i]; if (c > w) { w = c; } }
      return w;
    }
    function reached(i) { var c = 0; for (var k = 0; k < nc; k++) { if (CLS[state.mode][k][i] === 0) { c++; } } return c; }
    var RC = D.reachedColours;
    function reachedColour(v, tot) { return RC[Math.round(v / Math.max(tot, 1) * (RC.length - 1))]; }

    // views: what a residence layer colours by
    function View(kind, k) { this.kind = kind; this.k = k; }
    // accessibility (2SFCA, siting.access): A per resident, coloured by quintile breaks
    var AC = D.access;
    function accValues(a) { return state.mode === 'plan' && a.after ? a.after : a.values; }
    function accColour(a, v) {
      if (v === null || v === undefined || !(v > 0)) { return AC.none; }
      for (var q = 0; q < a.breaks.length; q++) { if (v <= a.breaks[q]) { return AC.colours[q]; } }
      return AC.colours[Math.min(a.breaks.length, AC.colours.length - 1)];
    }
    View.prototype.colour = function (i) {
      if (this.kind === 'cat') { return CC[cls(this.k, i)]; }
      if (this.kind === 'complete') { return CC[completeClass(i)]; }
      if (this.kind === 'access') { return accColour(this.a, accValues(this.a)[i]); }
      return reachedColour(reached(i), nc);
    };
    View.prototype.good = function (i) {  // share of this resident counted "good" in a grid cell
      if (this.kind === 'cat') { return cls(this.k, i) === 0 ? 1 : 0; }
      if (this.kind === 'complete') { return completeClass(i) === 0 ? 1 : 0; }
      if (this.kind === 'access') { return accValues(this.a)[i]; }  // a cell shows its residents' mean A
      return reached(i) / Math.max(nc, 1);
    };
    View.prototype.cellColour = function (good, popc) {
      if (this.kind === 'access') { return accColour(this.a, popc > 0 ? good / popc : 0); }
      return shareColour(popc > 0 ? good / popc : 0);
    };

    // ---------- the district grid ----------
    var G = D.grid, grid = null;
    if (G.on && n > 0) {
      grid = (function () {
        var unit = 256 / (2 * Math.PI * R_EARTH * Math.cos(G.lat0 * DEG));  // zoom-0 pixels per ground metre at lat0
        var hex = G.kind === 'hex', s = hex ? G.m / Math.sqrt(3) * unit : G.m * unit;
        var ox = p0x(D.bounds[0][1]), oy = p0y(D.bounds[1][0]);  // north-west corner of the network
        var keyOf = new Map(), cell = new Int32Array(n), cx = [], cy = [];
        function locate(X, Y) {
          var x = X - ox, y = Y - oy, q, r;
          if (hex) {
            var fq = (Math.sqrt(3) / 3 * x - y / 3) / s, fr = (2 / 3 * y) / s, fs = -fq - fr;
            q = Math.round(fq); r = Math.round(fr); var t = Math.round(fs);
            var dq = Math.abs(q - fq), dr = Math.abs(r - fr), ds = Math.abs(t - fs);
            if (dq > dr && dq > ds) { q = -r - t; } else if (dr > ds) { r = -q - t; }
          } else { q = Math.floor(x / s); r = Math.floor(y / s); }
          return [q, r];
        }
        for (var i = 0; i < n; i++) {
          var qr = locate(RP.X[i], RP.Y[i]), key = (qr[0] + 50000) * 100000 + (qr[1] + 50000);
          var c = keyOf.get(key);
          if (c === undefined) {
            c = cx.length; keyOf.set(key, c);
            if (hex) { cx.push(ox + s * Math.sqrt(3) * (qr[0] + qr[1] / 2)); cy.push(oy + s * 1.5 * qr[1]); } else {
              cx.push(ox + (qr[0] + 0.5) * s); cy.push(oy + (qr[1] + 0.5) * s);
            }
          }
          cell[i] = c;
        }
        var nCell = cx.length, cpop = new Float64Array(nCell), cres = new Int32Array(nCell);
        for (i = 0; i < n; i++) { cpop[cell[i]] += pop[i]; cres[cell[i]] += 1; }
        return { hex: hex, s: s, cell: cell, cx: cx, cy: cy, n: nCell, pop: cpop, res: cres, keyOf: keyOf, locate: locate,
          stats: {} };
      })();
    }
    function cellStats(view) {
      var key = view.kind + ':' + view.k + ':' + state.mode;
      if (!grid.stats[key]) {
        var good = new Float64Array(grid.n);
        for (var i = 0; i < n; i++) { good[grid.cell[i]] += pop[i] * view.good(i); }
        grid.stats[key] = good;
      }
      return grid.stats[key];
    }
    function shareColour(sh) {
      for (var b = 0; b < D.shareBins.length; b++) { if (sh >= D.shareBins[b][0] - 1e-12) { return D.shareBins[b][1]; } }
      return D.shareBins[D.shareBins.length - 1][1];
    }
    function gridMode(z) { return grid !== null && z < G.zoom; }

    // ---------- drawing residences ----------
    var radius = new Float32Array(n);
    for (var i0 = 0; i0 < n; i0++) {
      var rr = Math.sqrt(Math.max(pop[i0], 0)) / 2;
      radius[i0] = Math.min(Math.max(rr, svg ? 3 : 2), svg ? 14 : 8);
    }
    var poly = R.poly, ringStart = null, partStart = null, PX = null, PY = null;
    if (poly) {
      partStart = new Int32Array(n + 1); for (var a0 = 0; a0 < n; a0++) { partStart[a0 + 1] = partStart[a0] + poly.pp[a0]; }
      var nr = poly.vc.length; ringStart = new Int32Array(nr + 1);
      for (var b0 = 0; b0 < nr; b0++) { ringStart[b0 + 1] = ringStart[b0] + poly.vc[b0]; }
      PX = new Float64Array(poly.vx.length); PY = new Float64Array(poly.vy.length);
      for (var c0 = 0; c0 < PX.length; c0++) { PX[c0] = p0x(poly.vx[c0] / poly.q); PY[c0] = p0y(poly.vy[c0] / poly.q); }
    }
    function drawResidences(view, v) {
      var ctx = v.ctx, s = v.s, count = 0, i, x, y;
      if (gridMode(v.z)) {
        var good = cellStats(view), hs = grid.s * s;
        for (var c = 0; c < grid.n; c++) {
          x = grid.cx[c] * s - v.ox; y = grid.cy[c] * s - v.oy;
          if (x < v.minx - hs || x > v.maxx + hs || y < v.miny - hs || y > v.maxy + hs) { continue; }
          ctx.beginPath();
          if (grid.hex) {
            for (var t = 0; t < 6; t++) {
              var ang = Math.PI / 180 * (60 * t - 30);
              var px = x + hs * Math.cos(ang), py = y + hs * Math.sin(ang);
              t ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
            }
            ctx.closePath();
          } else { ctx.rect(x - hs / 2, y - hs / 2, hs, hs); }
          ctx.fillStyle = view.cellColour(good[c], grid.pop[c]);
          ctx.globalAlpha = 0.8; ctx.fill(); ctx.globalAlpha = 1;
          ctx.lineWidth = 0.5; ctx.strokeStyle = 'rgba(60,60,60,.5)'; ctx.stroke();
          count++;
        }
        return count;
      }
      var hitIdx = view.hitIdx || (view.hitIdx = []), hitX = view.hitX || (view.hitX = []), hitY = view.hitY || (view.hitY = []);
      hitIdx.length = 0; hitX.length = 0; hitY.length = 0;
      var buckets = {};
      for (i = 0; i < n; i++) {
        x = RP.X[i] * s - v.ox; y = RP.Y[i] * s - v.oy;
        if (x < v.minx - 40 || x > v.maxx + 40 || y < v.miny - 40 || y > v.maxy + 40) { continue; }
        var col = view.colour(i);
        (buckets[col] || (buckets[col] = [])).push(i);
        hitIdx.push(i); hitX.push(x); hitY.push(y);
      }
      Object.keys(buckets).forEach(function (col) {
        var list = buckets[col];
        ctx.beginPath();
        list.forEach(function (i) {
          if (poly && poly.pp[i] > 0) {
            for (var p = partStart[i]; p < partStart[i + 1]; p++) {
              for (var q = ringStart[p]; q < ringStart[p + 1]; q++) {
                var px = PX[q] * s - v.ox, py = PY[q] * s - v.oy;
                q === ringStart[p] ? ctx.moveTo(px, py) : ctx.lineTo(px, py);
              }
              ctx.closePath();
            }
          } else {
            var x = RP.X[i] * s - v.ox, y = RP.Y[i] * s - v.oy, r = radius[i];
            ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
          }
        });
        ctx.fillStyle = col; ctx.globalAlpha = 0.85; ctx.fill(); ctx.globalAlpha = 1;
        ctx.lineWidth = 0.4; ctx.strokeStyle = '#333'; ctx.stroke();
        count += list.length;
      });
      if (R.name && v.z >= 16) {  // compound names
        ctx.font = '11px ' + getComputedStyle(map.getContainer()).fontFamily;
        ctx.textAlign = 'center'; ctx.fillStyle = '#222'; ctx.strokeStyle = 'rgba(255,255,255,.85)'; ctx.lineWidth = 3;
        hitIdx.forEach(function (i, t) {
          var nm = R.name(i);
          if (nm) { ctx.strokeText(nm, hitX[t], hitY[t] - 6); ctx.fillText(nm, hitX[t], hitY[t] - 6); }
        });
      }
      return count;
    }
    function hitResidence(view, lp) {
      if (!view.hitIdx) { return -1; }
      var best = -1, bd = Infinity;
      for (var t = 0; t < view.hitIdx.length; t++) {
        var i = view.hitIdx[t], dx = view.hitX[t] - lp.x, dy = view.hitY[t] - lp.y, d2 = dx * dx + dy * dy;
        var r = Math.max(radius[i] + 3, 6);
        if (poly && poly.pp[i] > 0 && inPolygon(i, lp, view.renderer.view)) { return i; }
        if (d2 <= r * r && d2 < bd) { bd = d2; best = i; }
      }
      return best;
    }
    function inPolygon(i, lp, v) {
      var inside = false;
      for (var p = partStart[i]; p < partStart[i + 1]; p++) {
        for (var q = ringStart[p], w = ringStart[p + 1] - 1; q < ringStart[p + 1]; w = q++) {
          var xi = PX[q] * v.s - v.ox, yi = PY[q] * v.s - v.oy, xj = PX[w] * v.s - v.ox, yj = PY[w] * v.s - v.oy;
          if (((yi > lp.y) !== (yj > lp.y)) && (lp.x < (xj - xi) * (lp.y - yi) / (yj - yi) + xi)) { inside = !inside; }
        }
      }
      return inside;
    }

    // ---------- popups ----------
    function minText(m) { return fmt(m / D.speed / 60, 1) + ' ' + T.min; }
    function mText(m) { return fmt(m) + ' ' + T.m; }
    var CLASS_WORD = [T.c0, T.c1, T.c2, T.c3];
    function facName(v) {
      if (v <= 0) { return ''; }
      var j = v - 1;
      if (j < nF) { return F.name(j) || F.fid(j); }
      return T.proposed + ' ' + prop.sites.id[prop.site[j - nF]];
    }
    function residencePopup(i, view) {
      var head = R.name && R.name(i) ? R.name(i) : fill(T.residence, { id: R.rid(i) });
      var h = '<div class="siting-popup"><b>' + esc(head) + '</b>';
      if (R.name && R.name(i)) { h += ' <span class="sub">' + esc(R.rid(i)) + '</span>'; }
      h += '<br>' + esc(T.population) + CO + fmt(pop[i]) + ' ' + esc(T.persons);
      if (hh && isFinite(hh[i])) { h += ' · ' + esc(T.households) + CO + fmt(hh[i]); }
      if (!bit(R.reach, i)) { h += '<br><span class="no">' + esc(T.unreachable) + '</span>'; }
      h += '<table><tr><th></th><th>' + esc(T.p_service) + '</th><th class="num">' + esc(T.p_walk) + '</th><th class="num">' +
        esc(T.p_dist) + '</th><th>' + esc(T.p_thr) + '</th></tr>';
      cats.forEach(function (c, k) {
        var q = DIST[state.mode][k][i], cl = cls(k, i), m = q * c.step, hl = view && view.kind === 'cat' && view.k === k;
        h += '<tr' + (hl ? ' class="hl"' : '') + '><td><span class="sw" style="background:' + CC[cl] + '"></span></td><td>' +
          esc(c.name) + '</td>' + (q === 65535 ? '<td colspan="2" class="num">' + esc(fill(T.none_within, { c: searchText(c) })) + '</td>'
          : '<td class="num">' + esc(minText(m)) + '</td><td class="num">' + esc(mText(m)) + '</td>') + '<td class="nw">' +
          esc(c.threshold) + '</td></tr>';
      });
      h += '</table>';
      if (view && view.kind === 'cat') {
        var f = serving(view.k, state.mode)[i];
        if (f > 0) { h += esc(T.served_by) + CO + esc(facName(f)) + '<br>'; }
      }
      if (D.basic.length) {
        h += esc(T.complete) + CO + esc(completeClass(i) === 0 ? T.yes : T.no);
      }
      return h + '</div>';
    }
    function searchText(c) { return thrText(c, D.search); }
    function thrText(c, mult) {  // a multiple of a category's threshold, in its own unit
      var m = c.limit * mult;
      if (c.kind === 's') { var mn = Math.round(m / D.speed / 6) / 10; return fmt(mn, mn % 1 ? 1 : 0) + ' ' + T.min; }
      return fmt(m) + ' ' + T.m;
    }
    function cellPopup(c, view) {
      var good = cellStats(view)[c], shape = grid.hex ? T.hexagon : T.square;
      var h = '<div class="siting-popup"><b>' + esc(fill(T.cell, { shape: shape, size: fmt(G.m) + ' ' + T.m })) + '</b><br>' +
        esc(T.cell_res) + CO + fmt(grid.res[c]) + '<br>' + esc(T.cell_pop) + CO + fmt(grid.pop[c]) + ' ' + esc(T.persons) + '<br>';
      if (view.kind === 'access') {  // the residents' mean accessibility
        return h + esc(fill(T.access_layer, { cat: cats[view.k].name })) + CO + fmt(grid.pop[c] > 0 ? good / grid.pop[c] : 0, 3) +
          ' <span class="sub">' + esc(AC.unit) + '</span></div>';
      }
      return h + esc(T.cell_cov) + CO + fmt(good) + ' ' + esc(T.persons) + ' (' +
        fmt(grid.pop[c] > 0 ? 100 * good / grid.pop[c] : 0) + ' %)</div>';
    }
    var served = {};  // per category: residents and residences each facility serves within the threshold (now)
    function servedBy(k) {
      if (!served[k]) {
        var p = new Float64Array(nF), r = new Int32Array(nF), f = serving(k, 'now');
        for (var i = 0; i < n; i++) { var v = f[i] - 1; if (v >= 0 && v < nF) { p[v] += pop[i]; r[v] += 1; } }
        served[k] = { pop: p, res: r };
      }
      return served[k];
    }
    function facPopup(j) {
      var c = cats[F.cat[j]], sv = servedBy(F.cat[j]);
      return '<div class="siting-popup"><b>' + esc(F.name(j) || F.fid(j)) + '</b><br>' + esc(c.name) +
        '<br>' + esc(T.fid) + CO + esc(F.fid(j)) + '<br>' + esc(fill(T.serves, { t: c.threshold })) + CO +
        fmt(sv.pop[j]) + ' ' + esc(T.persons) + ' / ' + fmt(sv.res[j]) + ' ' + esc(T.residences) + '</div>';
    }

    // ---------- base maps and the offline fallback ----------
    D.basemaps.forEach(function (b) {
      var opts = { attribution: b.attr, maxZoom: b.maxZoom || 19, maxNativeZoom: b.maxNativeZoom || 18 };
      if (b.subdomains) { opts.subdomains = b.subdomains; }
      var tiles = L.tileLayer(b.url, opts), layer = tiles;
      if (b.labels) { layer = L.layerGroup([tiles, L.tileLayer(b.labels, opts)]); }
      layer._sitingTiles = tiles;
      bases.push([b.name, layer, b['default']]);
    });
    var blank = L.layerGroup([]);
    bases.push([T.blank, blank, !bases.some(function (b) { return b[2]; })]);

    // ---------- streets ----------
    var streets = new Bulk(function (v) {
      var ctx = v.ctx, s = v.s, full = v.z >= S.full, count = 0;
      var passes = [[segsAt(v.z - 3), '#8f8f8f', full ? 3 : 2, null], [segsAt(v.z), '#ababab', full ? 1.6 : 1, v.z - 3]];
      passes.forEach(function (pass) {
        var list = pass[0], skip = pass[3];
        ctx.beginPath();
        for (var t = 0; t < list.length; t++) {
          var e = list[t];
          if (skip !== null && S.z[e] + S.z0 <= skip) { continue; }  // drawn in the first pass
          var a = SA[e], b = SB[e];
          var ax = SNX[a] * s - v.ox, ay = SNY[a] * s - v.oy, bx = SNX[b] * s - v.ox, by = SNY[b] * s - v.oy;
          if ((ax < v.minx && bx < v.minx) || (ax > v.maxx && bx > v.maxx) || (ay < v.miny && by < v.miny) ||
              (ay > v.maxy && by > v.maxy)) { continue; }
          ctx.moveTo(ax, ay);
          if (full) { for (var q = SBO[e]; q < SBO[e + 1]; q++) { ctx.lineTo(BX[q] * s - v.ox, BY[q] * s - v.oy); } }
          ctx.lineTo(bx, by);
          count++;
        }
        ctx.strokeStyle = pass[1]; ctx.lineWidth = pass[2]; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
      });
      state.streetsDrawn = count;
      return count;
    }, { pane: 'sitingStreets', section: T.sec_background, legend: 'streets' });
    overlays.push([T.streets, streets, false]);

    // ---------- residence layers ----------
    function residenceLayer(name, view, show) {
      var layer;
      if (svg) {
        layer = new LazyGroup(function (grp) {
          for (var i = 0; i < n; i++) {
            var style = { color: '#333', weight: 0.6, fillColor: view.colour(i), fillOpacity: 0.85, sitingIndex: i,
              bubblingMouseEvents: false };
            var mk;
            if (poly && poly.pp[i] > 0) {
              var rings = [];
              for (var p = partStart[i]; p < partStart[i + 1]; p++) {
                var ring = [];
                for (var q = ringStart[p]; q < ringStart[p + 1]; q++) { ring.push([poly.vy[q] / poly.q, poly.vx[q] / poly.q]); }
                rings.push(ring);
              }
              mk = L.polygon(rings, style);
              if (R.name && R.name(i)) {
                mk.bindTooltip(esc(R.name(i)), { permanent: true, direction: 'center', className: 'siting-label' });
              }
            } else {
              style.radius = radius[i];
              mk = L.circleMarker([RP.lat[i], RP.lon[i]], style);
            }
            grp.addLayer(mk);
          }
          grp.on('click', function (e) {
            var i = e.layer.options.sitingIndex;
            L.popup({ maxWidth: 420 }).setLatLng(e.latlng).setContent(residencePopup(i, view)).openOn(map);
          });
          grp._restyle = function () { grp.eachLayer(function (l) { l.setStyle({ fillColor: view.colour(l.options.sitingIndex) }); }); };
          labelsByZoom(grp);
        }, { section: sectionOf(view), legend: view.kind + ':' + view.k });
      } else {
        layer = new Bulk(function (v) { return drawResidences(view, v); }, { section: sectionOf(view), legend: view.kind + ':' + view.k });
        layer._hit = function (lp) {
          if (gridMode(map.getZoom())) {
            var P = map.unproject(L.point(lp.x, lp.y).add(map.getPixelOrigin()), 0), qr = grid.locate(P.x, P.y);
            var c = grid.keyOf.get((qr[0] + 50000) * 100000 + (qr[1] + 50000));
            return c === undefined ? null : { html: cellPopup(c, view) };
          }
          var i = hitResidence(view, lp);
          return i < 0 ? null : { html: residencePopup(i, view), latlng: [RP.lat[i], RP.lon[i]] };
        };
      }
      view.renderer = layer;
      layer._view = view;
      overlays.push([name, layer, show]);
      return layer;
    }
    function sectionOf(view) {
      return view.kind === 'cat' ? T.sec_minutes : (view.kind === 'access' ? T.sec_access : T.sec_summary);
    }
    function labelsByZoom(grp) {
      if (!R.name) { return; }
      function upd() {
        var on = map.getZoom() >= 16;
        grp.eachLayer(function (l) { var t = l.getTooltip && l.getTooltip(); if (t) { on ? l.openTooltip() : l.closeTooltip(); } });
      }
      map.on('zoomend', upd);
      setTimeout(upd, 0);
    }
    var resLayers = [];
    cats.forEach(function (c, k) {
      resLayers.push(residenceLayer(c.name + ' (' + c.threshold + ')', new View('cat', k), k === D.mapCat));
    });
    if (D.basic.length) {
      resLayers.push(residenceLayer(fill(T.complete_layer, { n: D.basic.length }), new View('complete', -1), false));
    }
    resLayers.push(residenceLayer(fill(T.reached, { n: nc }), new View('reached', -1), false));
    if (AC) {
      AC.layers.forEach(function (a) {
        var v = new View('access', a.cat);
        v.a = a;
        resLayers.push(residenceLayer(fill(T.access_layer, { cat: cats[a.cat].name }), v, false));
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
    var facOf = cats.map(function () { return []; });
    for (var f0 = 0; f0 < nF; f0++) { facOf[F.cat[f0]].push(f0); }
    var dotLayers = [];
    cats.forEach(function (c, k) {
      var idx = facOf[k], many = idx.length > D.markerLimit, g;
      if (many) {  // thousands of facilities: dots on a canvas, not one DOM element each
        g = new Bulk(function (v) {
          var ctx = v.ctx, s = v.s, count = 0;
          g._hits = [];
          idx.forEach(function (j) {
            var x = FP.X[j] * s - v.ox, y = FP.Y[j] * s - v.oy;
            if (x < v.minx || x > v.maxx || y < v.miny || y > v.maxy) { return; }
            g._hits.push([j, x, y]); count++;
          });
          // dense (a city's shops seen from afar): small dots without a halo, so that what lies below shows
          var dense = count > (v.maxx - v.minx) * (v.maxy - v.miny) / 2500, r = dense ? 1.3 : (v.z >= 15 ? 5 : 3.5);
          ctx.beginPath();
          g._hits.forEach(function (h) { ctx.moveTo(h[1] + r, h[2]); ctx.arc(h[1], h[2], r, 0, 2 * Math.PI); });
          ctx.fillStyle = c.colour; ctx.globalAlpha = dense ? 0.7 : 1; ctx.fill(); ctx.globalAlpha = 1;
          if (!dense) { ctx.lineWidth = 1.2; ctx.strokeStyle = '#fff'; ctx.stroke(); }
          return count;
        }, { pane: 'sitingFac', section: T.sec_facilities, legend: 'fac:' + k });
        g._hit = function (lp) {
          var best = null, bd = 64;
          (g._hits || []).forEach(function (h) { var d2 = (h[1] - lp.x) * (h[1] - lp.x) + (h[2] - lp.y) * (h[2] - lp.y); if (d2 < bd) { bd = d2; best = h; } });
          return best ? { html: facPopup(best[0]), latlng: [FP.lat[best[0]], FP.lon[best[0]]] } : null;
        };
        dotLayers.push(g);
      } else {
        g = new LazyGroup(function (grp) {
          var icon = facIcon(c);
          idx.forEach(function (j) {
            var nm = F.name(j);
            var mk = L.marker([FP.lat[j], FP.lon[j]], { icon: icon, title: String(nm || c.name), keyboard: false });
            mk.bindPopup(function () { return facPopup(j); }, { maxWidth: 320 });
            grp.addLayer(mk);
          });
        }, { section: T.sec_facilities, legend: 'fac:' + k });
      }
      overlays.push([c.name + ' (' + fmt(idx.length) + ')', g, k === D.mapCat]);
    });

    // ---------- proposed stations: one marker per site, a colour and glyph per service ----------
    function propHtml(items, size) {
      var chips = items.map(function (k) {
        var c = cats[k];
        return '<span class="chip" style="background:' + c.colour + '">' + esc(c.abbr) + '</span>';
      }).join('');
      return '<div class="siting-prop' + (items.length > 1 ? ' multi' : '') + '"' + (size ? ' style="font-size:' + size + 'px"' : '') +
        '>' + chips + '<i>+</i></div>';
    }
    if (prop) {
      var siteItems = prop.sites.id.map(function () { return []; });
      prop.cat.forEach(function (k, j) { siteItems[prop.site[j]].push(j); });
      var pg = new LazyGroup(function (grp) {
        siteItems.forEach(function (rows, si) {
          var ks = rows.map(function (j) { return prop.cat[j]; });
          var w = 20 * ks.length + 12;
          var icon = L.divIcon({ className: '', iconSize: [w, 26], iconAnchor: [w / 2, 13], popupAnchor: [0, -13], html: propHtml(ks) });
          var names = ks.map(function (k) { return cats[k].name; }).join(zh ? '、' : ', ');
          var mk = L.marker([prop.sites.lat[si], prop.sites.lon[si]], { icon: icon, title: T.proposed + CO + names,
            zIndexOffset: 1000, keyboard: false });
          mk.bindPopup(function () {
            var h = '<div class="siting-popup"><b>' + esc(T.proposed) + '</b><br>' + esc(T.site) + CO + esc(prop.sites.id[si]) +
              '<table><tr><th>' + esc(T.services) + '</th><th class="num">' + esc(T.newly) + '</th><th class="num">' + esc(T.cost) +
              '</th><th class="num">' + esc(T.floor) + '</th></tr>';
            rows.forEach(function (j) {
              var c = cats[prop.cat[j]];
              h += '<tr><td><span class="sw" style="background:' + c.colour + '"></span>' + esc(c.name) + '</td><td class="num"><b>' +
                fmt(prop.newly[j]) + '</b> ' + esc(T.persons) + ' (' + fmt(prop.newly_n[j]) + ' ' + esc(T.residences) + ')</td><td class="num">' +
                (prop.cost[j] !== null ? fmt(prop.cost[j], 1) : '') + '</td><td class="num">' + (prop.floor[j] !== null ? fmt(prop.floor[j]) +
                ' m²' : '') + '</td></tr>';
            });
            return h + '</table></div>';
          }, { maxWidth: 420 });
          grp.addLayer(mk);
        });
      }, { section: T.sec_plan, legend: 'prop' });
      overlays.push([fill(T.proposed_layer, { n: fmt(siteItems.length) }), pg, true]);
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

    // ---------- service areas: a bounded Dijkstra on the packed streets, in the page ----------
    var adj = null, segLen = null, KM = 6378137 * Math.PI / 180 * 1e-5;
    /* Length in metres of segment e on the packed coordinates: the same sums, in the same order, as
       siting.outputs.streets.quantised_length (the network's lengths travel as corrections to it). */
    function quantisedLength(e) {
      var a = SA[e], b = SB[e], ya = S.y0 + S.ny[a], yb = S.y0 + S.ny[b];
      var fx = KM * Math.cos((ya + yb) / 2 * (Math.PI / 180 * 1e-5));
      var px = S.x0 + S.nx[a], py = ya, L = 0, x, y, dx, dy;
      for (var t = SBO[e]; t <= SBO[e + 1]; t++) {
        if (t < SBO[e + 1]) { x = S.x0 + S.bx[t]; y = S.y0 + S.by[t]; } else { x = S.x0 + S.nx[b]; y = yb; }
        dx = (x - px) * fx; dy = (y - py) * KM;
        L += Math.sqrt(dx * dx + dy * dy);
        px = x; py = y;
      }
      return L;
    }
    function buildAdjacency() {
      if (adj) { return; }
      var deg = new Int32Array(SN + 1);
      segLen = new Float64Array(SM);
      for (var e = 0; e < SM; e++) { deg[SA[e] + 1]++; deg[SB[e] + 1]++; segLen[e] = (Math.floor(quantisedLength(e) / S.lq + 0.5) + S.dl[e]) * S.lq; }
      for (var i = 0; i < SN; i++) { deg[i + 1] += deg[i]; }
      var fillp = deg.slice(0, SN), nb = new Int32Array(2 * SM), sg = new Int32Array(2 * SM);
      for (e = 0; e < SM; e++) {
        nb[fillp[SA[e]]] = SB[e]; sg[fillp[SA[e]]++] = e;
        nb[fillp[SB[e]]] = SA[e]; sg[fillp[SB[e]]++] = e;
      }
      adj = { off: deg, nb: nb, sg: sg };
    }
    /* Where a point (lon, lat) enters segment e: [metres along it from its drawn start, perpendicular
       metres], from the nearest point of its drawn line (local metres at the segment's latitude). */
    function onSegment(e, lon, lat) {
      var pts = [[S.x0 + S.nx[SA[e]], S.y0 + S.ny[SA[e]]]];
      for (var t = SBO[e]; t < SBO[e + 1]; t++) { pts.push([S.x0 + S.bx[t], S.y0 + S.by[t]]); }
      pts.push([S.x0 + S.nx[SB[e]], S.y0 + S.ny[SB[e]]]);
      var fx = KM * Math.cos((pts[0][1] + pts[pts.length - 1][1]) / 2 * (Math.PI / 180 * 1e-5));
      var px = lon * S.q, py = lat * S.q, best = Infinity, at = 0, run = 0;
      for (var i = 1; i < pts.length; i++) {
        var ax = pts[i - 1][0] * fx, ay = pts[i - 1][1] * KM, bx = pts[i][0] * fx, by = pts[i][1] * KM;
        var qx = px * fx, qy = py * KM, dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
        var f = l2 > 0 ? Math.max(0, Math.min(1, ((qx - ax) * dx + (qy - ay) * dy) / l2)) : 0;
        var cx = ax + f * dx - qx, cy = ay + f * dy - qy, d = Math.sqrt(cx * cx + cy * cy), l = Math.sqrt(l2);
        if (d < best) { best = d; at = run + f * l; }
        run += l;
      }
      return [run > 0 ? at / run * segLen[e] : 0, best];
    }
    var facSrc = null;
    function sourcesOf(k, mode) {  // [segment, metres along from its start, perpendicular metres]
      if (!facSrc) {
        buildAdjacency();
        facSrc = new Array(nF);
        for (var j = 0; j < nF; j++) {
          var e = F.se[j] - 1;
          // small maps carry the snap coverage() made; large ones find it on the drawn line
          facSrc[j] = e < 0 ? null : (F.sa ? [e, F.sa[j] / 10, F.sp[j] / 10] : [e].concat(onSegment(e, FP.lon[j], FP.lat[j])));
        }
      }
      var out = [];
      facOf[k].forEach(function (j) { if (facSrc[j]) { out.push(facSrc[j]); } });
      if (mode === 'plan' && prop) {
        prop.cat.forEach(function (kk, j) { if (kk === k && prop.se[j] > 0) { out.push([prop.se[j] - 1, prop.sa[j] / 10, prop.sp[j] / 10]); } });
      }
      return out;
    }
    var areaCache = {};
    /* The street parts within category k's threshold of its facilities (and, in "plan" mode, of its
       proposed stations): {whole: Uint8Array per segment, pieces: [[segment, from, to], ...] as
       fractions of the segment from its drawn start}. The rule of siting.network.service_area. */
    function serviceArea(k, mode) {
      var key = k + ':' + mode;
      if (areaCache[key]) { return areaCache[key]; }
      buildAdjacency();
      var L0 = cats[k].limit, dist = new Float64Array(SN).fill(Infinity), heap = new Heap(), src = sourcesOf(k, mode);
      src.forEach(function (s) {
        var e = s[0], da = s[2] + s[1], db = s[2] + Math.max(segLen[e] - s[1], 0);
        if (da <= L0 && da < dist[SA[e]]) { dist[SA[e]] = da; heap.push(da, SA[e]); }
        if (db <= L0 && db < dist[SB[e]]) { dist[SB[e]] = db; heap.push(db, SB[e]); }
      });
      while (heap.d.length) {
        var u = heap.pop(), du = heap.top;
        if (du > dist[u]) { continue; }
        for (var t = adj.off[u]; t < adj.off[u + 1]; t++) {
          var w = adj.nb[t], dw = du + segLen[adj.sg[t]];
          if (dw <= L0 && dw < dist[w]) { dist[w] = dw; heap.push(dw, w); }
        }
      }
      var whole = new Uint8Array(SM), pieces = [];
      for (var e = 0; e < SM; e++) {
        var len = segLen[e], au = L0 - dist[SA[e]], av = L0 - dist[SB[e]];
        if (au + Math.max(av, 0) >= len || av + Math.max(au, 0) >= len) { whole[e] = 1; continue; }
        if (au > 0) { pieces.push([e, 0, au / len]); }
        if (av > 0) { pieces.push([e, 1 - av / len, 1]); }
      }
      src.forEach(function (s) {
        var e = s[0], r = L0 - s[2], len = segLen[e];
        if (r > 0 && !whole[e] && len > 0) { pieces.push([e, Math.max(0, s[1] - r) / len, Math.min(len, s[1] + r) / len]); }
      });
      var nWhole = 0; for (e = 0; e < SM; e++) { nWhole += whole[e]; }
      areaCache[key] = { whole: whole, pieces: pieces, nWhole: nWhole, sources: src.length };
      return areaCache[key];
    }
    function segPoints(e, v, full) {  // the drawn polyline of segment e, in layer pixels
      var pts = [[SNX[SA[e]] * v.s - v.ox, SNY[SA[e]] * v.s - v.oy]];
      if (full) { for (var t = SBO[e]; t < SBO[e + 1]; t++) { pts.push([BX[t] * v.s - v.ox, BY[t] * v.s - v.oy]); } }
      pts.push([SNX[SB[e]] * v.s - v.ox, SNY[SB[e]] * v.s - v.oy]);
      return pts;
    }
    function subLine(pts, fa, fb) {
      var cum = [0], i;
      for (i = 1; i < pts.length; i++) { cum.push(cum[i - 1] + Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1])); }
      var tot = cum[cum.length - 1], a = fa * tot, b = fb * tot, out = [];
      function at(d) {
        for (var j = 1; j < pts.length; j++) {
          if (cum[j] >= d || j === pts.length - 1) {
            var f = cum[j] > cum[j - 1] ? (d - cum[j - 1]) / (cum[j] - cum[j - 1]) : 0;
            return [pts[j - 1][0] + f * (pts[j][0] - pts[j - 1][0]), pts[j - 1][1] + f * (pts[j][1] - pts[j - 1][1])];
          }
        }
        return pts[0];
      }
      out.push(at(a));
      for (i = 1; i < pts.length - 1; i++) { if (cum[i] > a && cum[i] < b) { out.push(pts[i]); } }
      out.push(at(b));
      return out;
    }
    var areaLayers = [];
    if (D.serviceAreas) {
      cats.forEach(function (c, k) {
        var g = new Bulk(function (v) {
          var A = serviceArea(k, c.planned ? state.mode : 'now'), ctx = v.ctx, full = v.z >= S.full, count = 0;
          ctx.beginPath();
          function inView(pts) {
            var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
            pts.forEach(function (p) { x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]); });
            return !(x1 < v.minx || x0 > v.maxx || y1 < v.miny || y0 > v.maxy);
          }
          function line(pts) { ctx.moveTo(pts[0][0], pts[0][1]); for (var i = 1; i < pts.length; i++) { ctx.lineTo(pts[i][0], pts[i][1]); } count++; }
          for (var e = 0; e < SM; e++) {
            if (!A.whole[e]) { continue; }
            var pts = segPoints(e, v, full);
            if (inView(pts)) { line(pts); }
          }
          A.pieces.forEach(function (p) {
            var pts = subLine(segPoints(p[0], v, full), p[1], p[2]);
            if (inView(pts)) { line(pts); }
          });
          ctx.strokeStyle = c.colour; ctx.globalAlpha = 0.6; ctx.lineWidth = v.z >= 15 ? 5 : 3; ctx.lineCap = 'round';
          ctx.stroke(); ctx.globalAlpha = 1;
          return count;
        }, { pane: 'sitingAreas', section: T.sec_areas, legend: 'area:' + k });
        g._k = k;
        areaLayers.push(g);
        overlays.push([c.name + ' (' + c.threshold + ')', g, false]);
      });
    }

    // ---------- catchments: covered residences joined to the facility that serves them ----------
    var catchLayers = [];
    cats.forEach(function (c, k) {
      var g = new Bulk(function (v) {
        var ctx = v.ctx, s = v.s, f = serving(k, state.mode), count = 0;
        ctx.beginPath();
        for (var i = 0; i < n; i++) {
          var fv = f[i];
          if (fv <= 0) { continue; }
          var x = RP.X[i] * s - v.ox, y = RP.Y[i] * s - v.oy, X, Y, j = fv - 1;
          if (j < nF) { X = FP.X[j]; Y = FP.Y[j]; } else {
            var si = prop.site[j - nF]; X = p0x(prop.sites.lon[si]); Y = p0y(prop.sites.lat[si]);
          }
          X = X * s - v.ox; Y = Y * s - v.oy;
          if ((x < v.minx && X < v.minx) || (x > v.maxx && X > v.maxx) || (y < v.miny && Y < v.miny) || (y > v.maxy && Y > v.maxy)) { continue; }
          ctx.moveTo(x, y); ctx.lineTo(X, Y); count++;
        }
        ctx.setLineDash([3, 3]); ctx.strokeStyle = '#222'; ctx.globalAlpha = 0.7; ctx.lineWidth = 1; ctx.stroke();
        ctx.setLineDash([]); ctx.globalAlpha = 1;
        return count;
      }, { pane: 'sitingCatch', section: T.sec_catchments, legend: 'catch:' + k });
      catchLayers.push(g);
      overlays.push([c.name, g, false]);
    });

    // ---------- title box: coverage table, plan switch, warnings, about ----------
    var plan = D.planned.length > 0;
    function completeShare(mode) {
      if (!D.basic.length) { return null; }
      var tot = 0, good = 0, keep = state.mode;
      state.mode = mode;
      for (var i = 0; i < n; i++) { tot += pop[i]; if (completeClass(i) === 0) { good += pop[i]; } }
      state.mode = keep;
      return tot > 0 ? good / tot : null;
    }
    var completeNow = D.complete, completePlan = plan ? completeShare('plan') : null;
    function renderTitle() {
      var h = '<h1>' + esc(D.title) + '</h1>';
      if (D.table.length) {
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
      if (completeNow !== null) {
        h += '<div class="complete">' + esc(T.complete) + CO + fmt(completeNow * 100) + ' %' +
          (completePlan !== null ? ' → <span class="after">' + fmt(completePlan * 100) + ' %</span>' : '') + '</div>';
      }
      if (plan) {
        h += '<div class="siting-mode">' + esc(T.show) + ': <label><input type="radio" name="siting-mode" value="now"' +
          (state.mode === 'now' ? ' checked' : '') + '> ' + esc(T.now) + '</label> <label><input type="radio" name="siting-mode" value="plan"' +
          (state.mode === 'plan' ? ' checked' : '') + '> ' + esc(T.after) + '</label></div>';
      }
      state.warnings.forEach(function (w) { h += '<div class="warn">' + esc(w) + '</div>'; });
      h += '<details><summary>' + esc(T.about) + '</summary><table class="meta">';
      var shown = bases.filter(function (b) { return map.hasLayer(b[1]); })[0];
      D.meta.forEach(function (m) {
        var v = m[0] === T.m_basemap && shown ? shown[0] : m[1];  // the basemap shown now
        h += '<tr><td>' + esc(m[0]) + '</td><td>' + esc(v) + '</td></tr>';
      });
      h += '</table>';
      D.notes.forEach(function (t) { h += '<p class="note">' + esc(t) + '</p>'; });
      if (D.credits.length) {
        h += '<p class="note"><b>' + esc(T.credits) + '</b></p>';
        D.credits.forEach(function (t) { h += '<p class="note credit">' + esc(t) + '</p>'; });
      }
      h += '</details>';
      var open = titleBox._div.querySelector('details') && titleBox._div.querySelector('details').open;
      titleBox._div.innerHTML = h;
      if (open) { titleBox._div.querySelector('details').open = true; }
      Array.prototype.forEach.call(titleBox._div.querySelectorAll('input[name="siting-mode"]'), function (inp) {
        inp.addEventListener('change', function () { if (inp.checked) { setMode(inp.value); } });
      });
    }
    titleBox = L.control({ position: 'topleft' });
    titleBox.onAdd = function () {
      this._div = L.DomUtil.create('div', 'siting-box siting-title');
      L.DomEvent.disableClickPropagation(this._div);
      L.DomEvent.disableScrollPropagation(this._div);
      return this._div;
    };
    titleBox.addTo(map);
    renderTitle();
    L.control.zoom({ position: 'topleft', zoomInTitle: T.zoom_in, zoomOutTitle: T.zoom_out }).addTo(map);
    if (L.control.fullscreen) {
      L.control.fullscreen({ position: 'topleft', title: T.fullscreen, titleCancel: T.fullscreen_exit }).addTo(map);
    }
    L.control.scale({ position: 'bottomleft', imperial: false, maxWidth: 160 }).addTo(map);
    var attr = L.control.attribution({ position: 'bottomright', prefix: '<a href="https://leafletjs.com" title="Leaflet">Leaflet</a>' });
    attr.addTo(map);
    if (D.attribution) { attr.addAttribution(D.attribution); }

    ctl = new SectionLayers({}, {}, { collapsed: false, position: 'topright', sortLayers: false, title: T.layers });
    bases.forEach(function (b) { ctl.addBaseLayer(b[1], esc(b[0])); });
    overlays.forEach(function (o) { ctl.addOverlay(o[1], esc(o[0])); });
    ctl._closed = {};
    D.closedSections.forEach(function (s) { ctl._closed[T[s]] = true; });
    ctl.addTo(map);
    function fitList() {  // the layer list scrolls inside the window
      var el = ctl.getContainer(), top = el.getBoundingClientRect().top - map.getContainer().getBoundingClientRect().top;
      var list = el.querySelector('.leaflet-control-layers-list');
      if (list) { list.style.maxHeight = Math.max(120, map.getSize().y - top - 40) + 'px'; list.style.overflowY = 'auto'; }
    }
    map.on('resize', fitList);

    // ---------- legend of what is shown ----------
    legend = L.control({ position: 'bottomleft' });
    legend.onAdd = function () {
      this._div = L.DomUtil.create('div', 'siting-box siting-legend');
      L.DomEvent.disableScrollPropagation(this._div);
      L.DomEvent.disableClickPropagation(this._div);
      return this._div;
    };
    legend.addTo(map);
    function dot(c) { return '<span class="sw" style="background:' + c + '"></span>'; }
    function line(c) { return '<span class="ln" style="border-color:' + c + '"></span>'; }
    function renderLegend() {
      var seen = {}, h = '', facs = '', z = map.getZoom();
      overlays.forEach(function (o) {
        var key = o[1].options.legend;
        if (!map.hasLayer(o[1]) || seen[key]) { return; }
        seen[key] = true;
        var parts = key.split(':'), k = parts.length > 1 ? +parts[1] : -1, c = k >= 0 ? cats[k] : null;
        var planNote = c && c.planned && state.mode === 'plan' ? ' <span class="after">(' + esc(T.with_plan) + ')</span>' : '';
        if ((parts[0] === 'cat' || parts[0] === 'complete' || parts[0] === 'reached') && gridMode(z)) {
          var what = parts[0] === 'cat' ? esc(fill(T.legend_cat, { cat: c.name })) + ' · ' + esc(fill(T.legend_thr, { t: c.threshold }))
            : esc(parts[0] === 'complete' ? fill(T.legend_complete, { n: D.basic.length }) : T.legend_reached);
          h += '<h4>' + what + planNote + '</h4><div class="sub">' + esc(fill(T.legend_grid, { size: fmt(G.m) + ' ' + T.m,
            shape: grid.hex ? T.hexagon : T.square })) + '</div>';
          var lo = 1;
          D.shareBins.forEach(function (b) {
            h += '<div class="row">' + dot(b[1]) + (lo >= 1 ? '≥ ' + fmt(b[0] * 100) + ' %' : fmt(b[0] * 100) + '–' + fmt(lo * 100) + ' %') + '</div>';
            lo = b[0];
          });
          h += '<div class="sub">' + esc(T.grid_zoom) + '</div>';
        } else if (parts[0] === 'cat') {
          h += '<h4>' + esc(fill(T.legend_cat, { cat: c.name })) + planNote + '</h4><div class="sub">' +
            esc(fill(T.legend_thr, { t: c.kind === 's' ? thrText(c, 1) + ' (' + fmt(c.limit) + ' ' + T.m + ')' : c.threshold })) + '</div>';
          var a = thrText(c, 1), b2 = thrText(c, D.beyond), c3 = thrText(c, D.search);
          [T.c0, T.c1, T.c2, T.c3].forEach(function (t, i) { h += '<div class="row">' + dot(CC[i]) + esc(fill(t, { a: a, b: b2, c: c3 })) + '</div>'; });
        } else if (parts[0] === 'complete') {
          h += '<h4>' + esc(fill(T.legend_complete, { n: D.basic.length })) + (plan && state.mode === 'plan' ? ' <span class="after">(' +
            esc(T.with_plan) + ')</span>' : '') + '</h4>';
          [T.cc0, T.cc1, T.cc2, T.cc3].forEach(function (t, i) { h += '<div class="row">' + dot(CC[i]) + esc(t) + '</div>'; });
        } else if (parts[0] === 'access') {
          var a = AC.layers.filter(function (x) { return x.cat === k; })[0], lo = 0;
          h += '<h4>' + esc(fill(T.access_layer, { cat: c.name })) + (a.after && state.mode === 'plan' ? ' <span class="after">(' +
            esc(T.with_plan) + ')</span>' : '') + '</h4><div class="sub">' + esc(AC.unit) + '</div>';
          h += '<div class="row">' + dot(AC.none) + esc(T.access_none) + '</div>';
          a.breaks.forEach(function (b, q) { h += '<div class="row">' + dot(AC.colours[q]) + fmt(lo, 2) + '–' + fmt(b, 2) + '</div>'; lo = b; });
          h += '<div class="row">' + dot(AC.colours[Math.min(a.breaks.length, AC.colours.length - 1)]) + '&gt; ' + fmt(lo, 2) + '</div>';
        } else if (parts[0] === 'reached') {
          h += '<h4>' + esc(T.legend_reached) + '</h4>';
          for (var v = nc; v >= 0; v--) { h += '<div class="row">' + dot(reachedColour(v, nc)) + v + ' / ' + nc + '</div>'; }
        } else if (parts[0] === 'fac') {
          facs += '<div class="row"><span class="ic">' + facIcon(c).options.html + '</span>' + esc(c.name) + '</div>';
        } else if (key === 'prop') {
          h += '<h4>' + esc(T.legend_proposed) + '</h4>';
          var pk = {};
          prop.cat.forEach(function (kk) { pk[kk] = true; });
          Object.keys(pk).forEach(function (kk) { h += '<div class="row"><span class="ic">' + propHtml([+kk], 10) + '</span>' + esc(cats[+kk].name) + '</div>'; });
          if (prop.sites.id.length < prop.cat.length) {
            h += '<div class="row"><span class="ic">' + propHtml(Object.keys(pk).slice(0, 2).map(Number), 10) + '</span>' + esc(T.legend_site) + '</div>';
          }
        } else if (key === 'dev') {
          h += '<div class="row">' + line('#d7301f') + esc(D.devName) + '</div>';
        } else if (parts[0] === 'area') {
          h += '<div class="row">' + line(c.colour) + esc(fill(T.area, { cat: c.name, t: c.threshold })) + planNote + '</div>';
        } else if (parts[0] === 'catch') {
          h += '<div class="row"><span class="ln" style="border-top:1px dashed #222"></span>' + esc(fill(T.catchment, { cat: c.name })) + '</div>';
        } else if (key === 'streets') {
          h += '<div class="row">' + line('#9a9a9a') + esc(T.legend_streets) + '</div>';
        }
      });
      if (facs) { h += '<h4>' + esc(T.sec_facilities) + '</h4>' + facs; }
      legend._div.innerHTML = h || esc(T.no_layers);
    }
    map.on('overlayadd overlayremove', function (e) {
      if (e.layer === streets) { state.streetsOn = e.type === 'overlayadd'; }
      renderLegend();
    });
    var lastGrid = null;
    map.on('zoomend', function () { var g = gridMode(map.getZoom()); if (g !== lastGrid) { lastGrid = g; renderLegend(); } });

    // ---------- clicks on canvas layers (facility dots, residences, cells) ----------
    map.on('click', function (e) {
      var lp = map.latLngToLayerPoint(e.latlng), layers = dotLayers.concat(resLayers);
      for (var t = 0; t < layers.length; t++) {
        var g = layers[t];
        if (!g._hit || !map.hasLayer(g)) { continue; }
        var hit = g._hit(lp);
        if (hit) { L.popup({ maxWidth: 420 }).setLatLng(hit.latlng || e.latlng).setContent(hit.html).openOn(map); return; }
      }
    });

    // ---------- now / with plan ----------
    function setMode(mode) {
      if (mode !== 'now' && mode !== 'plan') { return; }
      state.mode = mode;
      resLayers.forEach(function (l) { if (l._restyle) { l._restyle(); } else if (map.hasLayer(l)) { l.redraw(); } });
      areaLayers.concat(catchLayers).forEach(function (l) { if (map.hasLayer(l)) { l.redraw(); } });
      map.closePopup();
      renderTitle(); renderLegend();
    }

    // ---------- streets on when no basemap is chosen or none loads ----------
    function setStreets(on) {
      if (on && !map.hasLayer(streets)) { map.addLayer(streets); } else if (!on && map.hasLayer(streets)) { map.removeLayer(streets); }
      state.streetsOn = on;
      renderLegend();
    }
    map.on('baselayerchange', function (e) {
      if (state.basemapOffline && e.layer !== blank) { state.basemapOffline = false; }
      setStreets(e.layer === blank);
      if (titleBox && titleBox._div) { renderTitle(); }
    });
    var fellBack = false;
    function goOffline() {  // once, at opening: later choices of the user stand
      if (fellBack || state.basemapOffline) { return; }
      fellBack = true;
      state.basemapOffline = true;
      bases.forEach(function (b) { if (b[1] !== blank && map.hasLayer(b[1])) { map.removeLayer(b[1]); } });
      map.addLayer(blank);
      setStreets(true);
      state.warnings.push(T.tiles_offline);
      renderTitle();
    }

    // ---------- show ----------
    bases.forEach(function (b) { if (b[2]) { b[1].addTo(map); } });
    var shownBase = bases.filter(function (b) { return b[2]; })[0];
    overlays.forEach(function (o) { if (o[2]) { o[1].addTo(map); } });
    if (D.bounds) { map.fitBounds(D.bounds, { padding: [10, 10], animate: false }); }
    if (shownBase && shownBase[1] !== blank) {
      var tl = shownBase[1]._sitingTiles, ok = 0, bad = 0;
      tl.on('tileload', function () { ok++; });
      tl.on('tileerror', function () { bad++; });
      tl.on('load', function () { if (ok === 0 && bad > 0) { setTimeout(goOffline, 0); } });
      setTimeout(function () { if (ok === 0 && map.hasLayer(shownBase[1])) { goOffline(); } }, 6000);
    } else {
      setStreets(true);
    }
    lastGrid = gridMode(map.getZoom());
    renderLegend();
    fitList();

    var controller = {
      map: map, data: D, state: state, overlays: overlays,
      setMode: setMode, serviceArea: serviceArea, serving: serving,
      streetsAt: function (z) { return segsAt(z).length; },
      residencePopup: function (i) { return residencePopup(i, resLayers[0]._view); },
      facilityPopup: function (j) { return facPopup(j); },
      residenceDrawn: function () {
        var l = resLayers.filter(function (x) { return map.hasLayer(x); })[0];
        return { grid: gridMode(map.getZoom()), drawn: l ? (l.drawn !== undefined ? l.drawn : l.getLayers().length) : 0 };
      },
      cellStats: function (kind, k) { return grid ? { cell: grid.cell, pop: grid.pop, good: cellStats(new View(kind, k)), cx: grid.cx, cy: grid.cy } : null; },
      classes: function (k, mode) { return CLS[mode || state.mode][k]; },
      /* siting serve: new distances (Uint16Array, steps of cats[k].step metres, 65535 = none) and
         serving facilities (Int32Array: 0 none, j + 1 facility j, nF + p + 1 proposed row p) for
         category k in `mode`; recolours everything that depends on them. */
      setDistances: function (k, q, f, mode) {
        mode = mode || state.mode;
        var modes = mode === 'now' && !cats[k].planned ? ['now', 'plan'] : [mode];  // unplanned: one state for both
        var cl = classesOf(k, q);
        modes.forEach(function (md) {
          DIST[md][k] = q; CLS[md][k] = cl;
          if (f) { SERV[md][k] = f; } else { delete SERV[md][k]; }  // f: the serving facilities, already decoded
        });
        served = {};
        if (grid) { grid.stats = {}; }
        Object.keys(areaCache).forEach(function (key) { if (key.indexOf(k + ':') === 0) { delete areaCache[key]; } });
        setMode(state.mode);
      },
      redraw: function () { overlays.forEach(function (o) { if (map.hasLayer(o[1]) && o[1].redraw) { o[1].redraw(); } }); }
    };
    return controller;
  }

  function showError(map, msg) {
    var d = L.DomUtil.create('div', 'siting-box siting-error', map.getContainer());
    d.textContent = msg;
  }

  window.sitingBuild = function (map, data) {
    var t0 = performance.now();
    return decodeAll({ res: data.res, fac: data.fac, prop: data.prop, streets: data.streets, access: data.access }).then(function () {
      var t1 = performance.now(), c = build(map, data);
      c.state.timing = { decodeMs: Math.round(t1 - t0), drawMs: Math.round(performance.now() - t1) };
      window.sitingMap = map;
      window.sitingController = c;
      window.sitingState = c.state;
      window.sitingLayers = c.overlays.map(function (o) { return { name: o[0], layer: o[1] }; });
      window.sitingReady = true;
      return c;
    }, function (err) {
      showError(map, err && err.message === 'old-browser' ? data.T.old_browser : String(err));
      window.sitingError = String(err);
      throw err;
    });
  };
  window.sitingDraw = function (element, data, options) {
    var map = L.map(element, L.extend({ zoomControl: false, attributionControl: false, preferCanvas: false }, options || {}));
    return window.sitingBuild(map, data);
  };
  window.sitingInit = function (map) {
    var el = document.getElementById('siting-data');
    return window.sitingBuild(map, JSON.parse(el.textContent));
  };
  window.sitingEsc = esc;
})();
