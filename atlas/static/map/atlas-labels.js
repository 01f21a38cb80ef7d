/* Names on the map. PostGIS places the label points (tiles/labels.py), fetched once a layer's
 * label zoom is reached; each view keeps those that fit without overlapping (tests/js/map-labels.test.mjs). */
(function (global) {
  "use strict";

  var GAP = 3; // px kept free around every label
  var POINT_OFFSET = 9; // px from a station's symbol to its name
  var REPEAT_PX = 260; // a river's name repeats at most this often on screen
  var LABEL_HEIGHT = 15; // px, the CSS line height of .atlas-label
  var VIEW_MARGIN = 2; // px a label keeps inside the map's edges

  // A line's direction (degrees clockwise from north) as a text rotation that never reads upside down.
  function readableAngle(azimuth) {
    var angle = (((azimuth - 90) % 360) + 360) % 360;
    if (angle > 90 && angle <= 270) { angle -= 180; }
    if (angle > 270) { angle -= 360; }
    return angle;
  }

  // The axis-aligned screen box (with the gap) of a w×h label centred at (x, y), turned by `angle`.
  function boxOf(x, y, width, height, angle) {
    var rad = angle * Math.PI / 180, cos = Math.abs(Math.cos(rad)), sin = Math.abs(Math.sin(rad));
    var halfW = (width * cos + height * sin) / 2 + GAP, halfH = (width * sin + height * cos) / 2 + GAP;
    return { left: x - halfW, top: y - halfH, right: x + halfW, bottom: y + halfH };
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function inside(box, view) {
    return box.left >= VIEW_MARGIN - GAP && box.top >= VIEW_MARGIN - GAP &&
      box.right <= view.width - VIEW_MARGIN + GAP && box.bottom <= view.height - VIEW_MARGIN + GAP;
  }

  // Where a label may go: a station's name right, left, above or below its symbol; others centred.
  function positions(c) {
    if (c.kind !== "point") { return [{ x: c.x, y: c.y }]; }
    var dx = POINT_OFFSET + c.width / 2, dy = POINT_OFFSET + c.height / 2;
    return [{ x: c.x + dx, y: c.y }, { x: c.x - dx, y: c.y }, { x: c.x, y: c.y - dy }, { x: c.x, y: c.y + dy }];
  }

  function tooClose(c, placed) {
    return placed.some(function (p) {
      return p.text === c.text && p.layer === c.layer && Math.hypot(p.x - c.x, p.y - c.y) < REPEAT_PX;
    });
  }

  // Screen-pixel candidates → the labels to draw, greedy by priority, then rank (size order).
  function place(candidates, view) {
    var order = candidates.slice().sort(function (a, b) { return b.priority - a.priority || a.rank - b.rank; });
    var placed = [];
    order.forEach(function (c) {
      if (c.kind === "line" && tooClose(c, placed)) { return; }
      if (c.kind === "extra" && placed.some(function (p) { return p.text === c.text; })) { return; }
      var spots = positions(c);
      for (var i = 0; i < spots.length; i++) {
        var box = boxOf(spots[i].x, spots[i].y, c.width, c.height, c.angle);
        if (!inside(box, view)) { continue; }
        if (placed.some(function (p) { return overlaps(p.box, box); })) { continue; }
        placed.push(Object.assign({}, c, { x: spots[i].x, y: spots[i].y, box: box }));
        return;
      }
    });
    return placed;
  }

  // The rows shown at this zoom: visible layers, from their first label zoom.
  function shownRows(documentJson, zoom, isVisible) {
    var rules = documentJson.layers;
    return documentJson.labels.filter(function (row) {
      var rule = rules[row[0]];
      return rule && zoom >= rule.min_zoom && isVisible(row[0]);
    });
  }

  // The layer's own colour, darkened to read on the pale map.
  function textColor(hex) {
    var n = parseInt(hex.slice(1), 16);
    var dark = function (shift) { return Math.round(((n >> shift) & 255) * 0.6); };
    return "rgb(" + dark(16) + "," + dark(8) + "," + dark(0) + ")";
  }

  function Labels(state) {
    this.state = state;
    this.map = state.map;
    this.config = state.config.labels;
    this.rows = {}; // by layer id, once loaded
    this.extra = []; // names that are no layer's, such as the sea's (atlas-sea.js)
    this.widths = {};
    this.pane = this.map.createPane("atlasLabels");
    this.pane.classList.add("atlas-label-pane");
    this.pane.setAttribute("aria-hidden", "true");
  }

  // Fetches, in one request, the names of the visible layers whose label zoom is reached.
  Labels.prototype.load = function () {
    var zoom = this.map.getZoom(), self = this, state = this.state;
    var ids = Object.keys(this.config.layers).filter(function (id) {
      return state.byId[id] && !(id in self.rows) && zoom >= self.config.layers[id].min_zoom && state.visible[id];
    });
    if (!ids.length) { return; }
    ids.forEach(function (id) { self.rows[id] = []; });
    var revisions = ids.map(function (id) { return state.byId[id].revision; });
    var url = this.config.url.replace("{ids}", ids.join(",")).replace("{v}", revisions.join("."));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (json) {
        json.labels.forEach(function (row) { self.rows[row[0]].push(row); });
        self.draw();
      })
      .catch(function () { ids.forEach(function (id) { delete self.rows[id]; }); });  // tried again at the next move
  };

  Labels.prototype.document = function () {
    var rows = this.rows;
    return { layers: this.config.layers, labels: [].concat.apply([], Object.keys(rows).map(function (id) { return rows[id]; })) };
  };

  Labels.prototype.width = function (text) {
    if (!(text in this.widths)) {
      if (!this.ctx) {
        var probe = global.AtlasDom.el("span", "atlas-label", "x");
        this.pane.appendChild(probe);
        this.ctx = document.createElement("canvas").getContext("2d");
        this.ctx.font = global.getComputedStyle(probe).font;
        this.pane.removeChild(probe);
      }
      this.widths[text] = Math.ceil(this.ctx.measureText(text).width) + 2;
    }
    return this.widths[text];
  };

  // Names of no layer ({layer, text, color, spots(width, height)}), placed before every layer's.
  Labels.prototype.setExtra = function (labels) {
    this.extra = labels;
    this.draw();
  };

  Labels.prototype.candidates = function () {
    var state = this.state, map = this.map, self = this;
    var rows = shownRows(this.document(), map.getZoom(), function (id) { return state.visible[id]; });
    var rank = {};
    // Each extra name may go at any of its spots ([lat, lon], best first); place() keeps the first that fits.
    var extra = [];
    this.extra.forEach(function (e) {
      var width = self.width(e.text);
      e.spots(width, LABEL_HEIGHT).forEach(function (spot, i) {
        var point = map.latLngToContainerPoint(spot);
        extra.push({ layer: e.layer, text: e.text, color: e.color, kind: "extra", x: point.x, y: point.y,
          angle: 0, width: width, height: LABEL_HEIGHT, priority: 1e9, rank: i });
      });
    });
    return extra.concat(rows.map(function (row) {
      var layer = state.byId[row[0]];
      var point = map.latLngToContainerPoint([row[4], row[3]]);
      rank[row[0]] = (rank[row[0]] || 0) + 1;
      var kind = layer.geometry_kind;
      return {
        layer: row[0], fid: row[1], text: row[2], kind: kind, x: point.x, y: point.y,
        angle: kind === "line" ? readableAngle(row[5]) : 0, width: self.width(row[2]), height: LABEL_HEIGHT,
        priority: self.config.layers[row[0]].priority, rank: rank[row[0]]
      };
    }));
  };

  Labels.prototype.draw = function () {
    this.pane.textContent = "";
    var size = this.map.getSize();
    var origin = this.map.containerPointToLayerPoint([0, 0]);
    var fragment = document.createDocumentFragment();
    place(this.candidates(), { width: size.x, height: size.y }).forEach(function (label) {
      var node = global.AtlasDom.el("span", "atlas-label atlas-label-" + label.kind, label.text);
      node.dataset.layer = label.layer;
      node.style.width = label.width + "px";
      node.style.color = label.color || textColor(this.state.byId[label.layer].style.color);
      var x = origin.x + label.x - label.width / 2, y = origin.y + label.y - label.height / 2;
      node.style.transform = "translate(" + x + "px," + y + "px) rotate(" + label.angle + "deg)";
      fragment.appendChild(node);
    }, this);
    this.pane.appendChild(fragment);
  };

  global.AtlasLabels = {
    readableAngle: readableAngle,
    boxOf: boxOf,
    overlaps: overlaps,
    place: place,
    shownRows: shownRows,
    textColor: textColor,
    add: function (state) {
      if (!state.config.labels || !Object.keys(state.config.labels.layers).length) { return null; }
      var labels = new Labels(state);
      var draw = function () { labels.load(); labels.draw(); };
      state.map.on("zoomstart", function () { labels.pane.classList.add("atlas-label-pane-moving"); });
      state.map.on("zoomend", function () { labels.pane.classList.remove("atlas-label-pane-moving"); });
      state.map.on("moveend resize", draw);
      state.onChange(draw);
      draw();
      state.labels = labels;
      return labels;
    }
  };
})(window);
