/* The basemap switcher: no background (the default, works offline), or OpenStreetMap when the
 * server allows it (ATLAS_ONLINE_BASEMAP=1 puts it in the page's config). */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  // The basemap to start with: the first offered one ("none"), whatever else is offered.
  function initialBasemap(basemaps) {
    return basemaps.length ? basemaps[0].id : "none";
  }

  function Switcher(state) {
    this.state = state;
    this.basemaps = state.config.basemaps || [];
    this.current = null;
    this.layer = null;
  }

  Switcher.prototype.choose = function (id) {
    var choice = this.basemaps.filter(function (b) { return b.id === id; })[0];
    if (!choice || choice.id === this.current) { return; }
    if (this.layer) { this.state.map.removeLayer(this.layer); this.layer = null; }
    if (choice.url) {
      this.layer = L.tileLayer(choice.url, { attribution: choice.attribution, maxZoom: 19 }).addTo(this.state.map);
    }
    this.current = choice.id;
  };

  Switcher.prototype.build = function (container) {
    var label = el("label", "atlas-basemap-label");
    label.appendChild(el("span", null, this.state.t("basemap")));
    var select = el("select", "atlas-basemap-select");
    select.setAttribute("aria-label", this.state.t("basemap"));
    this.basemaps.forEach(function (b) {
      var option = el("option", null, b.label);
      option.value = b.id;
      select.appendChild(option);
    });
    var self = this;
    select.value = this.current;
    select.addEventListener("change", function () { self.choose(select.value); });
    label.appendChild(select);
    container.appendChild(label);
  };

  global.AtlasBasemap = {
    initialBasemap: initialBasemap,
    add: function (state) {
      var switcher = new Switcher(state);
      switcher.choose(initialBasemap(switcher.basemaps));
      global.AtlasDom.control(state.map, "bottomright", "atlas-basemap", function (container) {
        switcher.build(container);
      });
      state.basemap = switcher;
      return switcher;
    }
  };
})(window);
