// Loads the atlas's browser scripts (plain files that register themselves on `window`) into a fresh
// context, as the page does, so their functions can be tested without a browser.
import { readFileSync } from "node:fs";
import vm from "node:vm";

const STATIC = new URL("../../atlas/static/", import.meta.url);

export function load(...paths) {
  return loadWith({}, ...paths);
}

// The same, with some globals the scripts expect from the page (a stand-in for Leaflet's hooks, say).
export function loadWith(globals, ...paths) {
  const context = { console, Intl, URLSearchParams, ...globals };
  context.window = context;
  vm.createContext(context);
  for (const path of paths) {
    vm.runInContext(readFileSync(new URL(path, STATIC), "utf8"), context, { filename: path });
  }
  return context;
}
