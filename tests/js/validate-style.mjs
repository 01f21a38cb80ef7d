// Validates a MapLibre GL style read from stdin against the style specification (npm
// @maplibre/maplibre-gl-style-spec) and prints the problems as a JSON list; the pytest side
// (tests/test_style_json.py) runs it. Not a node --test file: it only reads what it is given.
import { validateStyleMin } from "@maplibre/maplibre-gl-style-spec";

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const problems = validateStyleMin(JSON.parse(text)).map((e) => e.message);
  process.stdout.write(JSON.stringify(problems));
});
