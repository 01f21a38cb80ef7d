/* The sea off the coast (tiles/context.py), under the tiles, so the map reads without a basemap:
 * one small shape per zoom, simplified by PostGIS, its coast a line, its name among the labels. */
(function (global) {
  "use strict";

  var WATER = { fillColor: "#a9cfe7", fillOpacity: 1, color: "#4a7fa8", weight: 1.2, opacity: 1, className: "atlas-sea" };
  var NAME_COLOR = "#1f4e79";
  var SPOT_STEP = 90; // px between the places tried for the name when PostGIS's point is out of view

  // Whether (x, y) lies inside a ring of [x, y] pairs (even-odd rule).
  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > y) !== (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) { inside = !inside; }
    }
    return inside;
  }

  // Whether a lon/lat point is in the water of a GeoJSON (Multi)Polygon: in an outer ring, in none of its holes.
  function inWater(geometry, lon, lat) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some(function (rings) {
      return inRing(rings[0], lon, lat) && !rings.slice(1).some(function (hole) { return inRing(hole, lon, lat); });
    });
  }

  function Sea(state) {
    this.state = state;
    this.map = state.map;
    this.config = state.config.sea;
    this.zoom = null;
    this.layer = null;
    this.map.createPane("atlasSea").classList.add("atlas-sea-pane");
    this.renderer = L.svg({ pane: "atlasSea" });
  }

  // The zoom whose shape the view needs: beyond the zoom of full detail, the full shape serves all.
  Sea.prototype.wanted = function () {
    return Math.max(0, Math.min(Math.floor(this.map.getZoom()), this.config.max_zoom));
  };

  Sea.prototype.load = function () {
    var zoom = this.wanted(), self = this;
    if (zoom === this.zoom) { return; }
    this.zoom = zoom;
    fetch(this.config.url.replace("{z}", zoom), { headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (json) { if (self.zoom === zoom) { self.show(json); } })
      .catch(function () { if (self.zoom === zoom) { self.zoom = null; } });  // tried again at the next zoom
  };

  // Where the name may go: PostGIS's point, then places in view, nearest its centre first, whose
  // whole label box is water.
  Sea.prototype.spots = function (json, width, height) {
    var map = this.map, size = map.getSize(), spots = [[json.label[1], json.label[0]]];
    var wet = function (x, y) { var p = map.containerPointToLatLng([x, y]); return inWater(json.geometry, p.lng, p.lat); };
    var found = [];
    for (var x = SPOT_STEP / 2; x < size.x; x += SPOT_STEP) {
      for (var y = SPOT_STEP / 2; y < size.y; y += SPOT_STEP) {
        var w = width / 2 + 4, h = height / 2 + 4;
        if (wet(x, y) && wet(x - w, y - h) && wet(x + w, y - h) && wet(x - w, y + h) && wet(x + w, y + h)) {
          found.push({ x: x, y: y, d: Math.hypot(x - size.x / 2, y - size.y / 2) });
        }
      }
    }
    found.sort(function (a, b) { return a.d - b.d; });
    return spots.concat(found.map(function (f) { var p = map.containerPointToLatLng([f.x, f.y]); return [p.lat, p.lng]; }));
  };

  Sea.prototype.show = function (json) {
    var shape = L.geoJSON(json.geometry, {
      pane: "atlasSea", renderer: this.renderer, interactive: false, style: function () { return WATER; }
    }).addTo(this.map);
    if (this.layer) { this.map.removeLayer(this.layer); }
    this.layer = shape;
    var self = this;
    if (this.state.labels && json.label) {
      this.state.labels.setExtra([{
        layer: "sea", text: json.name, color: NAME_COLOR,
        spots: function (width, height) { return self.spots(json, width, height); }
      }]);
    }
  };

  global.AtlasSea = {
    inWater: inWater,
    add: function (state) {
      if (!state.config.sea) { return null; }
      var sea = new Sea(state);
      state.map.on("zoomend", function () { sea.load(); });
      sea.load();
      state.sea = sea;
      return sea;
    }
  };
})(window);
