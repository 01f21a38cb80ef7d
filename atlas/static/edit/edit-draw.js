/* Drawing and reshaping one geometry with Leaflet-Geoman: new points, lines and polygons, moving and
 * deleting vertices, and snapping to the layer's other features (their full geometry from the API). */
(function (global) {
  "use strict";

  var SHAPES = { point: "Marker", line: "Line", polygon: "Polygon" };
  var EDIT_STYLE = { color: "#d95f02", weight: 3, opacity: 1, fillColor: "#fdb863", fillOpacity: 0.35 };
  var GUIDE_STYLE = { weight: 1, opacity: 0, fill: false, interactive: false };
  var GUIDES_FROM_ZOOM = 12;
  var GUIDES_LIMIT = 300;

  // onDrawn() is called once a new shape is complete.
  function EditDraw(map, config, api, onDrawn) {
    this.map = map;
    this.kind = config.layer.geometry_kind;
    this.shape = SHAPES[this.kind];
    this.api = api;
    this.onDrawn = onDrawn;
    this.layer = null;
    this.baseline = null;
    this.snapping = true;
    this.removingVertices = false;
    this.excluded = null;
    this.guides = L.featureGroup().addTo(map);
    var strings = config.strings;
    map.pm.setLang("atlas", {
      tooltips: {
        placeMarker: strings.gm_place_marker, placeMarkerTouch: strings.gm_place_marker,
        firstVertex: strings.gm_first_vertex, continueLine: strings.gm_continue_line,
        finishLine: strings.gm_finish_line, finishPoly: strings.gm_finish_poly
      },
      actions: { finish: strings.finish, cancel: strings.cancel, removeLastVertex: strings.undo_vertex }
    }, "en");
    map.pm.setGlobalOptions({
      snappable: true, snapDistance: 20, pathOptions: EDIT_STYLE, templineStyle: EDIT_STYLE,
      hintlineStyle: { color: EDIT_STYLE.color, dashArray: "5,5" }, continueDrawing: false
    });
    map.on("pm:create", this.created, this);
    map.on("moveend", this.loadGuides, this);
  }

  EditDraw.prototype.isDrawing = function () {
    return this.map.pm.globalDrawModeEnabled();
  };

  EditDraw.prototype.startDraw = function () {
    this.clear();
    this.map.pm.enableDraw(this.shape, { snappable: this.snapping });
    this.loadGuides();
  };

  EditDraw.prototype.finishDraw = function () {
    var draw = this.map.pm.Draw[this.shape];
    if (this.isDrawing() && draw._finishShape) { draw._finishShape(); }
  };

  EditDraw.prototype.undoVertex = function () {
    var draw = this.map.pm.Draw[this.shape];
    if (this.isDrawing() && draw._removeLastVertex) { draw._removeLastVertex(); }
  };

  EditDraw.prototype.created = function (event) {
    this.take(event.layer);
    this.baseline = null;  // everything about a new shape is a change
    this.onDrawn();
  };

  // Put a geometry (GeoJSON) on the map for reshaping; `excludeFid` is not its own snap guide.
  EditDraw.prototype.edit = function (geometry, excludeFid) {
    this.clear();
    this.excluded = excludeFid;
    var group = L.geoJSON(geometry, {
      style: function () { return EDIT_STYLE; },
      pointToLayer: function (feature, latlng) { return L.marker(latlng); }
    });
    var layers = group.getLayers();
    this.take(layers.length === 1 ? layers[0] : group);
    this.baseline = JSON.stringify(this.geometry());
    this.loadGuides();
  };

  EditDraw.prototype.take = function (layer) {
    if (this.layer && this.layer !== layer) { this.map.removeLayer(this.layer); }
    this.layer = layer;
    if (!this.map.hasLayer(layer)) { layer.addTo(this.map); }
    this.enable();
  };

  EditDraw.prototype.enable = function () {
    var options = {
      snappable: this.snapping, snapDistance: 20, draggable: this.kind === "point",
      removeVertexOn: this.removingVertices ? "click" : "contextmenu"
    };
    this.eachPart(function (part) {
      if (part.pm.enabled()) { part.pm.disable(); }
      part.pm.enable(options);
    });
  };

  EditDraw.prototype.eachPart = function (callback) {
    if (!this.layer) { return; }
    if (this.layer.eachLayer) { this.layer.eachLayer(callback); } else { callback(this.layer); }
  };

  EditDraw.prototype.setSnapping = function (on) {
    this.snapping = on;
    this.map.pm.setGlobalOptions({ snappable: on });
    if (this.layer) { this.enable(); }
  };

  // Vertex removal by a plain click or tap (tablets have no right click).
  EditDraw.prototype.setRemovingVertices = function (on) {
    this.removingVertices = on;
    if (this.layer) { this.enable(); }
  };

  // The geometry as GeoJSON at full precision, or null when nothing is drawn.
  EditDraw.prototype.geometry = function () {
    if (!this.layer) { return null; }
    if (this.layer instanceof L.Marker) { return this.layer.toGeoJSON(false).geometry; }
    if (this.layer.eachLayer) {
      var points = [];
      this.layer.eachLayer(function (part) { points.push(part.toGeoJSON(false).geometry.coordinates); });
      return { type: "MultiPoint", coordinates: points };
    }
    return this.layer.toGeoJSON(false).geometry;
  };

  EditDraw.prototype.changed = function () {
    return this.layer !== null && (this.baseline === null || JSON.stringify(this.geometry()) !== this.baseline);
  };

  EditDraw.prototype.clear = function () {
    if (this.map.pm.globalDrawModeEnabled()) { this.map.pm.disableDraw(); }
    if (this.layer) {
      this.eachPart(function (part) { part.pm.disable(); });
      this.map.removeLayer(this.layer);
    }
    this.layer = null;
    this.baseline = null;
    this.excluded = null;
    this.guides.clearLayers();
  };

  // The full geometry of the layer's features in view, invisible, for Geoman to snap to.
  EditDraw.prototype.loadGuides = function () {
    var active = this.layer || this.map.pm.globalDrawModeEnabled();
    if (!active || !this.snapping || this.map.getZoom() < GUIDES_FROM_ZOOM) { return; }
    var self = this;
    var asked = this.guidesAsked = (this.guidesAsked || 0) + 1;
    this.api.nearby(this.map.getBounds(), GUIDES_LIMIT).then(function (collection) {
      if (asked !== self.guidesAsked) { return; }
      self.guides.clearLayers();
      collection.features.forEach(function (feature) {
        if (feature.id === self.excluded) { return; }
        L.geoJSON(feature, {
          pmIgnore: true, snapIgnore: false, interactive: false, style: function () { return GUIDE_STYLE; },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 1, opacity: 0, fillOpacity: 0, pmIgnore: true, snapIgnore: false });
          }
        }).eachLayer(function (part) {
          part.options.pmIgnore = true;
          part.options.snapIgnore = false;
          self.guides.addLayer(part);
        });
      });
    }, function () { /* no guides: drawing still works, only without snapping to neighbours */ });
  };

  global.AtlasEditDraw = EditDraw;
})(window);
