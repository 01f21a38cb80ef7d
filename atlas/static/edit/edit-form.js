/* The attribute form, built from the layer's schema: one labelled control per field, problems at their field. */
(function (global) {
  "use strict";

  var el = global.AtlasDom.el;
  var V = global.AtlasEditValues;

  function option(value, label) {
    var node = el("option", null, label);
    node.value = value;
    return node;
  }

  function selectFor(field, strings) {
    var select = el("select");
    select.appendChild(option("", strings.choose));
    if (field.type === "boolean") {
      select.appendChild(option("true", strings.yes));
      select.appendChild(option("false", strings.no));
    } else {
      field.domain.forEach(function (value) { select.appendChild(option(value.code, value.label)); });
    }
    return select;
  }

  var INPUT_TYPES = { integer: "number", number: "number", date: "date", datetime: "datetime-local", text: "text" };

  function inputFor(field) {
    var input = el("input");
    input.type = INPUT_TYPES[field.type] || "text";
    if (field.type === "integer" || field.type === "number") {
      input.step = field.type === "integer" ? "1" : "any";
      input.inputMode = field.type === "integer" ? "numeric" : "decimal";
      if (field.minimum !== null) { input.min = String(field.minimum); }
      if (field.maximum !== null) { input.max = String(field.maximum); }
    }
    if (field.max_length) { input.maxLength = field.max_length; }
    return input;
  }

  function EditForm(form, fields, strings) {
    this.form = form;
    this.fields = fields;
    this.strings = strings;
    this.controls = {};
    this.problemNodes = {};
    this.baseline = {};
    var holder = form.querySelector(".editor-fields");
    fields.forEach(function (field) { holder.appendChild(this.row(field)); }, this);
  }

  EditForm.prototype.row = function (field) {
    var id = "editor-field-" + field.name;
    var row = el("div", "editor-field");
    row.dataset.field = field.name;
    var label = el("label", null, field.label);
    label.htmlFor = id;
    if (field.unit) { label.appendChild(el("span", "editor-unit", " (" + field.unit + ")")); }
    if (field.required) {
      label.appendChild(el("abbr", "editor-required", " *")).title = this.strings.required;
      row.classList.add("required");
    }
    var control = field.domain.length || field.type === "boolean" ? selectFor(field, this.strings) : inputFor(field);
    control.id = id;
    control.name = field.name;
    control.required = field.required;
    var problem = el("p", "editor-problem");
    problem.id = id + "-problem";
    problem.hidden = true;
    control.setAttribute("aria-describedby", problem.id);
    row.appendChild(label);
    row.appendChild(control);
    row.appendChild(problem);
    this.controls[field.name] = control;
    this.problemNodes[field.name] = problem;
    return row;
  };

  // Fill the form from a feature's properties; what it shows now is what "unchanged" means.
  EditForm.prototype.setValues = function (properties) {
    this.fields.forEach(function (field) {
      var control = this.controls[field.name];
      var text = V.toInput(field, (properties || {})[field.name]);
      if (control.tagName === "SELECT" && text !== "" && !control.querySelector("option[value=\"" + CSS.escape(text) + "\"]")) {
        control.appendChild(option(text, text));  // a stored code the domain no longer lists stays visible
      }
      control.value = text;
    }, this);
    this.clearProblems();
    this.baseline = this.values();
  };

  EditForm.prototype.values = function () {
    var values = {};
    this.fields.forEach(function (field) {
      values[field.name] = V.fromInput(field, this.controls[field.name].value);
    }, this);
    return values;
  };

  // Names of the fields the user changed since setValues.
  EditForm.prototype.changedFields = function () {
    var now = this.values();
    return this.fields.map(function (f) { return f.name; }).filter(function (name) {
      return !V.same(now[name], this.baseline[name]);
    }, this);
  };

  EditForm.prototype.clearProblems = function () {
    Object.keys(this.problemNodes).forEach(function (name) {
      this.problemNodes[name].hidden = true;
      this.problemNodes[name].textContent = "";
      this.controls[name].removeAttribute("aria-invalid");
    }, this);
  };

  // Show each problem at its field; returns the problems that belong to no field (geometry, the feature).
  EditForm.prototype.showProblems = function (problems) {
    var others = {};
    var first = null;
    Object.keys(problems || {}).forEach(function (name) {
      var node = this.problemNodes[name];
      var message = problems[name] && problems[name].message ? problems[name].message : String(problems[name]);
      if (!node) { others[name] = message; return; }
      node.textContent = message;
      node.hidden = false;
      this.controls[name].setAttribute("aria-invalid", "true");
      first = first || this.controls[name];
    }, this);
    if (first) { first.focus({ preventScroll: false }); }
    return others;
  };

  EditForm.prototype.setEnabled = function (enabled) {
    Array.prototype.forEach.call(this.form.elements, function (control) { control.disabled = !enabled; });
  };

  global.AtlasEditForm = EditForm;
})(window);
