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
    if (points.some(function (p) { return !p; })) { return "…"; }  // proj4.js is still on its way
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

  // The line being measured, as plain data: points are added until it is finished; the next
  // point after that starts a new line.
  function session() { return { points: [], finished: false }; }
  function addPoint(line, point) {
    if (line.finished) { line.points = []; line.finished = false; }
    line.points.push(point);
  }
  function undo(line) { line.points.pop(); line.finished = false; }
  function finish(line) { line.finished = line.points.length > 0; }
  function clear(line) { line.points = []; line.finished = false; }
  // A double click has just added its own two clicks; the second one is the same place again.
  function finishDouble(line, samePlace) {
    var n = line.points.length;
    if (n >= 2 && samePlace(line.points[n - 2], line.points[n - 1])) { line.points.pop(); }
    finish(line);
  }

  function button(container, className, text, onClick) {
    var node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    container.appendChild(node);
    return node;
  }

  function tool(state, container) {
    var map = state.map;
    var line = session();
    var active = false;
    // SVG without pointer events: the measured line never sits on top of the tiles' clicks.
    var renderer = L.svg({ padding: 0.5 });
    var drawing = L.layerGroup();
    var output = el("div", "atlas-measure-output");
    output.setAttribute("aria-live", "polite");
    var actions = el("div", "atlas-measure-actions");
    var style = { color: "#d7301f", renderer: renderer, interactive: false };

    function redraw() {
      drawing.clearLayers();
      var pts = line.points;
      if (pts.length > 1) { L.polyline(pts, L.extend({ weight: 2 }, style)).addTo(drawing); }
      if (pts.length > 2) { L.polygon(pts, L.extend({ weight: 1, fillOpacity: 0.1, stroke: false }, style)).addTo(drawing); }
      pts.forEach(function (p) { L.circleMarker(p, L.extend({ radius: 3 }, style)).addTo(drawing); });
      output.textContent = pts.length ? describe(state, pts) : state.t("measure_help");
      if (line.finished) { output.textContent += " " + state.t("measure_finished"); }
    }
    function setActive(on) {
      active = on;
      clear(line);
      container.classList.toggle("active", on);
      toggle.setAttribute("aria-pressed", String(on));
      map.getContainer().classList.toggle("atlas-measuring", on);
      if (on) {
        map.doubleClickZoom.disable();
        drawing.addTo(map);
        global.AtlasPlace.close(state);
      } else {
        map.doubleClickZoom.enable();
        drawing.remove();
      }
      redraw();
    }
    function act(change) { return function () { change(line); redraw(); }; }

    var toggle = button(container, "atlas-measure-toggle", state.t("measure"), function () { setActive(!active); });
    toggle.title = state.t("measure_help");
    container.appendChild(output);
    container.appendChild(actions);
    button(actions, "atlas-measure-finish", state.t("measure_finish"), act(finish));
    button(actions, "atlas-measure-undo", state.t("measure_undo"), act(undo));
    button(actions, "atlas-measure-clear", state.t("measure_clear"), act(clear));

    map.on("click", function (event) { if (active) { addPoint(line, event.latlng); redraw(); } });
    map.on("dblclick", function () {
      if (!active) { return; }
      finishDouble(line, function (a, b) { return map.latLngToContainerPoint(a).distanceTo(map.latLngToContainerPoint(b)) < 6; });
      redraw();
    });
    // Escape finishes the line; on a finished or empty one it puts the tool away.
    global.document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !active) { return; }
      if (line.points.length && !line.finished) { finish(line); redraw(); } else { setActive(false); }
    });
    state.measure = { isActive: function () { return active; } };
  }

  global.AtlasMeasure = {
    length: length,
    area: area,
    describe: describe,
    session: session,
    addPoint: addPoint,
    undo: undo,
    finish: finish,
    finishDouble: finishDouble,
    clear: clear,
    add: function (state) {
      global.AtlasDom.control(state.map, "topleft", "atlas-measure", function (container) { tool(state, container); });
    }
  };
})(window);
