/* The edited layer drawn from its vector tiles (the unversioned URL, so a redraw shows the latest edit). */
(function (global) {
  "use strict";

  var FID = typeof Symbol === "function" ? Symbol("editorFid") : "__editorFid";
  var HIDDEN = { weight: 0, opacity: 0, fill: false, fillOpacity: 0, radius: 0 };

  // Leaflet 1.8 removed L.DomEvent.fakeStop, which VectorGrid 1.3 calls on every click.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  // onPick(fid) for a click on a feature; onPick(null) for a click on a grid cell of a low zoom.
  function EditTiles(map, config, onPick) {
    this.map = map;
    this.config = config;
    this.onPick = onPick;
    this.hidden = null;
    this.selectable = true;
    this.layer = this.create();
    this.layer.addTo(map);
  }

  EditTiles.prototype.create = function () {
    var layer = this.config.layer;
    var styles = {};
    styles[layer.id] = function (properties, zoom) {
      return global.AtlasStyle.featureStyle(layer, properties, zoom, 1);
    };
    var tiles = L.vectorGrid.protobuf(this.config.tile_url, {
      rendererFactory: L.canvas.tile,
      interactive: true,
      maxNativeZoom: Math.min(layer.max_zoom, 22),
      minZoom: layer.min_zoom,
      vectorTileLayerStyles: styles,
      // Revalidate every tile (ETag): after an edit the server answers with the new bytes.
      fetchOptions: { credentials: "same-origin", cache: "no-cache" },
      getFeatureId: function (feature) {
        feature.properties[FID] = feature.id;
        return feature.id;
      }
    });
    tiles.on("click", this.clicked, this);
    return tiles;
  };

  EditTiles.prototype.clicked = function (event) {
    var properties = event.layer && event.layer.properties;
    if (!properties || !this.selectable) { return; }
    var isCell = properties.feature_count !== undefined || properties.point_count !== undefined;
    this.onPick(isCell ? null : properties[FID]);
  };

  // While drawing or editing, clicks go through the tiles to the map (Geoman needs them there).
  EditTiles.prototype.setSelectable = function (selectable) {
    this.selectable = selectable;
    this.map.getContainer().classList.toggle("editor-tiles-passive", !selectable);
  };

  // Hide the feature being edited, so only its editable copy shows.
  EditTiles.prototype.hide = function (fid) {
    this.show();
    if (fid !== null && fid !== undefined) {
      this.hidden = fid;
      this.layer.setFeatureStyle(fid, HIDDEN);
    }
  };

  EditTiles.prototype.show = function () {
    if (this.hidden !== null) {
      this.layer.resetFeatureStyle(this.hidden);
      this.hidden = null;
    }
  };

  EditTiles.prototype.redraw = function () {
    this.layer.redraw();
  };

  global.AtlasEditTiles = EditTiles;
})(window);
