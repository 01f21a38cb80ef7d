// The editor's conversions between API values, form inputs and text shown to people.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const V = load("edit/edit-values.js").AtlasEditValues;
const depth = { type: "number", unit: "m", domain: [] };
const year = { type: "integer", unit: null, domain: [] };
const when = { type: "datetime", unit: null, domain: [] };
const status = { type: "text", unit: null, domain: [{ code: "active", label: "Còn hiệu lực" }] };
const strings = { empty: "(trống)", yes: "Có", no: "Không" };

test("form text becomes typed API values; empty is null", () => {
  assert.equal(V.fromInput(depth, "12.5"), 12.5);
  assert.equal(V.fromInput(year, "1999"), 1999);
  assert.equal(V.fromInput(depth, ""), null);
  assert.equal(V.fromInput({ type: "boolean" }, "false"), false);
  // Text that is no number goes as it is, so the server names the problem at its field.
  assert.equal(V.fromInput(depth, "12,5"), "12,5");
});

test("a time in the form is Vietnam's, and goes back with its offset", () => {
  assert.equal(V.toInput(when, "2025-07-01T01:30:00+00:00"), "2025-07-01T08:30");
  assert.equal(V.fromInput(when, "2025-07-01T08:30"), "2025-07-01T08:30:00+07:00");
  assert.equal(V.toInput({ type: "date" }, "2025-07-01"), "2025-07-01");
  assert.equal(V.toInput(depth, null), "");
});

test("values are shown with domain labels, units and yes/no", () => {
  assert.equal(V.display(status, "active", strings), "Còn hiệu lực");
  assert.equal(V.display(depth, 12.5, strings), "12.5 m");
  assert.equal(V.display({ type: "boolean", domain: [] }, true, strings), "Có");
  assert.equal(V.display(depth, null, strings), "(trống)");
});

test("placeholders are filled, unknown ones kept; sameness ignores undefined vs null", () => {
  assert.equal(V.format("Đã lưu phiên bản {version}.", { version: 3 }), "Đã lưu phiên bản 3.");
  assert.equal(V.format("{a} {b}", { a: 1 }), "1 {b}");
  assert.ok(V.same(undefined, null));
  assert.ok(!V.same(1, "1"));
});
