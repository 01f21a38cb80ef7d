// The map's label placement: readable angles, boxes, collision avoidance and which labels a zoom shows.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const { AtlasLabels } = load("map/atlas-labels.js");
const view = { width: 800, height: 600 };
const label = (over) => ({
  layer: "communes", text: "Xã A", kind: "polygon", x: 400, y: 300, angle: 0, width: 60, height: 15,
  priority: 1, rank: 1, ...over,
});

test("a river's name follows its direction and never reads upside down", () => {
  const { readableAngle } = AtlasLabels;
  assert.equal(readableAngle(90), 0); // flowing east
  assert.equal(readableAngle(270), 0); // flowing west reads left to right too
  assert.equal(readableAngle(135), 45);
  assert.equal(readableAngle(315), 45);
  assert.equal(readableAngle(0), 90);
  for (let azimuth = 0; azimuth < 360; azimuth += 7) {
    const angle = readableAngle(azimuth);
    assert.ok(angle > -90.0001 && angle <= 90, `azimuth ${azimuth} gives ${angle}`);
  }
});

test("a turned label's box holds its corners", () => {
  const box = AtlasLabels.boxOf(0, 0, 100, 10, 90);
  assert.ok(Math.abs(box.bottom - box.top - 106) < 1e-9 && Math.abs(box.right - box.left - 16) < 1e-9);
});

test("labels that would overlap keep the higher priority, then the larger feature", () => {
  const placed = AtlasLabels.place([
    label({ text: "small", rank: 2 }),
    label({ text: "large", rank: 1 }),
    label({ text: "park", layer: "protected_areas", priority: 5, x: 420 }),
    label({ text: "far away", x: 100, y: 100 }),
  ], view);
  assert.deepEqual(Array.from(placed, (p) => p.text), ["park", "far away"]);
  for (const a of placed) {
    for (const b of placed) { assert.ok(a === b || !AtlasLabels.overlaps(a.box, b.box)); }
  }
});

test("a station's name moves to a free side of its symbol", () => {
  const placed = AtlasLabels.place([
    label({ text: "blocker", priority: 9, x: 440, y: 300 }),
    label({ text: "Trạm Hồi Xuân", kind: "point", layer: "hydro_stations", width: 80 }),
  ], view);
  const station = placed.find((p) => p.text === "Trạm Hồi Xuân");
  assert.ok(station.x < 400, "it went to the left, the right side being taken");
});

test("a river's name repeats only far apart, and labels stay inside the map", () => {
  const river = (x) => label({ text: "Sông Mã", layer: "rivers", kind: "line", x, width: 50, angle: 30 });
  const placed = AtlasLabels.place([river(100), river(180), river(500), river(790)], view);
  assert.deepEqual(Array.from(placed, (p) => p.x), [100, 500]);
});

test("a zoom shows only the visible layers from their first zoom", () => {
  const doc = {
    layers: { communes: { min_zoom: 10, priority: 3 }, rivers: { min_zoom: 9, priority: 2 } },
    labels: [["communes", 1, "Xã A", 105, 20, 0], ["rivers", 2, "Sông Mã", 105, 20, 90], ["wells", 3, "?", 0, 0, 0]],
  };
  const all = () => true;
  assert.deepEqual(Array.from(AtlasLabels.shownRows(doc, 9, all), (r) => r[2]), ["Sông Mã"]);
  assert.deepEqual(Array.from(AtlasLabels.shownRows(doc, 11, all), (r) => r[2]), ["Xã A", "Sông Mã"]);
  assert.deepEqual(Array.from(AtlasLabels.shownRows(doc, 11, (id) => id !== "rivers"), (r) => r[2]), ["Xã A"]);
});

test("text takes its layer's colour, darkened", () => {
  assert.equal(AtlasLabels.textColor("#2b8cbe"), "rgb(26,84,114)");
});
