/* Search box: places and features by name, with or without diacritics; a result zooms the map to it. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  function showResults(state, list, results) {
    list.textContent = "";
    if (!results.length) {
      list.appendChild(el("li", "atlas-muted", state.t("no_results")));
      return;
    }
    results.forEach(function (result) {
      var item = el("li");
      var button = el("button", "atlas-search-result");
      button.type = "button";
      button.appendChild(el("span", "atlas-search-label", result.label));
      button.appendChild(el("span", "atlas-muted", result.layer_title[state.config.lang] || result.layer));
      button.addEventListener("click", function () { choose(state, list, result); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function choose(state, list, result) {
    var b = result.bbox;
    state.setVisible(result.layer, true);
    state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 15, padding: [24, 24] });
    list.textContent = "";
  }

  function search(state, input, list) {
    var text = input.value.trim();
    if (text.length < 2) { list.textContent = ""; return; }
    var url = state.config.api_url + "/search?q=" + encodeURIComponent(text);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (input.value.trim() === text) { showResults(state, list, body.results || []); }
      })
      .catch(function () { list.textContent = ""; list.appendChild(el("li", "atlas-muted", state.t("search_failed"))); });
  }

  global.AtlasSearch = {
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
        form.appendChild(input);
        container.appendChild(form);
        container.appendChild(list);
      });
    }
  };
})(window);
