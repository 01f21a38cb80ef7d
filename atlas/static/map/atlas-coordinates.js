/* Pointer position in WGS 84 and in VN-2000 / TM-3 zone 482 (EPSG:5897), with the
 * definition PostGIS itself uses, so the numbers match what planners get from the database. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  // One converter per map: building it parses the PROJ string, and measuring projects every vertex.
  // Until proj4.js has arrived (it loads after the first tiles) there is no VN-2000 position.
  function project(state, latlng) {
    if (!global.proj4) { return null; }
    if (!state.toVn2000) { state.toVn2000 = global.proj4("EPSG:4326", state.config.vn2000.proj4); }
    return state.toVn2000.forward([latlng.lng, latlng.lat]);
  }

  function loadProj4(state, ready) {
    if (global.proj4) { ready(); return; }
    var script = global.document.createElement("script");
    script.src = state.config.vn2000.script;
    script.async = true;
    script.addEventListener("load", ready);
    global.document.head.appendChild(script);
  }

  function formatter(state) {
    // Made on the first VN-2000 position, after proj4.js: building it loads the locale's number
    // rules, tens of milliseconds on a phone that would otherwise hold back the first tiles.
    var metres = null;
    function number(value) {
      if (!metres) {
        metres = new Intl.NumberFormat(state.config.lang === "vi" ? "vi-VN" : "en-GB", {
          minimumFractionDigits: 2, maximumFractionDigits: 2
        });
      }
      return metres.format(value);
    }
    return function (latlng) {
      var xy = project(state, latlng);
      return {
        wgs84: latlng.lat.toFixed(6) + ", " + latlng.lng.toFixed(6),
        vn2000: xy ? "X " + number(xy[1]) + " · Y " + number(xy[0]) : "…"
      };
    };
  }

  global.AtlasCoordinates = {
    project: project,
    add: function (state) {
      var format = formatter(state);
      var Coordinates = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function (map) {
          var container = el("div", "atlas-coordinates");
          var wgs = el("div", "atlas-coord-wgs84");
          var vn = el("div", "atlas-coord-vn2000");
          container.appendChild(wgs);
          container.appendChild(vn);
          function show(latlng) {
            var text = format(latlng);
            wgs.textContent = "WGS 84: " + text.wgs84;
            vn.textContent = state.config.vn2000.label + ": " + text.vn2000;
          }
          map.on("mousemove", function (event) { show(event.latlng); });
          // Phones have no pointer: show the centre of the map instead.
          map.on("moveend", function () { show(map.getCenter()); });
          show(map.getCenter());
          map.once("atlasfirstdrawn", function () { loadProj4(state, function () { show(map.getCenter()); }); });
          return container;
        }
      });
      new Coordinates().addTo(state.map);
    }
  };
})(window);
