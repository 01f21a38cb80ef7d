/* The legend, drawn from the same catalogue styles as the map, for the visible layers only. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  function swatch(layer, color, value) {
    var style = layer.style;
    var symbol = value === undefined ? style.symbol : global.AtlasStyle.categorySymbol(layer, value);
    var shape = layer.geometry_kind === "point" ? " atlas-symbol-" + symbol : "";
    var mark = el("span", "atlas-swatch atlas-swatch-" + layer.geometry_kind + shape);
    var fill = color || style.fill_color || style.color;
    if (layer.geometry_kind === "line") {
      mark.style.borderTopColor = color || style.color;
      mark.style.borderTopWidth = Math.max(2, style.width) + "px";
      if (style.dash) { mark.style.borderTopStyle = "dashed"; }
    } else {
      mark.style.backgroundColor = fill;
      mark.style.borderColor = layer.geometry_kind === "polygon" ? style.color : "#333";
      if (layer.geometry_kind === "polygon" && !color && !style.fill_color) {
        mark.style.backgroundColor = "transparent";
      }
    }
    return mark;
  }

  function entries(state) {
    var list = el("div", "atlas-legend-list");
    state.config.panel_order.forEach(function (id) {
      var layer = state.byId[id];
      if (!state.visible[id]) { return; }
      var item = el("div", "atlas-legend-layer");
      item.dataset.layer = id;
      var head = el("div", "atlas-legend-title");
      if (!layer.style.categories.length) { head.appendChild(swatch(layer, null)); }
      head.appendChild(el("span", null, layer.title));
      item.appendChild(head);
      layer.style.categories.forEach(function (category) {
        var row = el("div", "atlas-legend-class");
        row.appendChild(swatch(layer, category.color, category.value));
        row.appendChild(el("span", null, category.label));
        item.appendChild(row);
      });
      list.appendChild(item);
    });
    return list;
  }

  global.AtlasLegend = {
    add: function (state) {
      global.AtlasDom.foldable(state.map, "bottomright", "atlas-legend", state.t("legend"), function (container) {
        var body = entries(state);
        container.appendChild(body);
        state.onChange(function () {
          var fresh = entries(state);
          container.replaceChild(fresh, body);
          body = fresh;
        });
      });
    }
  };
})(window);
