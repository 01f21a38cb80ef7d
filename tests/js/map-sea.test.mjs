// The sea's name: one label at the first of its spots that fits, and which places are water.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const { AtlasLabels } = load("map/atlas-labels.js");
const { AtlasSea } = load("map/atlas-sea.js");
const view = { width: 800, height: 600 };
const spot = (over) => ({
  layer: "sea", text: "Vịnh Bắc Bộ", kind: "extra", x: 600, y: 300, angle: 0, width: 80, height: 15,
  priority: 1e9, rank: 0, ...over,
});

test("the sea is named once, at its first spot that fits in view", () => {
  const placed = AtlasLabels.place([
    spot({ x: 900, rank: 0 }), // out of view
    spot({ x: 600, rank: 1 }),
    spot({ x: 300, rank: 2 }),
  ], view);
  assert.deepEqual(Array.from(placed, (p) => [p.text, p.x]), [["Vịnh Bắc Bộ", 600]]);
});

test("the sea's name wins over a commune's where they would overlap", () => {
  const commune = { layer: "communes", text: "Xã A", kind: "polygon", x: 610, y: 300, angle: 0, width: 60,
    height: 15, priority: 3, rank: 1 };
  const placed = AtlasLabels.place([commune, spot()], view);
  assert.deepEqual(Array.from(placed, (p) => p.text), ["Vịnh Bắc Bộ"]);
});

test("water is inside the sea's outer ring and outside its islands", () => {
  const sea = {
    type: "MultiPolygon",
    coordinates: [[
      [[106, 19], [107, 19], [107, 20], [106, 20], [106, 19]],
      [[106.4, 19.4], [106.6, 19.4], [106.6, 19.6], [106.4, 19.6], [106.4, 19.4]],
    ]],
  };
  assert.equal(AtlasSea.inWater(sea, 106.2, 19.5), true);
  assert.equal(AtlasSea.inWater(sea, 106.5, 19.5), false, "an island is land");
  assert.equal(AtlasSea.inWater(sea, 105.9, 19.5), false, "west of the coast is land");
});
