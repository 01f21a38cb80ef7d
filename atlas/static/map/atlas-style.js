/* Styles from the catalogue: colours, widths, fills and categorized classes; grid cells at low zoom. */
(function (global) {
  "use strict";

  // Leaflet draws every point as a circle; the catalogue also has squares, triangles and
  // diamonds (permits, stations), so the canvas renderer learns those shapes.
  var SHAPES = {
    square: [[-1, -1], [1, -1], [1, 1], [-1, 1]],
    triangle: [[0, -1.25], [1.15, 0.85], [-1.15, 0.85]],
    diamond: [[0, -1.35], [1.35, 0], [0, 1.35], [-1.35, 0]]
  };
  var drawCircle = L.Canvas.prototype._updateCircle;
  L.Canvas.prototype._updateCircle = function (layer) {
    var shape = SHAPES[layer.options.atlasSymbol];
    if (!shape) { return drawCircle.call(this, layer); }
    if (!this._drawing || layer._empty()) { return; }
    var p = layer._point, r = Math.max(Math.round(layer._radius), 1), ctx = this._ctx;
    ctx.beginPath();
    shape.forEach(function (corner, i) {
      var x = p.x + corner[0] * r, y = p.y + corner[1] * r;
      if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
    });
    ctx.closePath();
    this._fillStroke(ctx, layer);
  };

  function categoryColor(layer, properties) {
    var style = layer.style;
    if (!style.category_field) { return null; }
    var value = properties[style.category_field];
    for (var i = 0; i < style.categories.length; i++) {
      if (style.categories[i].value === value) { return style.categories[i].color; }
    }
    return "#999999";
  }

  // Classes of a categorized point layer differ by shape as well as colour, so a status can be told
  // apart without seeing colour: the first class has the layer's own symbol, the next ones the others.
  var SHAPE_ORDER = ["circle", "square", "triangle", "diamond"];
  function categorySymbol(layer, value) {
    var style = layer.style;
    var index = style.categories.map(function (c) { return c.value; }).indexOf(value);
    if (!style.category_field || index < 0) { return style.symbol; }
    var base = Math.max(0, SHAPE_ORDER.indexOf(style.symbol));
    return SHAPE_ORDER[(base + index) % SHAPE_ORDER.length];
  }

  function pointStyle(layer, properties, opacity) {
    var style = layer.style;
    var fill = categoryColor(layer, properties) || style.fill_color || style.color;
    var count = properties.point_count;
    // A grid cell standing for several observations grows with the log of its count.
    var radius = count > 1 ? Math.min(style.radius + 2 * Math.log(count), 16) : style.radius;
    return {
      radius: radius, fill: true, fillColor: fill, fillOpacity: style.fill_opacity * opacity,
      color: style.color, weight: 1.5, opacity: opacity,
      atlasSymbol: count > 1 ? "circle" : categorySymbol(layer, properties[style.category_field])
    };
  }

  function lineStyle(layer, properties, opacity) {
    var style = layer.style;
    return {
      color: categoryColor(layer, properties) || style.color, weight: style.width,
      opacity: opacity, dashArray: style.dash || null, fill: false
    };
  }

  function polygonStyle(layer, properties, opacity) {
    var style = layer.style;
    var fill = categoryColor(layer, properties) || style.fill_color;
    var isCell = properties.feature_count !== undefined;
    return {
      color: isCell ? fill : style.color, weight: isCell ? 0 : style.width, opacity: opacity,
      fill: Boolean(fill), fillColor: fill || style.color, fillOpacity: style.fill_opacity * opacity
    };
  }

  global.AtlasStyle = {
    categoryColor: categoryColor,
    categorySymbol: categorySymbol,
    featureStyle: function (layer, properties, zoom, opacity) {
      var kind = layer.geometry_kind;
      if (kind === "point") { return pointStyle(layer, properties, opacity); }
      if (kind === "line") { return lineStyle(layer, properties, opacity); }
      return polygonStyle(layer, properties, opacity);
    }
  };
})(window);
