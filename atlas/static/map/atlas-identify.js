/* Identify: a click or tap finds every drawn feature within a few pixels of it, from the vector
 * tiles already in the browser (no request). A mouse gets 6 px of tolerance, a finger 16 px.
 * Points and lines near the pointer win over the areas under it, so a click beside a river finds
 * the river, not the commune; several hits are listed by layer to choose from. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;
  var TOLERANCE = { mouse: 6, touch: 16 };
  var KIND_RANK = { point: 0, line: 1, polygon: 2 };

  function segmentDistance(p, a, b) {
    var dx = b.x - a.x, dy = b.y - a.y;
    var length2 = dx * dx + dy * dy;
    var t = length2 ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2)) : 0;
    return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
  }

  function lineDistance(p, parts) {
    var best = Infinity;
    parts.forEach(function (part) {
      for (var i = 1; i < part.length; i++) { best = Math.min(best, segmentDistance(p, part[i - 1], part[i])); }
    });
    return best;
  }

  // Even-odd over every ring, so holes and multipolygons need no winding rules.
  function insideRings(p, parts) {
    var inside = false;
    parts.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var a = ring[i], b = ring[j];
        if ((a.y > p.y) !== (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) { inside = !inside; }
      }
    });
    return inside;
  }

  // How far (in pixels) the point is from the drawn symbol: 0 on it, Infinity when it cannot be hit.
  function distance(kind, shape, p) {
    if (kind === "point") { return Math.max(0, Math.hypot(p.x - shape.point.x, p.y - shape.point.y) - shape.radius); }
    if (kind === "line") { return Math.max(0, lineDistance(p, shape.parts) - shape.width / 2); }
    return insideRings(p, shape.parts) ? 0 : Infinity;
  }

  // Points and lines within the tolerance first (nearest first); areas only when none is near.
  function rank(hits) {
    var near = hits.filter(function (hit) { return hit.kind !== "polygon"; });
    var chosen = near.length ? near : hits;
    return chosen.slice().sort(function (a, b) {
      return (KIND_RANK[a.kind] - KIND_RANK[b.kind]) || (a.distance - b.distance) || (b.order - a.order);
    });
  }

  function isTouch(event) {
    if (!event) { return false; }
    if (event.pointerType) { return event.pointerType !== "mouse"; }
    return Boolean(event.sourceCapabilities && event.sourceCapabilities.firesTouchEvents);
  }

  function shapeOf(symbol) {
    var options = symbol.options || {};
    return { point: symbol._point, parts: symbol._parts, radius: options.radius || 0, width: options.weight || 0 };
  }

  // Every feature of the current zoom's tiles within `tolerance` px of the container point.
  function collect(state, containerPoint, tolerance) {
    var tiles = state.tiles, hits = [], seen = {};
    if (!tiles || !tiles._vectorTiles) { return hits; }
    var zoom = tiles._tileZoom;
    var latlng = state.map.containerPointToLatLng(containerPoint);
    var scale = Math.pow(2, zoom - state.map.getZoom());
    var order = {};
    state.config.layers.forEach(function (layer, index) { order[layer.id] = index; });
    Object.keys(tiles._vectorTiles).forEach(function (key) {
      var renderer = tiles._vectorTiles[key], coords = renderer.getCoord();
      if (coords.z !== zoom) { return; }
      var size = tiles.getTileSize();
      var p = state.map.project(latlng, zoom).subtract(L.point(coords.x * size.x, coords.y * size.y));
      var margin = (tolerance + 20) * scale;
      if (p.x < -margin || p.y < -margin || p.x > size.x + margin || p.y > size.y + margin) { return; }
      Object.keys(renderer._layers).forEach(function (stamp) {
        var symbol = renderer._layers[stamp], feature = state.featureOf(symbol.properties || {});
        var layer = feature && state.byId[feature.layer];
        if (!layer || !state.visible[layer.id]) { return; }
        var d = distance(layer.geometry_kind, shapeOf(symbol), p) / scale;
        var id = layer.id + ":" + (feature.fid !== undefined ? feature.fid : key + "/" + stamp);
        if (d > tolerance || (seen[id] && seen[id].distance <= d)) { return; }
        seen[id] = { layer: layer, properties: symbol.properties, fid: feature.fid, kind: layer.geometry_kind,
          distance: d, order: order[layer.id], cell: isCell(symbol.properties) };
      });
    });
    Object.keys(seen).forEach(function (id) { hits.push(seen[id]); });
    return rank(hits);
  }

  function isCell(properties) {
    return properties.point_count !== undefined || properties.feature_count !== undefined;
  }

  function featureName(layer, properties, fid) {
    var named = properties.name || properties.vernacular_name || properties.scientific_name;
    if (named) { return String(named); }
    var first = layer.fields.filter(function (f) { return properties[f.name] !== undefined && properties[f.name] !== null; })[0];
    return first ? String(properties[first.name]) : "#" + fid;
  }

  // Opens one hit: a feature's popup, or for a grid cell its count, zooming in towards it.
  function openHit(state, hit, latlng) {
    if (!hit.cell) {
      global.AtlasPopup.open(state, hit.layer, hit.properties, hit.fid, latlng);
      global.AtlasHighlight.show(state, hit.layer, hit.fid);
      return;
    }
    // The count is shown once the zoom has landed, so the popup's own panning cannot cut it short.
    var zoom = state.map.getZoom();
    var target = Math.min(zoom + 2, hit.layer.aggregate_below_zoom || zoom + 2);
    global.AtlasPlace.close(state);
    state.map.once("moveend", function () { global.AtlasPopup.open(state, hit.layer, hit.properties, null, latlng); });
    state.map.setView(latlng, target);
  }

  // The list of several hits, by layer, as buttons: reachable and chosen with the keyboard.
  function chooser(state, hits, latlng) {
    var box = el("div", "atlas-popup atlas-identify");
    box.appendChild(el("div", "atlas-popup-layer", state.t("identify_several").replace("{n}", hits.length)));
    var groups = {};
    hits.forEach(function (hit) {
      if (!groups[hit.layer.id]) {
        groups[hit.layer.id] = el("ul", "atlas-identify-group");
        box.appendChild(el("div", "atlas-identify-layer", hit.layer.title));
        box.appendChild(groups[hit.layer.id]);
      }
      var item = el("li");
      var button = el("button", "atlas-identify-choice", hit.cell
        ? global.AtlasPopup.cellText(state, hit.layer, hit.properties)
        : featureName(hit.layer, hit.properties, hit.fid));
      button.type = "button";
      button.addEventListener("click", function () { openHit(state, hit, latlng); });
      item.appendChild(button);
      groups[hit.layer.id].appendChild(item);
    });
    return box;
  }

  function identify(state, latlng, event) {
    var tolerance = isTouch(event) ? TOLERANCE.touch : TOLERANCE.mouse;
    var hits = collect(state, state.map.latLngToContainerPoint(latlng), tolerance);
    global.AtlasHighlight.clear(state);
    if (!hits.length) { global.AtlasPlace.close(state); return hits; }
    // Neighbouring grid cells need no choosing: the nearest one zooms in towards all of them.
    if (hits.length === 1 || hits.every(function (hit) { return hit.cell; })) {
      openHit(state, hits[0], latlng);
      return hits;
    }
    var box = chooser(state, hits, latlng);
    global.AtlasPlace.show(state, box, latlng);
    var first = box.querySelector("button");
    if (first) { first.focus({ preventScroll: true }); }
    return hits;
  }

  global.AtlasIdentify = {
    distance: distance,
    rank: rank,
    isTouch: isTouch,
    featureName: featureName,
    identify: identify,
    add: function (state) {
      state.map.on("click", function (event) {
        if (state.measure && state.measure.isActive()) { return; }
        identify(state, event.latlng, event.originalEvent);
      });
      // From the keyboard: Enter on the focused map identifies what is at its centre.
      state.map.getContainer().addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || event.target !== state.map.getContainer()) { return; }
        event.preventDefault();
        identify(state, state.map.getCenter(), null);
      });
    }
  };
})(window);
