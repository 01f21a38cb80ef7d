/* The history panel of the selected feature: every version, newest first, with Revert on the older ones. */
(function (global) {
  "use strict";

  var el = global.AtlasDom.el;
  var V = global.AtlasEditValues;

  // onRevert(entry) is called when the user asks for an older version back.
  function EditHistory(section, api, strings, lang, onRevert) {
    this.section = section;
    this.body = section.querySelector(".editor-history-body");
    this.api = api;
    this.strings = strings;
    this.lang = lang;
    this.onRevert = onRevert;
    this.shown = 0;
  }

  EditHistory.prototype.clear = function () {
    this.shown += 1;
    this.section.hidden = true;
    this.body.textContent = "";
  };

  // Show the history of feature `fid`, whose live version is `currentVersion` (null once deleted).
  EditHistory.prototype.show = function (fid, currentVersion) {
    var self = this;
    var asked = this.shown += 1;
    this.section.hidden = false;
    this.body.textContent = this.strings.loading;
    return this.api.history(fid).then(function (data) {
      if (asked === self.shown) { self.render(data.versions || [], currentVersion); }
    }, function () {
      if (asked === self.shown) { self.body.textContent = self.strings.network_error; }
    });
  };

  EditHistory.prototype.render = function (versions, currentVersion) {
    var s = this.strings;
    this.body.textContent = "";
    if (!versions.length) {
      this.body.appendChild(el("p", "muted", s.history_empty));
      return;
    }
    var table = el("table", "editor-history-table");
    var head = el("tr");
    [s.version, s.operation, s.user, s.time, ""].forEach(function (text) {
      head.appendChild(el("th", null, text)).scope = "col";
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    versions.forEach(function (entry) { body.appendChild(this.row(entry, currentVersion)); }, this);
    this.body.appendChild(table);
  };

  EditHistory.prototype.row = function (entry, currentVersion) {
    var s = this.strings;
    var row = el("tr");
    row.dataset.version = entry.version;
    row.appendChild(el("td", "num", entry.version));
    row.appendChild(el("td", null, s["op_" + entry.operation] || entry.operation));
    row.appendChild(el("td", null, entry.user || ""));
    row.appendChild(el("td", null, V.time(entry.time, this.lang)));
    var action = row.appendChild(el("td"));
    if (entry.version === currentVersion) {
      action.appendChild(el("span", "muted", s.current));
    } else if (entry.after) {
      var button = action.appendChild(el("button", "editor-revert", s.revert));
      button.type = "button";
      button.setAttribute("aria-label", s.revert + " " + s.version + " " + entry.version);
      var onRevert = this.onRevert;
      button.addEventListener("click", function () { onRevert(entry); });
    }
    return row;
  };

  global.AtlasEditHistory = EditHistory;
})(window);
