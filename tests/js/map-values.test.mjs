// The public map's popup values and permalinks.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const atlas = load("map/atlas-dom.js", "map/atlas-popup.js", "map/atlas-permalink.js");
const state = (lang) => ({ config: { lang }, t: (key) => ({ yes: "Có", no: "Không" })[key] });

test("popup values: dates dd/mm/yyyy, coded values by label, numbers in the page's language", () => {
  const { formatValue } = atlas.AtlasPopup;
  assert.equal(formatValue(state("vi"), { type: "date" }, "2018-07-14"), "14/07/2018");
  assert.equal(formatValue(state("vi"), { type: "text", domain: { qp: "Pleistocen" } }, "qp"), "Pleistocen");
  assert.equal(formatValue(state("vi"), { type: "number" }, 1234.5), "1.234,5");
  assert.equal(formatValue(state("en"), { type: "number" }, 1234.5), "1,234.5");
  assert.equal(formatValue(state("vi"), { type: "boolean" }, false), "Không");
  assert.equal(formatValue(state("vi"), { type: "text" }, ""), "—");
});

test("a permalink gives the view and layers back, and nonsense gives nothing", () => {
  const { parse } = atlas.AtlasPermalink;
  assert.deepEqual(
    JSON.parse(JSON.stringify(parse("#12/19.80000/105.77000/communes,rivers"))),
    { zoom: 12, lat: 19.8, lon: 105.77, layers: ["communes", "rivers"] },
  );
  assert.equal(parse("#12/19.8/105.77").layers, null);
  assert.equal(parse("#abc/x/y"), null);
  assert.equal(parse(""), null);
});
