/* The attribute table's button. Its script and stylesheet (atlas-table-view.js, atlas-table.css)
 * load when the table is first opened: most visitors never open it, and the map's first load
 * stays small. */
(function (global) {
  "use strict";
  var el = global.AtlasDom.el;

  // Adds the script and stylesheet once; `ready` runs when the script has run.
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
