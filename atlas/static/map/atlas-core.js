/* The atlas map: one composite vector-tile layer for every visible catalogue layer.
 * Drawing all layers on one canvas per tile lets a click reach any feature, and a tile
 * costs one request whatever the number of visible layers. */
(function (global) {
  "use strict";

  var LAYER = typeof Symbol === "function" ? Symbol("atlasLayer") : "__atlasLayer";
  var FID = typeof Symbol === "function" ? Symbol("atlasFid") : "__atlasFid";

  // Leaflet 1.8 removed L.DomEvent.fakeStop, which VectorGrid 1.3 calls on every click.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; };
  }

  // How far (pixels) a feature's symbol may reach past the feature: the largest cell circle and its outline.
  var SYMBOL_REACH_PX = 18;

  // The composite tiles, asked for only where something can be drawn: a tile wholly outside the
  // data's bounds, and beyond the reach of a symbol drawn at their edge, would come back empty.
  var AtlasTiles = L.VectorGrid.Protobuf.extend({
    _isValidTile: function (coords) {
      if (!L.VectorGrid.Protobuf.prototype._isValidTile.call(this, coords)) { return false; }
      var box = this.options.dataBounds;
      if (!box) { return true; }
      var size = this.getTileSize(), reach = L.point(SYMBOL_REACH_PX, SYMBOL_REACH_PX);
      var low = this._map.project(box.getNorthWest(), coords.z).subtract(reach);
      var high = this._map.project(box.getSouthEast(), coords.z).add(reach);
      var tileLow = coords.scaleBy(size), tileHigh = tileLow.add(size);
      return tileLow.x < high.x && tileHigh.x > low.x && tileLow.y < high.y && tileHigh.y > low.y;
    }
  });

  function AtlasState(map, config) {
    this.map = map;
    this.config = config;
    this.byId = {};
    this.visible = {};
    this.opacity = {};
    this.listeners = [];
    config.layers.forEach(function (layer) {
      this.byId[layer.id] = layer;
      this.visible[layer.id] = layer.visible;
      this.opacity[layer.id] = 1;
    }, this);
  }

  AtlasState.prototype.t = function (key) {
    return this.config.strings[key] || key;
  };

  AtlasState.prototype.visibleIds = function () {
    return this.config.layers.filter(function (l) { return this.visible[l.id]; }, this)
      .map(function (l) { return l.id; });
  };

  AtlasState.prototype.onChange = function (listener) {
    this.listeners.push(listener);
  };

  AtlasState.prototype.changed = function () {
    this.listeners.forEach(function (listener) { listener(this); }, this);
  };

  AtlasState.prototype.setVisible = function (id, visible) {
    if (!(id in this.byId) || this.visible[id] === visible) { return; }
    this.visible[id] = visible;
    this.refresh();
  };

  AtlasState.prototype.setOpacity = function (id, value) {
    this.opacity[id] = value;
    if (this.tiles) { this.tiles.redraw(); }
    this.changed();
  };

  AtlasState.prototype.tileUrl = function () {
    var ids = this.visibleIds();
    var revisions = ids.map(function (id) { return this.byId[id].revision; }, this);
    return this.config.tile_url.replace("{ids}", ids.join(",")).replace("{v}", revisions.join("."));
  };

  AtlasState.prototype.refresh = function () {
    var ids = this.visibleIds();
    if (this.tiles) {
      this.map.removeLayer(this.tiles);
      this.tiles = null;
    }
    if (ids.length) {
      this.tiles = new AtlasTiles(this.tileUrl(), {
        dataBounds: this.config.data_bounds ? L.latLngBounds(this.config.data_bounds) : null,
        rendererFactory: L.canvas.tile,
        // Clicks are found by AtlasIdentify from the drawn tiles, with a tolerance.
        interactive: false,
        maxNativeZoom: 22,
        vectorTileLayerStyles: this.styles(),
        getFeatureId: function (feature) {
          feature.properties[FID] = feature.id;
          return feature.id;
        }
      });
      this.tiles.on("load", this.firstDrawn, this);
      this.tiles.addTo(this.map);
    }
    this.changed();
  };

  AtlasState.prototype.firstDrawn = function () {
    if (!global.atlasFirstTilesDrawnAt && global.performance) {
      global.atlasFirstTilesDrawnAt = global.performance.now();
      this.map.fire("atlasfirstdrawn");
    }
  };

  AtlasState.prototype.styles = function () {
    var styles = {};
    this.config.layers.forEach(function (layer) {
      var state = this;
      styles[layer.id] = function (properties, zoom) {
        properties[LAYER] = layer.id;
        return global.AtlasStyle.featureStyle(layer, properties, zoom, state.opacity[layer.id]);
      };
    }, this);
    return styles;
  };

  // The layer id and feature id a tile feature's properties were tagged with while drawn.
  AtlasState.prototype.featureOf = function (properties) {
    return properties[LAYER] ? { layer: properties[LAYER], fid: properties[FID] } : null;
  };

  global.AtlasMap = {
    start: function (map, config) {
      var state = new AtlasState(map, config);
      L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
      global.AtlasTools.fitProvince(map, config.bounds);
      global.AtlasPermalink.restore(state);
      global.AtlasTools.keepNear(map, config.bounds, config.max_bounds);
      // The first tiles are asked for before the controls are built, so they travel meanwhile.
      state.refresh();
      global.AtlasPanel.add(state);
      global.AtlasLegend.add(state);
      global.AtlasSearch.add(state);
      global.AtlasTools.add(state);
      global.AtlasCoordinates.add(state);
      global.AtlasMeasure.add(state);
      global.AtlasPlace.add(state);
      global.AtlasHighlight.add(state);
      global.AtlasIdentify.add(state);
      if (global.AtlasBasemap) { global.AtlasBasemap.add(state); }
      global.AtlasLabels.add(state);
      global.AtlasSea.add(state);
      global.AtlasTable.add(state);
      global.AtlasPermalink.follow(state);
      // What the controls registered for hears of the first view now, as of every later change.
      state.changed();
      global.atlasState = state;
      return state;
    }
  };
})(window);
