/* Attribute values between the API (typed JSON), form inputs (strings) and text shown to people. */
(function (global) {
  "use strict";

  var VIETNAM_OFFSET_MS = 7 * 3600 * 1000;  // Vietnam keeps UTC+7 all year

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // A stored time as the value of a datetime-local input, in Vietnam's time.
  function datetimeInput(value) {
    var time = new Date(value);
    if (isNaN(time.getTime())) { return String(value); }
    var t = new Date(time.getTime() + VIETNAM_OFFSET_MS);
    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) +
      "T" + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
  }

  function toInput(field, value) {
    if (value === null || value === undefined) { return ""; }
    if (field.type === "boolean") { return value ? "true" : "false"; }
    if (field.type === "datetime") { return datetimeInput(value); }
    if (field.type === "date") { return String(value).slice(0, 10); }
    return String(value);
  }

  // What a form input holds, as the API takes it: numbers as numbers, empty as null. Text the
  // browser cannot read as a number goes as it is, so the server names the problem at its field.
  function fromInput(field, text) {
    if (text === "" || text === null || text === undefined) { return null; }
    if (field.type === "integer" || field.type === "number") {
      var number = Number(text);
      return isFinite(number) ? number : text;
    }
    if (field.type === "boolean") { return text === "true"; }
    if (field.type === "datetime") { return text.length === 16 ? text + ":00+07:00" : text; }
    return text;
  }

  function domainLabel(field, value) {
    for (var i = 0; i < field.domain.length; i++) {
      if (field.domain[i].code === value) { return field.domain[i].label; }
    }
    return String(value);
  }

  // A value as people read it: domain labels, yes/no, units; "(empty)" for nothing.
  function display(field, value, strings) {
    if (value === null || value === undefined || value === "") { return strings.empty; }
    if (field.domain && field.domain.length) { return domainLabel(field, value); }
    if (field.type === "boolean") { return value ? strings.yes : strings.no; }
    if (field.type === "datetime") { return datetimeInput(value).replace("T", " "); }
    return field.unit ? value + " " + field.unit : String(value);
  }

  function same(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  // "{name}" placeholders filled from params.
  function format(template, params) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return params[key] === undefined || params[key] === null ? whole : String(params[key]);
    });
  }

  function time(value, lang) {
    if (!value) { return ""; }
    var date = new Date(value);
    if (isNaN(date.getTime())) { return String(value); }
    return date.toLocaleString(lang === "en" ? "en-GB" : "vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
  }

  global.AtlasEditValues = {
    toInput: toInput, fromInput: fromInput, display: display, same: same, format: format, time: time
  };
})(window);
