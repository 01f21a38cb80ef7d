// The public map's interaction logic: identify's hit tests and ranking, the measure line, the
// popup's room below the search box, search results by layer, and shapes per category.
import assert from "node:assert/strict";
import test from "node:test";
import { load, loadWith } from "./load.mjs";

const atlas = load(
  "map/atlas-dom.js", "map/atlas-place.js", "map/atlas-identify.js", "map/atlas-measure.js",
  "map/atlas-search.js", "map/atlas-permalink.js",
);
const { distance, rank, isTouch } = atlas.AtlasIdentify;
const P = (x, y) => ({ x, y });

test("a point is hit within its radius plus the tolerance, measured from its edge", () => {
  const station = { point: P(100, 100), radius: 6 };
  assert.equal(distance("point", station, P(103, 104)), 0);
  assert.equal(distance("point", station, P(116, 100)), 10);
});

test("a line is as far as its nearest segment, less half its width", () => {
  const river = { parts: [[P(0, 0), P(100, 0), P(100, 100)]], width: 2 };
  assert.equal(distance("line", river, P(50, 4)), 3);
  assert.equal(distance("line", river, P(104, 50)), 3);
  assert.equal(distance("line", river, P(-10, 0)), 9);
});

test("an area is hit inside its rings only, and a hole is outside", () => {
  const commune = { parts: [[P(0, 0), P(100, 0), P(100, 100), P(0, 100)], [P(40, 40), P(60, 40), P(60, 60), P(40, 60)]] };
  assert.equal(distance("polygon", commune, P(10, 10)), 0);
  assert.equal(distance("polygon", commune, P(50, 50)), Infinity);
  assert.equal(distance("polygon", commune, P(150, 50)), Infinity);
});

test("points and lines near the pointer win over the areas under it; areas come top-drawn first", () => {
  const commune = { kind: "polygon", distance: 0, order: 1, name: "commune" };
  const park = { kind: "polygon", distance: 0, order: 2, name: "park" };
  const river = { kind: "line", distance: 3, order: 5, name: "river" };
  const station = { kind: "point", distance: 4, order: 9, name: "station" };
  assert.deepEqual(rank([commune, river]).map((h) => h.name), ["river"]);
  assert.deepEqual(rank([commune, river, station]).map((h) => h.name), ["station", "river"]);
  assert.deepEqual(rank([commune, park]).map((h) => h.name), ["park", "commune"]);
});

test("a finger gets the touch tolerance, a mouse the small one", () => {
  assert.equal(isTouch({ pointerType: "touch" }), true);
  assert.equal(isTouch({ pointerType: "mouse" }), false);
  assert.equal(isTouch({ sourceCapabilities: { firesTouchEvents: true } }), true);
  assert.equal(isTouch(null), false);
});

test("the measure line: finish, undo, clear, a double click's extra point, a new line after finishing", () => {
  const M = atlas.AtlasMeasure;
  const line = M.session();
  M.addPoint(line, "a");
  M.addPoint(line, "b");
  M.addPoint(line, "b");
  M.finishDouble(line, (p, q) => p === q);
  assert.deepEqual([...line.points], ["a", "b"]);
  assert.equal(line.finished, true);
  M.undo(line);
  assert.deepEqual([...line.points], ["a"]);
  assert.equal(line.finished, false);
  M.finish(line);
  M.addPoint(line, "c");
  assert.deepEqual([...line.points], ["c"], "a point after finishing starts a new line");
  M.clear(line);
  assert.equal(line.points.length, 0);
  M.finish(line);
  assert.equal(line.finished, false, "an empty line cannot be finished");
});

test("a popup's room starts below the search box and leaves its tip room", () => {
  const map = { top: 30, bottom: 530, height: 500 };
  const room = atlas.AtlasPlace.room(map, { top: [{ top: 40, bottom: 90, height: 50 }], bottom: [] });
  assert.equal(room.top, 72);
  assert.equal(room.bottom, 12);
  assert.equal(room.maxHeight, 500 - 72 - 12 - 40);
  assert.equal(atlas.AtlasPlace.room({ top: 0, bottom: 200, height: 200 }, { top: [], bottom: [] }).maxHeight, 136);
});

test("search results are grouped by layer in the order they came", () => {
  const r = (layer, label) => ({ layer, label, layer_title: { vi: layer } });
  const groups = atlas.AtlasSearch.groupByLayer([r("rivers", "Sông Mã"), r("communes", "Xã A"), r("rivers", "Sông Chu")]);
  assert.deepEqual(JSON.parse(JSON.stringify(groups.map((g) => [g.layer, g.results.map((x) => x.label)]))), [
    ["rivers", ["Sông Mã", "Sông Chu"]],
    ["communes", ["Xã A"]],
  ]);
});

test("a permalink keeps a fractional zoom (the province's first view)", () => {
  assert.equal(atlas.AtlasPermalink.parse("#8.25/19.98/105.22/communes").zoom, 8.25);
});

test("each class of a categorized point layer has its own shape, starting from the layer's symbol", () => {
  const leaflet = { L: { Canvas: { prototype: { _updateCircle() {} } } } };
  const { categorySymbol } = loadWith(leaflet, "map/atlas-style.js").AtlasStyle;
  const permits = { style: { symbol: "square", category_field: "status",
    categories: [{ value: "active" }, { value: "expired" }, { value: "revoked" }] } };
  assert.deepEqual(["active", "expired", "revoked"].map((v) => categorySymbol(permits, v)), ["square", "triangle", "diamond"]);
  assert.equal(categorySymbol(permits, "unknown"), "square");
  assert.equal(categorySymbol({ style: { symbol: "circle", categories: [] } }, "x"), "circle");
});
