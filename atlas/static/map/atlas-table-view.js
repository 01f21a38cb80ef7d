/* The attribute table: a layer's features from the API (/api/layers/<id>/features), a page at a
 * time, sorted by a column, filtered by text or by the view; a row's button zooms the map to it.
 * Every control is a native button, select or input, so it works from the keyboard; on a phone
 * the rows become a list (atlas-table.css). Loaded by atlas-table.js when the table is first
 * opened, so the map's first load does not carry it. The state functions are tested by
 * tests/js/map-table.test.mjs. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  var PAGE_SIZE = 25;
  var FILTER_DELAY_MS = 300;
  var POINT_ZOOM = 15;

  // A click on a column's header: sort by it ascending, or the other way when it already sorts.
  function nextSort(sort, field) {
    return { field: field, descending: Boolean(sort && sort.field === field && !sort.descending) };
  }

  // The features API's query for the table's state.
  function tableQuery(view) {
    var params = new URLSearchParams();
    params.set("limit", String(view.limit));
    params.set("offset", String(view.offset));
    if (view.sort) { params.set("sort", (view.sort.descending ? "-" : "") + view.sort.field); }
    if (view.q) { params.set("q", view.q); }
    if (view.bbox) { params.set("bbox", view.bbox.map(function (v) { return v.toFixed(5); }).join(",")); }
    return params.toString();
  }

  // "26–50 of 166" from a template with {from}, {to} and {total}.
  function pageLabel(template, offset, returned, total, formatNumber) {
    var format = formatNumber || String;
    return template.replace("{from}", format(returned ? offset + 1 : 0))
      .replace("{to}", format(offset + returned)).replace("{total}", format(total));
  }

  // [[south, west], [north, east]] of a GeoJSON geometry, or null when it has no coordinates.
  function geometryBounds(geometry) {
    var box = null;
    (function walk(c) {
      if (typeof c[0] === "number") {
        box = box || [[c[1], c[0]], [c[1], c[0]]];
        box[0][0] = Math.min(box[0][0], c[1]); box[0][1] = Math.min(box[0][1], c[0]);
        box[1][0] = Math.max(box[1][0], c[1]); box[1][1] = Math.max(box[1][1], c[0]);
        return;
      }
      c.forEach(walk);
    })(geometry && geometry.coordinates ? geometry.coordinates : []);
    return box;
  }

  function Table(state) {
    this.state = state;
    this.view = { layer: null, limit: PAGE_SIZE, offset: 0, sort: null, q: "", bbox: null, inView: false };
    this.request = 0;
  }

  Table.prototype.t = function (key) { return this.state.t(key); };

  Table.prototype.build = function () {
    var self = this, state = this.state;
    var panel = this.panel = el("section", "atlas-table");
    panel.hidden = true;
    panel.setAttribute("aria-label", this.t("table"));
    var bar = el("div", "atlas-table-bar");
    this.layerSelect = this.labelled(bar, "table_layer", el("select", "atlas-table-layer"));
    state.config.panel_order.forEach(function (id) {
      var option = el("option", null, state.byId[id].title);
      option.value = id;
      self.layerSelect.appendChild(option);
    });
    this.filter = this.labelled(bar, "table_filter", el("input", "atlas-table-filter"));
    this.filter.type = "search";
    var inView = el("label", "atlas-table-inview");
    this.inViewBox = el("input");
    this.inViewBox.type = "checkbox";
    inView.appendChild(this.inViewBox);
    inView.appendChild(el("span", null, this.t("table_in_view")));
    bar.appendChild(inView);
    this.count = el("span", "atlas-table-count");
    this.count.setAttribute("aria-live", "polite");
    bar.appendChild(this.count);
    this.previous = this.button(bar, "atlas-table-previous", "‹", this.t("table_previous"));
    this.next = this.button(bar, "atlas-table-next", "›", this.t("table_next"));
    this.close = this.button(bar, "atlas-table-close", "×", this.t("table_close"));
    panel.appendChild(bar);
    var scroll = el("div", "atlas-table-scroll");
    this.table = el("table", "atlas-table-grid");
    scroll.appendChild(this.table);
    panel.appendChild(scroll);
    this.listen();
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    state.map.getContainer().appendChild(panel);
  };

  Table.prototype.labelled = function (parent, key, control) {
    var label = el("label", "atlas-table-field");
    label.appendChild(el("span", null, this.t(key)));
    label.appendChild(control);
    parent.appendChild(label);
    return control;
  };

  Table.prototype.button = function (parent, className, text, title) {
    var button = el("button", className, text);
    button.type = "button";
    button.title = title;
    button.setAttribute("aria-label", title);
    parent.appendChild(button);
    return button;
  };

  Table.prototype.listen = function () {
    var self = this, timer = null;
    this.layerSelect.addEventListener("change", function () { self.showLayer(self.layerSelect.value); });
    this.filter.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.update({ q: self.filter.value.trim(), offset: 0 }); }, FILTER_DELAY_MS);
    });
    this.inViewBox.addEventListener("change", function () {
      self.update({ inView: self.inViewBox.checked, offset: 0 });
    });
    this.state.map.on("moveend", function () { if (self.view.inView && !self.panel.hidden) { self.load(); } });
    this.previous.addEventListener("click", function () {
      self.update({ offset: Math.max(0, self.view.offset - self.view.limit) });
    });
    this.next.addEventListener("click", function () { self.update({ offset: self.view.offset + self.view.limit }); });
    this.close.addEventListener("click", function () { self.hide(); });
    this.panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { self.hide(); } });
  };

  Table.prototype.show = function () {
    if (!this.panel) { this.build(); }
    this.panel.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.showLayer(this.view.layer || this.layerSelect.value);
    this.layerSelect.focus();
  };

  Table.prototype.hide = function () {
    this.panel.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    this.toggle.focus();
  };

  Table.prototype.showLayer = function (id) {
    this.layerSelect.value = id;
    var searchable = this.state.byId[id].searchable;
    this.filter.disabled = !searchable;
    if (!searchable) { this.filter.value = ""; }
    this.update({ layer: id, offset: 0, sort: null, q: searchable ? this.filter.value.trim() : "" });
  };

  Table.prototype.update = function (changes) {
    Object.assign(this.view, changes);
    this.load();
  };

  Table.prototype.load = function () {
    var view = this.view, map = this.state.map, self = this;
    var b = map.getBounds();
    view.bbox = view.inView ? [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] : null;
    var number = ++this.request;
    var url = this.state.config.api_url + "/layers/" + encodeURIComponent(view.layer) + "/features?" + tableQuery(view);
    this.panel.setAttribute("aria-busy", "true");
    fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (page) { if (number === self.request) { self.render(page); } })
      .catch(function () { if (number === self.request) { self.failed(); } });
  };

  Table.prototype.failed = function () {
    this.panel.removeAttribute("aria-busy");
    this.count.textContent = this.t("table_failed");
  };

  Table.prototype.render = function (page) {
    var layer = this.state.byId[this.view.layer];
    this.panel.removeAttribute("aria-busy");
    this.table.textContent = "";
    this.table.appendChild(this.header(layer));
    var body = el("tbody");
    page.features.forEach(function (feature) { body.appendChild(this.row(layer, feature)); }, this);
    this.table.appendChild(body);
    var format = function (n) { return n.toLocaleString(this.state.config.lang === "en" ? "en" : "vi"); }.bind(this);
    this.count.textContent = page.numberMatched ?
      pageLabel(this.t("table_rows"), this.view.offset, page.numberReturned, page.numberMatched, format) :
      this.t("table_empty");
    this.previous.disabled = this.view.offset === 0;
    this.next.disabled = !page.next;
  };

  Table.prototype.header = function (layer) {
    var head = el("thead"), row = el("tr"), self = this;
    row.appendChild(el("th", "atlas-table-zoom-head"));
    layer.fields.forEach(function (field) {
      var th = el("th");
      var sort = self.view.sort;
      th.setAttribute("aria-sort", sort && sort.field === field.name ? (sort.descending ? "descending" : "ascending") : "none");
      var button = el("button", "atlas-table-sort", field.label);
      button.type = "button";
      button.dataset.field = field.name;
      button.title = self.t("table_sort").replace("{field}", field.label);
      button.addEventListener("click", function () {
        self.update({ sort: nextSort(self.view.sort, field.name), offset: 0 });
        self.focusField = field.name;
      });
      th.appendChild(button);
      row.appendChild(th);
    });
    head.appendChild(row);
    if (this.focusField) {
      var again = head.querySelector('button[data-field="' + this.focusField + '"]');
      this.focusField = null;
      if (again) { setTimeout(function () { again.focus(); }, 0); }
    }
    return head;
  };

  Table.prototype.row = function (layer, feature) {
    var tr = el("tr"), self = this;
    tr.dataset.fid = String(feature.id);
    var name = feature.properties.name || feature.properties[layer.fields[0].name] || feature.id;
    var cell = el("td", "atlas-table-zoom-cell");
    var zoom = el("button", "atlas-table-zoom", "⌖ " + this.t("table_zoom"));
    zoom.type = "button";
    zoom.setAttribute("aria-label", this.t("table_zoom") + ": " + name);
    zoom.addEventListener("click", function () { self.zoomTo(layer, feature); });
    cell.appendChild(zoom);
    tr.appendChild(cell);
    layer.fields.forEach(function (field) {
      var value = global.AtlasPopup.formatValue(self.state, field, feature.properties[field.name]);
      if (field.unit && value !== "—") { value += " " + field.unit; }
      var td = el("td", null, value);
      td.dataset.label = field.label;
      tr.appendChild(td);
    });
    return tr;
  };

  Table.prototype.zoomTo = function (layer, feature) {
    var box = geometryBounds(feature.geometry);
    if (!box) { return; }
    var bounds = L.latLngBounds(box);
    this.state.setVisible(layer.id, true);
    // Keep the feature clear of the table, which covers the bottom of the map; a point's empty
    // box stops at POINT_ZOOM. The jump is not animated (as a search result's): a popup opened
    // while a slow phone is still zooming would pan the map into view and stop the zoom half way.
    this.state.map.fitBounds(bounds, {
      paddingTopLeft: [20, 20], paddingBottomRight: [20, this.panel.offsetHeight + 20], maxZoom: POINT_ZOOM, animate: false
    });
    global.AtlasPopup.open(this.state, layer, feature.properties, feature.id, bounds.getCenter());
  };

  Table.prototype.switch = function () {
    if (this.panel && !this.panel.hidden) { this.hide(); } else { this.show(); }
  };

  global.AtlasTableView = {
    nextSort: nextSort,
    tableQuery: tableQuery,
    pageLabel: pageLabel,
    geometryBounds: geometryBounds,
    // The table of the map, opened or closed by `toggle` (the button atlas-table.js made).
    create: function (state, toggle) {
      var table = new Table(state);
      table.toggle = toggle;
      return table;
    }
  };
})(window);
