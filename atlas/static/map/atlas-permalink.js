/* Permalink: the view and the visible layers live in the URL hash (#zoom/lat/lon/layer,layer),
 * so reloading or sharing the link restores the same map. */
(function (global) {
  "use strict";

  function parse(hash) {
    var parts = hash.replace(/^#/, "").split("/");
    if (parts.length < 3) { return null; }
    var zoom = parseFloat(parts[0]), lat = parseFloat(parts[1]), lon = parseFloat(parts[2]);
    if (!isFinite(zoom) || !isFinite(lat) || !isFinite(lon)) { return null; }
    return { zoom: zoom, lat: lat, lon: lon, layers: parts.length > 3 ? decodeURIComponent(parts[3]).split(",") : null };
  }

  function format(state) {
    var center = state.map.getCenter();
    return "#" + state.map.getZoom() + "/" + center.lat.toFixed(5) + "/" + center.lng.toFixed(5) + "/" +
      state.visibleIds().join(",");
  }

  global.AtlasPermalink = {
    parse: parse,
    // The address of the view as it is now, even while the map is still moving there.
    link: function (state) { return global.location.href.split("#")[0] + format(state); },
    restore: function (state) {
      var view = parse(global.location.hash);
      if (!view) { return; }
      state.map.setView([view.lat, view.lon], view.zoom, { animate: false });
      if (view.layers) {
        state.config.layers.forEach(function (layer) {
          state.visible[layer.id] = view.layers.indexOf(layer.id) >= 0;
        });
      }
    },
    follow: function (state) {
      function write() {
        var hash = format(state);
        if (global.location.hash !== hash) { global.history.replaceState(null, "", hash); }
        document.querySelectorAll("a.atlas-lang-link").forEach(function (link) {
          link.hash = hash;
        });
      }
      state.map.on("moveend", write);
      state.onChange(write);
      global.addEventListener("hashchange", function () {
        var view = parse(global.location.hash);
        if (!view) { return; }
        state.map.setView([view.lat, view.lon], view.zoom);
        if (view.layers) {
          state.config.layers.forEach(function (layer) {
            state.visible[layer.id] = view.layers.indexOf(layer.id) >= 0;
          });
          state.refresh();
        }
      });
    }
  };
})(window);
