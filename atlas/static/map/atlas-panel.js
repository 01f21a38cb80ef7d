/* The layer panel: layers grouped by theme, each with a switch and an opacity slider. */
(function (global) {
  "use strict";
  var el = function (tag, className, text) { return global.AtlasPopup.el(tag, className, text); };

  function layerRow(state, layer) {
    var row = el("div", "atlas-layer-row");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = state.visible[layer.id];
    box.dataset.layer = layer.id;
    box.addEventListener("change", function () { state.setVisible(layer.id, box.checked); });
    label.appendChild(box);
    label.appendChild(el("span", null, layer.title));
    row.appendChild(label);
    var slider = el("input", "atlas-opacity");
    slider.type = "range";
    slider.min = "0.1";
    slider.max = "1";
    slider.step = "0.1";
    slider.value = String(state.opacity[layer.id]);
    slider.setAttribute("aria-label", state.t("opacity") + ": " + layer.title);
    slider.addEventListener("change", function () { state.setOpacity(layer.id, parseFloat(slider.value)); });
    row.appendChild(slider);
    state.onChange(function () { box.checked = state.visible[layer.id]; });
    return row;
  }

  function panelContent(state) {
    var content = el("div", "atlas-panel-content");
    state.config.themes.forEach(function (theme) {
      var group = el("fieldset", "atlas-theme");
      group.appendChild(el("legend", null, theme.title));
      state.config.panel_order.forEach(function (id) {
        var layer = state.byId[id];
        if (layer.theme === theme.id) { group.appendChild(layerRow(state, layer)); }
      });
      content.appendChild(group);
    });
    return content;
  }

  global.AtlasPanel = {
    add: function (state) {
      var Panel = L.Control.extend({
        options: { position: "topright" },
        onAdd: function () {
          var container = el("div", "atlas-panel leaflet-bar");
          var toggle = el("button", "atlas-panel-toggle", state.t("layers"));
          toggle.type = "button";
          toggle.setAttribute("aria-expanded", "false");
          var content = panelContent(state);
          // Open by default on wide screens; on phones it starts folded so the map stays visible.
          var open = global.matchMedia && global.matchMedia("(min-width: 700px)").matches;
          container.classList.toggle("open", open);
          toggle.setAttribute("aria-expanded", String(open));
          toggle.addEventListener("click", function () {
            var nowOpen = !container.classList.contains("open");
            container.classList.toggle("open", nowOpen);
            toggle.setAttribute("aria-expanded", String(nowOpen));
          });
          container.appendChild(toggle);
          container.appendChild(content);
          L.DomEvent.disableClickPropagation(container);
          L.DomEvent.disableScrollPropagation(container);
          return container;
        }
      });
      new Panel().addTo(state.map);
    }
  };
})(window);
