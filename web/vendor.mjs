// Set-up step (run by `make` after `npm ci`): copy the map libraries and the basemap that the
// web map uses out of node_modules into the Python package (argument: the vendor directory,
// src/inkless/web/static/vendor), and pre-draw the MIL-STD-2525 track symbols with milsymbol
// (symbols.json), so that the run report inlines a few kilobytes of symbols instead of the
// whole library. Nothing here runs when a report is written or a page opens.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = process.argv[2];
if (!out) {
  console.error("usage: node web/vendor.mjs VENDOR_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });

// file in the package <- file in node_modules (licences travel with the code)
const FILES = {
  "leaflet.js": "leaflet/dist/leaflet.js",
  "leaflet.css": "leaflet/dist/leaflet.css",
  "LICENSE.leaflet": "leaflet/LICENSE",
  "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
  "LICENSE.topojson-client": "topojson-client/LICENSE",
  "countries-50m.json": "world-atlas/countries-50m.json",
  "LICENSE.world-atlas": "world-atlas/LICENSE",
  "LICENSE.milsymbol": "milsymbol/LICENSE",
};
for (const [name, source] of Object.entries(FILES)) {
  copyFileSync(join(modules, source), join(out, name));
}

// Air tracks in MIL-STD-2525C, one frame per standard identity (the track's identity category
// in inkless.identification.CATEGORY_NAMES); function "------": an air track of unknown type.
const require = createRequire(import.meta.url);
const ms = require(join(modules, "milsymbol/dist/milsymbol.js"));
const AFFILIATION = {
  pending: "P", unknown: "U", assumed_friend: "A", friend: "F",
  neutral: "N", suspect: "S", hostile: "H",
};
const symbols = {};
for (const [identity, code] of Object.entries(AFFILIATION)) {
  const sidc = `S${code}AP------*****`;
  const symbol = new ms.Symbol(sidc, { size: 16, fill: true });
  if (!symbol.isValid()) throw new Error(`milsymbol: ${sidc} is not valid`);
  const anchor = symbol.getAnchor();
  const size = symbol.getSize();
  symbols[identity] = {
    sidc,
    svg: symbol.asSVG(),
    anchor: [Math.round(anchor.x), Math.round(anchor.y)],
    size: [Math.ceil(size.width), Math.ceil(size.height)],
  };
}
writeFileSync(join(out, "symbols.json"), JSON.stringify(symbols));
console.log(`web assets: ${Object.keys(FILES).length} files and ${Object.keys(symbols).length} symbols in ${out}`);
