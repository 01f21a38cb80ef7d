/* Search box: places and features by name, with or without diacritics; a result zooms the map to it. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  // Results grouped by layer, each group under its layer's title, in the order the server ranked them.
  function groupByLayer(results) {
    var groups = [], byLayer = {};
    results.forEach(function (result) {
      if (!byLayer[result.layer]) {
        byLayer[result.layer] = { layer: result.layer, title: result.layer_title, results: [] };
        groups.push(byLayer[result.layer]);
      }
      byLayer[result.layer].results.push(result);
    });
    return groups;
  }

  // "trên sông Mã", "ở xã Các Sơn": where a result is, from the place the server found for it. Inside
  // a phrase the place's class noun (Sông, Xã, Phường) is written in lower case.
  function placeText(state, place) {
    if (!place || !place.name) { return null; }
    var template = state.t(place.kind === "river" ? "place_river" : "place_commune");
    return template.replace("{name}", place.name.charAt(0).toLocaleLowerCase("vi") + place.name.slice(1));
  }

  // What it is besides its name: its other names (a permit's holder) and where it is.
  function detailText(state, result) {
    return [result.detail, placeText(state, result.place)].filter(Boolean).join(", ") || null;
  }

  function showResults(state, input, list, results) {
    list.textContent = "";
    if (!results.length) {
      list.appendChild(el("li", "atlas-muted", state.t("no_results")));
      return;
    }
    groupByLayer(results).forEach(function (group) {
      var title = group.title[state.config.lang] || group.layer;
      list.appendChild(el("li", "atlas-search-group-title", title));
      group.results.forEach(function (result) {
        var item = el("li");
        var button = el("button", "atlas-search-result");
        button.type = "button";
        button.appendChild(el("span", "atlas-search-label", result.label));
        // What it is: its layer (the group's title), its other names and where it is.
        var detail = detailText(state, result);
        if (detail) { button.appendChild(el("span", "atlas-muted atlas-search-detail", detail)); }
        button.setAttribute("aria-label", [result.label, detail, title].filter(Boolean).join(" — "));
        button.addEventListener("click", function () { choose(state, input, list, result); });
        item.appendChild(button);
        list.appendChild(item);
      });
    });
  }

  // Arrow keys walk from the box through the results and back; Escape closes the list.
  function onKey(input, list, event) {
    var buttons = Array.prototype.slice.call(list.querySelectorAll(".atlas-search-result"));
    var at = buttons.indexOf(global.document.activeElement);
    if (event.key === "ArrowDown" && buttons.length) {
      buttons[Math.min(at + 1, buttons.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      (at === 0 ? input : buttons[at - 1]).focus();
    } else if (event.key === "Escape" && (at >= 0 || global.document.activeElement === input)) {
      list.textContent = "";
      input.focus();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  // The feature itself: the map shows it, its popup opens and it is highlighted.
  function choose(state, input, list, result) {
    var b = result.bbox, layer = state.byId[result.layer];
    state.setVisible(result.layer, true);
    state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 15, padding: [24, 24], animate: false });
    list.textContent = "";
    if (!layer) { return; }
    var url = state.config.api_url + "/layers/" + encodeURIComponent(result.layer) + "/features/" + encodeURIComponent(result.id);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (feature) {
        if (!feature) { return; }
        var centre = L.latLng((b[1] + b[3]) / 2, (b[0] + b[2]) / 2);
        global.AtlasPopup.open(state, layer, feature.properties || {}, result.id, centre);
        global.AtlasHighlight.show(state, layer, result.id, feature);
      })
      .catch(function () { /* the map has moved to the place all the same */ });
  }

  function search(state, input, list) {
    var text = input.value.trim();
    if (text.length < 2) { list.textContent = ""; return; }
    var url = state.config.api_url + "/search?q=" + encodeURIComponent(text);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (input.value.trim() === text) { showResults(state, input, list, body.results || []); }
      })
      .catch(function () { list.textContent = ""; list.appendChild(el("li", "atlas-muted", state.t("search_failed"))); });
  }

  global.AtlasSearch = {
    groupByLayer: groupByLayer,
    detailText: detailText,
    add: function (state) {
      global.AtlasDom.control(state.map, "topleft", "atlas-search", function (container) {
        var form = el("form");
        form.setAttribute("role", "search");
        var input = el("input");
        input.type = "search";
        input.name = "q";
        input.placeholder = state.t("search_placeholder");
        input.setAttribute("aria-label", state.t("search_placeholder"));
        input.autocomplete = "off";
        var list = el("ul", "atlas-search-results");
        var timer = null;
        input.addEventListener("input", function () {
          clearTimeout(timer);
          timer = setTimeout(function () { search(state, input, list); }, 250);
        });
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          clearTimeout(timer);
          search(state, input, list);
        });
        container.addEventListener("keydown", function (event) { onKey(input, list, event); });
        form.appendChild(input);
        container.appendChild(form);
        container.appendChild(list);
      });
    }
  };
})(window);
