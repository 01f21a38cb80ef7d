// A search result's detail: its other names, then where it is, in the page's words.
import assert from "node:assert/strict";
import test from "node:test";
import { load } from "./load.mjs";

const { AtlasSearch } = load("map/atlas-dom.js", "map/atlas-search.js");
const words = {
  vi: { place_river: "trên {name}", place_commune: "ở {name}" },
  en: { place_river: "on {name}", place_commune: "in {name}" },
};
const state = (lang) => ({ config: { lang }, t: (key) => words[lang][key] });
const river = { kind: "river", layer: "rivers", id: 1, name: "Sông Mã" };
const commune = { kind: "commune", layer: "communes", id: 7, name: "Phường Hàm Rồng" };

test("a permit near a river is on it, the river's class noun in lower case", () => {
  const result = { detail: "Công ty Nước sạch", place: river };
  assert.equal(AtlasSearch.detailText(state("vi"), result), "Công ty Nước sạch, trên sông Mã");
  assert.equal(AtlasSearch.detailText(state("en"), result), "Công ty Nước sạch, on sông Mã");
});

test("a feature far from rivers is in its commune", () => {
  assert.equal(AtlasSearch.detailText(state("vi"), { detail: null, place: commune }), "ở phường Hàm Rồng");
  assert.equal(AtlasSearch.detailText(state("en"), { detail: null, place: commune }), "in phường Hàm Rồng");
});

test("without a place the detail is the other names alone, or nothing", () => {
  assert.equal(AtlasSearch.detailText(state("vi"), { detail: "NM-11", place: null }), "NM-11");
  assert.equal(AtlasSearch.detailText(state("vi"), { detail: null, place: null }), null);
});
