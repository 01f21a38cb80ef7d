/* Measuring distance and area: lengths and areas are computed in VN-2000 / TM-3 (EPSG:5897)
 * metres, as PostGIS's ST_Length and ST_Area give them on geometries transformed to 5897. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  function planar(state, latlngs) {
    return latlngs.map(function (latlng) { return global.AtlasCoordinates.project(state, latlng); });
  }

  function length(points) {
    var total = 0;
    for (var i = 1; i < points.length; i++) {
      total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    }
    return total;
  }

  function area(points) {
    if (points.length < 3) { return 0; }
    var sum = 0;
    for (var i = 0; i < points.length; i++) {
      var a = points[i], b = points[(i + 1) % points.length];
      sum += a[0] * b[1] - b[0] * a[1];
    }
    return Math.abs(sum) / 2;
  }

  function describe(state, latlngs) {
    var points = planar(state, latlngs);
    var locale = state.config.lang === "vi" ? "vi-VN" : "en-GB";
    var metres = length(points);
    var text = state.t("distance") + ": " + (metres >= 1000
      ? (metres / 1000).toLocaleString(locale, { maximumFractionDigits: 3 }) + " km"
      : metres.toLocaleString(locale, { maximumFractionDigits: 1 }) + " m");
    if (points.length >= 3) {
      var hectares = area(points) / 10000;
      text += " · " + state.t("area") + ": " + hectares.toLocaleString(locale, { maximumFractionDigits: 2 }) + " ha";
    }
    return text;
  }

  global.AtlasMeasure = {
    length: length,
    area: area,
    describe: describe,
    add: function (state) {
      var map = state.map;
      var points = [];
      var drawing = L.layerGroup().addTo(map);
      var active = false;
      global.AtlasDom.control(state.map, "topleft", "atlas-measure", function (container) {
        var button = el("button", "atlas-measure-toggle", state.t("measure"));
        button.type = "button";
        button.title = state.t("measure_help");
        var output = el("div", "atlas-measure-output");
        function redraw() {
          drawing.clearLayers();
          if (points.length > 1) { L.polyline(points, { color: "#d7301f", weight: 2 }).addTo(drawing); }
          if (points.length > 2) { L.polygon(points, { color: "#d7301f", weight: 1, fillOpacity: 0.1 }).addTo(drawing); }
          points.forEach(function (p) { L.circleMarker(p, { radius: 3, color: "#d7301f" }).addTo(drawing); });
          output.textContent = points.length ? describe(state, points) : state.t("measure_help");
        }
        button.addEventListener("click", function () {
          active = !active;
          points = [];
          container.classList.toggle("active", active);
          map.getContainer().classList.toggle("atlas-measuring", active);
          redraw();
        });
        function add(latlng) {
          points.push(latlng);
          redraw();
        }
        map.on("click", function (event) { if (active) { add(event.latlng); } });
        state.measure = { isActive: function () { return active; }, add: add };
        container.appendChild(button);
        container.appendChild(output);
      });
    }
  };
})(window);
