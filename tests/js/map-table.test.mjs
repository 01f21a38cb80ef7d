// The attribute table's state: sorting, the API query, the page label and a row's bounds.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const { AtlasTableView: AtlasTable } = load("map/atlas-dom.js", "map/atlas-table-view.js");
const plain = (value) => JSON.parse(JSON.stringify(value));

test("a header click sorts ascending, a second click descending, another column starts ascending", () => {
  let sort = AtlasTable.nextSort(null, "name");
  assert.deepEqual(plain(sort), { field: "name", descending: false });
  sort = AtlasTable.nextSort(sort, "name");
  assert.deepEqual(plain(sort), { field: "name", descending: true });
  assert.deepEqual(plain(AtlasTable.nextSort(sort, "name")), { field: "name", descending: false });
  assert.deepEqual(plain(AtlasTable.nextSort(sort, "area_ha")), { field: "area_ha", descending: false });
});

test("the API query carries the page, the sort, the filter and the view", () => {
  const query = AtlasTable.tableQuery({
    limit: 25, offset: 50, sort: { field: "name", descending: true }, q: "hạc thành", bbox: [105.7, 19.7, 105.9, 19.9],
  });
  const params = new URLSearchParams(query);
  assert.equal(params.get("limit"), "25");
  assert.equal(params.get("offset"), "50");
  assert.equal(params.get("sort"), "-name");
  assert.equal(params.get("q"), "hạc thành");
  assert.equal(params.get("bbox"), "105.70000,19.70000,105.90000,19.90000");
  assert.equal(AtlasTable.tableQuery({ limit: 25, offset: 0, sort: null, q: "", bbox: null }), "limit=25&offset=0");
});

test("the page label counts from one, and says zero when nothing matches", () => {
  assert.equal(AtlasTable.pageLabel("{from}–{to} / {total}", 25, 25, 166), "26–50 / 166");
  assert.equal(AtlasTable.pageLabel("{from}–{to} / {total}", 0, 0, 0), "0–0 / 0");
  assert.equal(AtlasTable.pageLabel("{from}-{to} of {total}", 0, 1, 1234, (n) => n.toLocaleString("en")), "1-1 of 1,234");
});

test("a row's bounds hold every coordinate of its geometry", () => {
  assert.deepEqual(plain(AtlasTable.geometryBounds({ type: "Point", coordinates: [105.7, 19.8] })), [[19.8, 105.7], [19.8, 105.7]]);
  const polygon = { type: "MultiPolygon", coordinates: [[[[105, 19], [106, 19], [106, 20.5], [105, 19]]], [[[104.5, 19.5], [105, 19.5], [105, 20], [104.5, 19.5]]]] };
  assert.deepEqual(plain(AtlasTable.geometryBounds(polygon)), [[19, 104.5], [20.5, 106]]);
  assert.equal(AtlasTable.geometryBounds(null), null);
});
