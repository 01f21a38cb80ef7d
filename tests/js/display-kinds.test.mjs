// One formatting rule per field: the popup writes values by the catalogue's display kind, as the pages do.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const atlas = load("map/atlas-dom.js", "map/atlas-popup.js");
const state = (lang) => ({ config: { lang }, t: (key) => ({ yes: "Có", no: "Không" })[key] });
const format = (lang, field, value) => atlas.AtlasPopup.formatValue(state(lang), field, value);

test("a year is never grouped, in either language", () => {
  const year = { type: "integer", display: { kind: "year", digits: null } };
  assert.equal(format("vi", year, 1999), "1999");
  assert.equal(format("en", year, 2025), "2025");
});

test("integers are grouped by the language and show no fraction", () => {
  const count = { type: "integer", display: { kind: "integer", digits: null } };
  assert.equal(format("vi", count, 12345), "12.345");
  assert.equal(format("en", count, 12345), "12,345");
});

test("a decimal shows at most its digits", () => {
  const level = { type: "number", display: { kind: "decimal", digits: 2 } };
  assert.equal(format("vi", level, 1234.5678), "1.234,57");
  assert.equal(format("en", level, 1234.5678), "1,234.57");
  const whole = { type: "number", display: { kind: "decimal", digits: 0 } };
  assert.equal(format("vi", whole, 2500.4), "2.500");
  const free = { type: "number", display: { kind: "decimal", digits: null } };
  assert.equal(format("en", free, 0.12345), "0.123");
});

test("codes are written as stored, dates and times as the pages write them", () => {
  assert.equal(format("vi", { type: "text", display: { kind: "code" } }, "01234"), "01234");
  assert.equal(format("vi", { type: "date", display: { kind: "date" } }, "2024-03-05"), "05/03/2024");
  assert.equal(format("en", { type: "datetime", display: { kind: "datetime" } }, "2024-03-05T17:30:00+00:00"), "06/03/2024 00:30");
});

test("a field without a display kind takes the one of its type", () => {
  assert.equal(format("vi", { type: "number" }, 1234.5), "1.234,5");
  assert.equal(format("vi", { type: "integer" }, 1999), "1.999");
});
