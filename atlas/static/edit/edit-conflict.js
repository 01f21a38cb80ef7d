/* The 412 dialog: who saved meanwhile, their values beside yours, and the choice to reload or re-apply. */
(function (global) {
  "use strict";

  var el = global.AtlasDom.el;
  var V = global.AtlasEditValues;

  function EditConflict(dialog, fields, strings) {
    this.dialog = dialog;
    this.fields = fields;
    this.strings = strings;
    this.choice = null;
    var self = this;
    dialog.querySelector(".editor-conflict-reload").addEventListener("click", function () { self.close("reload"); });
    dialog.querySelector(".editor-conflict-reapply").addEventListener("click", function () { self.close("reapply"); });
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });  // a choice is needed
  }

  EditConflict.prototype.fieldOf = function (name) {
    for (var i = 0; i < this.fields.length; i++) {
      if (this.fields[i].name === name) { return this.fields[i]; }
    }
    return { name: name, label: name, type: "text", domain: [] };
  };

  // The rows: every field someone else changed (error.changes) and every field the user edited.
  EditConflict.prototype.rows = function (conflict, mine) {
    var names = [];
    (conflict.changes || []).forEach(function (change) {
      if (names.indexOf(change.field) < 0) { names.push(change.field); }
    });
    mine.fields.forEach(function (name) { if (names.indexOf(name) < 0) { names.push(name); } });
    if (mine.geometryChanged && names.indexOf("geometry") < 0) { names.push("geometry"); }
    return names;
  };

  EditConflict.prototype.cell = function (name, value, changed) {
    if (name === "geometry") { return changed ? this.strings.changed : this.strings.unchanged; }
    return V.display(this.fieldOf(name), value, this.strings);
  };

  // show(conflict, mine) resolves to "reload" or "reapply"; conflict is the 412's error member,
  // mine = {values, fields (names the user changed), geometryChanged}.
  EditConflict.prototype.show = function (conflict, mine) {
    var current = conflict.current || {};
    var who = current.updated_by || this.strings.someone;
    this.dialog.querySelector(".editor-conflict-text").textContent =
      V.format(this.strings.conflict_text, { user: who, version: current.version });
    this.dialog.querySelector(".editor-conflict-theirs").textContent = V.format(this.strings.their_value, { user: who });
    var body = this.dialog.querySelector("tbody");
    body.textContent = "";
    var theirGeometryChanged = (conflict.changes || []).some(function (c) { return c.field === "geometry"; });
    this.rows(conflict, mine).forEach(function (name) {
      var row = el("tr");
      row.dataset.field = name;
      row.appendChild(el("th", null, name === "geometry" ? this.strings.geometry : this.fieldOf(name).label)).scope = "row";
      var theirs = (current.properties || {})[name];
      var yours = mine.values[name];
      row.appendChild(el("td", "theirs", this.cell(name, theirs, theirGeometryChanged)));
      row.appendChild(el("td", "yours", this.cell(name, yours, mine.geometryChanged)));
      if (name !== "geometry" && !V.same(theirs, yours)) { row.classList.add("differs"); }
      body.appendChild(row);
    }, this);
    this.dialog.showModal();
    var self = this;
    return new Promise(function (resolve) { self.choice = resolve; });
  };

  EditConflict.prototype.close = function (choice) {
    if (this.dialog.open) { this.dialog.close(); }
    if (this.choice) {
      var resolve = this.choice;
      this.choice = null;
      resolve(choice);
    }
  };

  global.AtlasEditConflict = EditConflict;
})(window);
