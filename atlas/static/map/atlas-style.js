/* Styles from the catalogue: colours, widths, fills and categorized classes; grid cells at low zoom. */
(function (global) {
  "use strict";

  function categoryColor(layer, properties) {
    var style = layer.style;
    if (!style.category_field) { return null; }
    var value = properties[style.category_field];
    for (var i = 0; i < style.categories.length; i++) {
      if (style.categories[i].value === value) { return style.categories[i].color; }
    }
    return "#999999";
  }

  function pointStyle(layer, properties, opacity) {
    var style = layer.style;
    var fill = categoryColor(layer, properties) || style.fill_color || style.color;
    var count = properties.point_count;
    // A grid cell standing for several observations grows with the log of its count.
    var radius = count > 1 ? Math.min(style.radius + 2 * Math.log(count), 16) : style.radius;
    return {
      radius: radius, fill: true, fillColor: fill, fillOpacity: style.fill_opacity * opacity,
      color: style.color, weight: 1, opacity: opacity
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
    featureStyle: function (layer, properties, zoom, opacity) {
      var kind = layer.geometry_kind;
      if (kind === "point") { return pointStyle(layer, properties, opacity); }
      if (kind === "line") { return lineStyle(layer, properties, opacity); }
      return polygonStyle(layer, properties, opacity);
    }
  };
})(window);
