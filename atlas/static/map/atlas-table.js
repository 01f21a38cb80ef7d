/* The attribute table's button; the table itself (atlas-table-view.js) loads on first use. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  function loadView(urls, ready, failed) {
    var sheet = el("link");
    sheet.rel = "stylesheet";
    sheet.href = urls.css;
    document.head.appendChild(sheet);
    var script = el("script");
    script.src = urls.js;
    script.onload = ready;
    script.onerror = failed;
    document.head.appendChild(script);
  }

  global.AtlasTable = {
    add: function (state) {
      var table = null, loading = false;
      global.AtlasDom.control(state.map, "topleft", "atlas-table-control", function (container) {
        var toggle = el("button", "atlas-table-toggle", "▦");
        toggle.type = "button";
        toggle.title = state.t("table");
        toggle.setAttribute("aria-label", state.t("table"));
        toggle.setAttribute("aria-expanded", "false");
        toggle.addEventListener("click", function () {
          if (table) { table.switch(); return; }
          if (loading) { return; }
          loading = true;
          loadView(state.config.table_assets, function () {
            table = state.table = global.AtlasTableView.create(state, toggle);
            table.switch();
          }, function () { loading = false; toggle.title = state.t("table_failed"); });
        });
        container.appendChild(toggle);
      });
    }
  };
})(window);
