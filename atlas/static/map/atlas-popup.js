/* Popups: the clicked feature's attributes with their labels, units and formatted values.
 * Every value is inserted as text (textContent), never as HTML. */
(function (global) {
  "use strict";

  var el = global.AtlasDom.el;

  // The catalogue's display kind of a field (layers/display.py), or the one of its type.
  var KIND_OF_TYPE = { integer: "integer", number: "decimal", date: "date", datetime: "datetime", boolean: "boolean" };
  var DEFAULT_DIGITS = 3;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // dd/mm/yyyy HH:MM in Vietnam's time (UTC+7 all year), as the pages write it.
  function vietnamTime(value) {
    var moment = new Date(value);
    if (isNaN(moment.getTime())) { return String(value); }
    var local = new Date(moment.getTime() + 7 * 3600 * 1000);
    return two(local.getUTCDate()) + "/" + two(local.getUTCMonth() + 1) + "/" + local.getUTCFullYear() +
      " " + two(local.getUTCHours()) + ":" + two(local.getUTCMinutes());
  }

  function formatValue(state, field, value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (field.domain && field.domain[value] !== undefined) { return field.domain[value]; }
    var locale = state.config.lang === "vi" ? "vi-VN" : "en-GB";
    var display = field.display || {};
    var kind = display.kind || KIND_OF_TYPE[field.type] || "text";
    if (kind === "date" && /^\d{4}-\d{2}-\d{2}/.test(value)) {
      var parts = String(value).slice(0, 10).split("-");
      return parts[2] + "/" + parts[1] + "/" + parts[0];
    }
    if (kind === "datetime") { return vietnamTime(value); }
    if (kind === "boolean") { return value ? state.t("yes") : state.t("no"); }
    if (typeof value !== "number") { return String(value); }
    if (kind === "year") { return String(Math.trunc(value)); }
    if (kind === "integer") { return Math.trunc(value).toLocaleString(locale, { maximumFractionDigits: 0 }); }
    if (kind === "decimal") {
      var digits = display.digits === null || display.digits === undefined ? DEFAULT_DIGITS : display.digits;
      return value.toLocaleString(locale, { maximumFractionDigits: digits });
    }
    return String(value);
  }

  function table(state, layer, properties) {
    var rows = el("table", "atlas-attributes");
    layer.fields.forEach(function (field) {
      if (!(field.name in properties)) { return; }
      var row = el("tr");
      row.appendChild(el("th", null, field.label));
      var text = formatValue(state, field, properties[field.name]);
      if (field.unit && text !== "—") { text += " " + field.unit; }
      row.appendChild(el("td", null, text));
      rows.appendChild(row);
    });
    return rows;
  }

  function links(state, layer, fid) {
    var box = el("p", "atlas-popup-links");
    if (fid !== undefined && fid !== null) {
      var feature = el("a", null, state.t("feature_page"));
      feature.href = layer.feature_url.replace("__fid__", encodeURIComponent(fid));
      box.appendChild(feature);
      box.appendChild(document.createTextNode(" · "));
    }
    var page = el("a", null, state.t("layer_page"));
    page.href = layer.layer_url;
    box.appendChild(page);
    return box;
  }

  // "1.234 quan sát, phóng to để xem": what a low-zoom grid cell stands for, in the layer's words.
  function cellText(state, layer, properties) {
    var count = properties.point_count !== undefined ? properties.point_count : properties.feature_count;
    var locale = state.config.lang === "vi" ? "vi-VN" : "en-GB";
    var template = state.config.strings["cell_" + layer.id] || state.t("cell_count");
    return template.replace("{n}", Number(count).toLocaleString(locale));
  }

  function cellContent(state, layer, properties) {
    var box = el("div", "atlas-popup");
    box.appendChild(el("div", "atlas-popup-layer", layer.title));
    box.appendChild(el("p", "atlas-cell-count", cellText(state, layer, properties)));
    return box;
  }

  // The API marks a feature the public sees on its grid cell (`generalised_m`); the popup says so.
  function generalisedNote(state, feature) {
    if (!feature.generalised_m) { return null; }
    var locale = state.config.lang === "vi" ? "vi-VN" : "en-GB";
    var km = (feature.generalised_m / 1000).toLocaleString(locale, { maximumFractionDigits: 1 });
    var note = el("p", "atlas-generalised", state.t("generalised").replace("{km}", km));
    note.setAttribute("role", "note");
    return note;
  }

  function fetchFeature(state, layer, fid, box) {
    var url = state.config.api_url + "/layers/" + encodeURIComponent(layer.id) + "/features/" + encodeURIComponent(fid);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (feature) {
        if (!feature) { return; }
        var full = table(state, layer, feature.properties);
        box.replaceChild(full, box.querySelector(".atlas-attributes"));
        var note = generalisedNote(state, feature);
        if (note) { box.insertBefore(note, full); }
        box.classList.add("atlas-popup-complete");
        global.AtlasPlace.update(state);
      })
      .catch(function () { /* the tile's attributes stay shown */ });
  }

  global.AtlasPopup = {
    open: function (state, layer, properties, fid, latlng) {
      var isCell = properties.point_count !== undefined || properties.feature_count !== undefined;
      var box;
      if (isCell) {
        box = cellContent(state, layer, properties);
      } else {
        box = el("div", "atlas-popup");
        box.appendChild(el("div", "atlas-popup-layer", layer.title));
        box.appendChild(table(state, layer, properties));
        box.appendChild(links(state, layer, fid));
        if (fid !== undefined && fid !== null) { fetchFeature(state, layer, fid, box); }
      }
      global.AtlasPlace.show(state, box, latlng);
    },
    cellText: cellText,
    generalisedNote: generalisedNote,
    formatValue: formatValue
  };
})(window);
