/* The editor of one layer: pick a feature on the map (its full geometry comes from the API) or draw a new
 * one, fill the form, save with the version it was based on; conflicts, deletes and history. */
(function (global) {
  "use strict";

  var V = global.AtlasEditValues;

  function q(selector) { return document.querySelector(selector); }

  function Editor(config) {
    this.config = config;
    this.s = config.strings;
    this.kind = config.layer.geometry_kind;
    var csrf = q("meta[name=\"csrf-token\"]").getAttribute("content");
    this.api = new global.AtlasEditApi.Client(config.api_url, config.lang, csrf);
    // No double-click zoom: two quick taps while placing vertices would zoom the map away.
    this.map = L.map("editor-map", { minZoom: 6, maxZoom: 20, doubleClickZoom: false });
    this.map.fitBounds(config.bounds);
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(this.map);
    this.addReference();
    this.tiles = new global.AtlasEditTiles(this.map, config, this.picked.bind(this));
    this.draw = new global.AtlasEditDraw(this.map, config, this.api, this.drawn.bind(this));
    this.form = new global.AtlasEditForm(q(".editor-form"), config.layer.fields, this.s);
    this.confirm = new global.AtlasEditConfirm(q(".editor-confirm-delete"));
    this.conflict = new global.AtlasEditConflict(q(".editor-conflict"), config.layer.fields, this.s);
    this.history = new global.AtlasEditHistory(q(".editor-history"), this.api, this.s, config.lang, this.revert.bind(this));
    this.feature = null;  // the feature as loaded (the base of the next write); null for a new one
    this.historyFid = null;
    this.mode = "idle";
    this.busy = false;
    this.bind();
    this.setMode("idle");
    this.status(this.s.select_hint);
  }

  // Province and commune outlines under the layer, so people know where they are without a basemap.
  Editor.prototype.addReference = function () {
    if (!this.config.reference_url) { return; }
    var styles = {};
    this.config.reference_layers.forEach(function (id) {
      styles[id] = { weight: id === "province" ? 2 : 0.7, color: "#6b7280", opacity: 0.9, fill: false };
    });
    L.vectorGrid.protobuf(this.config.reference_url, {
      rendererFactory: L.canvas.tile, interactive: false, vectorTileLayerStyles: styles, maxNativeZoom: 22
    }).addTo(this.map);
  };

  Editor.prototype.bind = function () {
    var self = this;
    function on(selector, handler) {
      var node = q(selector);
      if (node) { node.addEventListener("click", function (event) { event.preventDefault(); handler.call(self); }); }
    }
    on(".editor-draw", this.startDraw);
    on(".editor-finish", function () { this.draw.finishDraw(); });
    on(".editor-undo-vertex", function () { this.draw.undoVertex(); });
    on(".editor-remove-vertices", this.toggleRemoveVertices);
    on(".editor-cancel", this.cancel);
    on(".editor-delete", this.askDelete);
    q(".editor-form").addEventListener("submit", function (event) { event.preventDefault(); self.save(); });
    q(".editor-repair").addEventListener("click", function () { self.save(true); });
    q(".editor-snapping input").addEventListener("change", function (event) {
      self.draw.setSnapping(event.target.checked);
    });
  };

  Editor.prototype.setMode = function (mode) {
    this.mode = mode;
    var idle = mode === "idle", drawing = mode === "drawing";
    q(".editor-form").hidden = idle;
    q(".editor-draw").disabled = !idle;
    q(".editor-finish").hidden = !drawing || this.kind === "point";
    q(".editor-undo-vertex").hidden = !drawing || this.kind === "point";
    var remove = q(".editor-remove-vertices");
    if (remove) { remove.hidden = mode !== "editing"; }
    q(".editor-delete").hidden = !(mode === "editing" && this.feature);
    this.tiles.setSelectable(!drawing);
    document.body.dataset.editorMode = mode;
  };

  Editor.prototype.status = function (text) {
    q(".editor-status").textContent = text || "";
  };

  Editor.prototype.mapProblem = function (text) {
    var node = q(".editor-map-problem");
    node.textContent = text || "";
    node.hidden = !text;
    if (!text) { q(".editor-repair").hidden = true; }
  };

  Editor.prototype.setBusy = function (busy) {
    this.busy = busy;
    [".editor-save", ".editor-cancel", ".editor-delete"].forEach(function (selector) { q(selector).disabled = busy; });
    if (busy) { this.status(this.s.saving); }
  };

  Editor.prototype.dirty = function () {
    return this.mode === "drawing" || (this.mode === "editing" && (this.form.changedFields().length > 0 || this.draw.changed()));
  };

  Editor.prototype.picked = function (fid) {
    if (this.busy || this.mode === "drawing") { return; }
    if (fid === null) { this.status(this.s.zoom_in_to_select); return; }
    if (this.feature && this.feature.id === fid) { return; }
    if (this.dirty()) { this.status(this.s.unsaved_first); return; }
    this.open(fid, false);
  };

  // Load a feature's full geometry and attributes from the API (never the clipped tile geometry).
  Editor.prototype.open = function (fid, fit) {
    var self = this;
    this.status(this.s.loading);
    return this.api.feature(fid).then(function (feature) {
      self.load(feature);
      if (fit) { self.map.fitBounds(L.geoJSON(feature.geometry).getBounds(), { maxZoom: 17 }); }
      self.status("");
    }, function (error) { self.failed(error, null); });
  };

  Editor.prototype.load = function (feature) {
    this.feature = feature;
    this.historyFid = feature.id;
    this.mapProblem("");
    this.draw.edit(feature.geometry, feature.id);
    this.tiles.hide(feature.id);
    this.form.setValues(feature.properties);
    this.showTitle();
    this.setMode("editing");
    this.history.show(feature.id, feature.version);
  };

  Editor.prototype.showTitle = function () {
    var f = this.feature;
    q(".editor-feature-title").textContent = f ? V.format(this.s.feature_title, { id: f.id, version: f.version })
      : this.s.new_feature;
    q(".editor-feature-meta").textContent = f && f.updated_by
      ? V.format(this.s.last_saved_by, { user: f.updated_by, time: V.time(f.updated_at, this.config.lang) }) : "";
  };

  Editor.prototype.startDraw = function () {
    this.reset();
    this.draw.startDraw();
    this.form.setValues({});
    this.showTitle();
    this.setMode("drawing");
    this.status(this.s.draw_hint);
  };

  Editor.prototype.drawn = function () {
    this.setMode("editing");
    this.status("");
  };

  Editor.prototype.toggleRemoveVertices = function () {
    var button = q(".editor-remove-vertices");
    var on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    this.draw.setRemovingVertices(on);
    this.status(on ? this.s.remove_vertices_help : "");
  };

  Editor.prototype.reset = function () {
    this.draw.clear();
    this.tiles.show();
    this.feature = null;
    this.historyFid = null;
    this.history.clear();
    this.form.clearProblems();
    this.mapProblem("");
  };

  Editor.prototype.cancel = function () {
    if (this.busy) { return; }
    this.reset();
    this.setMode("idle");
    this.status(this.s.select_hint);
  };

  // What the user changed relative to what they loaded: kept for a re-apply after a conflict.
  Editor.prototype.mine = function () {
    return {
      values: this.form.values(), fields: this.form.changedFields(),
      geometryChanged: this.draw.changed(), geometry: this.draw.geometry()
    };
  };

  // repair: resend with ?repair=true after the server found the geometry invalid.
  Editor.prototype.save = function (repair) {
    if (this.busy || this.mode === "idle") { return; }
    this.form.clearProblems();
    this.mapProblem("");
    var geometry = this.draw.geometry();
    if (!geometry || this.mode === "drawing") { this.mapProblem(this.s.draw_first); return; }
    var mine = this.mine();
    var f = this.feature;
    var body = { type: "Feature", properties: mine.values, geometry: f && !mine.geometryChanged ? f.geometry : geometry };
    var s = this.s;
    var query = repair === true ? { repair: "true" } : undefined;
    if (!f) {
      return this.write(this.api.create(body, query), { kind: "save", mine: mine }, function (saved) {
        return V.format(s.created, { id: saved.id });
      });
    }
    return this.write(this.api.replace(f.id, body, f.version, query), { kind: "save", mine: mine }, function (saved) {
      return V.format(s.saved, { version: saved.version });
    });
  };

  // Run one write; on success show the feature as saved and redraw the tiles, else explain what failed.
  Editor.prototype.write = function (request, operation, message) {
    var self = this;
    this.setBusy(true);
    return request.then(function (saved) {
      self.setBusy(false);
      self.tiles.redraw();
      if (saved) { self.load(saved); }
      self.status(message(saved));
    }, function (error) {
      self.setBusy(false);
      self.failed(error, operation);
    });
  };

  Editor.prototype.failed = function (error, operation) {
    var s = this.s, detail = error && error.error ? error.error : {};
    if (!(error instanceof global.AtlasEditApi.ApiError)) { throw error; }
    if (error.status === 412 && operation && detail.current) { this.status(""); return this.resolveConflict(detail, operation); }
    if (error.status === 422) {
      var others = this.form.showProblems(detail.problems || {});
      var texts = Object.keys(others).map(function (name) { return others[name]; });
      if (texts.length) { this.mapProblem(texts.join(" ")); }
      var geometry = (detail.problems || {}).geometry;
      q(".editor-repair").hidden = !(geometry && geometry.code === "invalid_geometry");
      this.status(s.problems);
    } else if (error.status === 0) {
      this.status(s.network_error);
    } else if (error.status === 401) {
      this.status(s.session_expired);
    } else if (error.status === 404) {
      this.status(s.gone);
    } else if (error.status === 403) {
      this.status(s.forbidden);
    } else {
      this.status(V.format(s.error, { message: detail.message || error.status }));
    }
  };

  // Someone saved first: show their values beside the user's, then reload or re-apply the user's changes.
  Editor.prototype.resolveConflict = function (detail, operation) {
    var self = this, current = detail.current;
    var mine = operation.mine || { values: this.form.values(), fields: [], geometryChanged: false };
    return this.conflict.show(detail, mine).then(function (choice) {
      if (choice === "reload") { return self.open(current.id, false); }
      return self.reapply(current, operation);
    });
  };

  Editor.prototype.reapply = function (current, operation) {
    var s = this.s;
    this.feature = current;
    if (operation.kind === "delete") { return this.deleteAt(current); }
    if (operation.kind === "revert") { return this.revertTo(operation.to, current); }
    var mine = operation.mine, properties = {};
    Object.keys(current.properties).forEach(function (name) { properties[name] = current.properties[name]; });
    mine.fields.forEach(function (name) { properties[name] = mine.values[name]; });
    var body = { type: "Feature", properties: properties, geometry: mine.geometryChanged ? mine.geometry : current.geometry };
    return this.write(this.api.replace(current.id, body, current.version), operation, function (saved) {
      return V.format(s.saved, { version: saved.version });
    });
  };

  Editor.prototype.askDelete = function () {
    var self = this, f = this.feature;
    if (!f || this.busy) { return; }
    this.confirm.ask(V.format(this.s.confirm_delete_text, { id: f.id })).then(function (yes) {
      if (yes) { self.deleteAt(self.feature); }
    });
  };

  Editor.prototype.deleteAt = function (feature) {
    var self = this, s = this.s, fid = feature.id;
    this.setBusy(true);
    return this.api.remove(fid, feature.version).then(function () {
      self.setBusy(false);
      self.reset();
      self.setMode("idle");
      self.tiles.redraw();
      self.historyFid = fid;
      self.history.show(fid, null);  // a deleted feature can still be brought back from here
      self.status(V.format(s.deleted, { id: fid }));
    }, function (error) {
      self.setBusy(false);
      self.failed(error, { kind: "delete" });
    });
  };

  Editor.prototype.revert = function (entry) {
    if (this.busy || this.historyFid === null) { return; }
    this.revertTo(entry.version, this.feature);
  };

  // Bring back version `to` as a new version; based on `base` (null when the feature was deleted).
  Editor.prototype.revertTo = function (to, base) {
    var s = this.s;
    var request = this.api.revert(this.historyFid, to, base ? base.version : null);
    return this.write(request, { kind: "revert", to: to }, function (saved) {
      return V.format(s.reverted, { version: to, current: saved.version });
    });
  };

  function start() {
    var config = JSON.parse(q("#editor-config").textContent);
    var editor = new Editor(config);
    global.atlasEditor = editor;
    var fid = new URLSearchParams(global.location.search).get("feature");
    if (fid && /^[0-9]+$/.test(fid)) { editor.open(Number(fid), true); }
  }

  global.AtlasEditor = { Editor: Editor };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})(window);
