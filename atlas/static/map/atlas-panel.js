/* The layer panel: layers grouped by theme, each with a switch and an opacity slider. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

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
    if (layer.edit_url) {
      var edit = el("a", "atlas-edit-link", "✎ " + state.t("edit_layer"));
      edit.href = layer.edit_url;
      edit.setAttribute("aria-label", state.t("edit_layer") + ": " + layer.title);
      row.appendChild(edit);
    }
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
      global.AtlasDom.foldable(state.map, "topright", "atlas-panel", state.t("layers"), function (container) {
        container.appendChild(panelContent(state));
      });
    }
  };
})(window);
