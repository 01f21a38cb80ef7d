/* The chosen feature drawn over the map in a bright outline, from its whole geometry (API), until
 * its popup or sheet closes. Drawn in SVG without pointer events, so it never takes a click. */
(function (global) {
  "use strict";
  var STYLE = { color: "#ffd400", weight: 5, opacity: 0.95, fill: false, interactive: false };

  function clear(state) {
    if (state.highlight) { state.map.removeLayer(state.highlight); }
    state.highlight = null;
    state.highlightKey = null;
  }

  function draw(state, key, feature) {
    if (state.highlightKey !== key) { return; }
    var renderer = state.highlightRenderer || (state.highlightRenderer = L.svg({ padding: 0.5 }));
    state.highlight = L.geoJSON(feature, {
      style: function () { return L.extend({ renderer: renderer }, STYLE); },
      pointToLayer: function (_, latlng) {
        return L.circleMarker(latlng, L.extend({ renderer: renderer, radius: 11 }, STYLE));
      }
    }).addTo(state.map);
  }

  global.AtlasHighlight = {
    clear: clear,
    // `feature`, when the caller has it already, saves fetching it again.
    show: function (state, layer, fid, feature) {
      clear(state);
      if (fid === undefined || fid === null) { return; }
      var key = layer.id + ":" + fid;
      state.highlightKey = key;
      if (feature && feature.geometry) { draw(state, key, feature); return; }
      var url = state.config.api_url + "/layers/" + encodeURIComponent(layer.id) + "/features/" + encodeURIComponent(fid);
      fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (feature) { if (feature && feature.geometry) { draw(state, key, feature); } })
        .catch(function () { /* the popup still names the feature */ });
    },
    add: function (state) {
      state.map.on("popupclose atlassheetclose", function () { clear(state); });
    }
  };
})(window);
