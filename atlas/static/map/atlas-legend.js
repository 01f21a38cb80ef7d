/* The legend, drawn from the same catalogue styles as the map, for the visible layers only. */
(function (global) {
  "use strict";
  var el = function (tag, className, text) { return global.AtlasPopup.el(tag, className, text); };

  function swatch(layer, color) {
    var style = layer.style;
    var mark = el("span", "atlas-swatch atlas-swatch-" + layer.geometry_kind);
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
        row.appendChild(swatch(layer, category.color));
        row.appendChild(el("span", null, category.label));
        item.appendChild(row);
      });
      list.appendChild(item);
    });
    return list;
  }

  global.AtlasLegend = {
    add: function (state) {
      var Legend = L.Control.extend({
        options: { position: "bottomright" },
        onAdd: function () {
          var container = el("div", "atlas-legend leaflet-bar");
          var toggle = el("button", "atlas-legend-toggle", state.t("legend"));
          toggle.type = "button";
          var open = global.matchMedia && global.matchMedia("(min-width: 700px)").matches;
          container.classList.toggle("open", open);
          toggle.addEventListener("click", function () { container.classList.toggle("open"); });
          container.appendChild(toggle);
          var body = entries(state);
          container.appendChild(body);
          state.onChange(function () {
            var fresh = entries(state);
            container.replaceChild(fresh, body);
            body = fresh;
          });
          L.DomEvent.disableClickPropagation(container);
          L.DomEvent.disableScrollPropagation(container);
          return container;
        }
      });
      new Legend().addTo(state.map);
    }
  };
})(window);
