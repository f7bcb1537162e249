// Copies the installed front-end libraries into static/vendor/, where Django serves them.
// Only what pages load: test tools (axe-core, a devDependency) stay in node_modules, and the
// folder is emptied first so a file dropped from this list is no longer served after an update.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "static", "vendor");
const assets = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "echarts/dist/echarts.min.js": "echarts.min.js",
  "leaflet/dist/leaflet.js": "leaflet.js",
  // leaflet.js names its source map and leaflet.css its images: production's manifest storage
  // (collectstatic) refuses to build when a referenced file is missing.
  "leaflet/dist/leaflet.js.map": "leaflet.js.map",
  "leaflet/dist/images/layers.png": "images/layers.png",
  "leaflet/dist/images/layers-2x.png": "images/layers-2x.png",
  "leaflet/dist/leaflet.css": "leaflet.css",
  "leaflet/dist/images/marker-icon.png": "images/marker-icon.png",
  "leaflet/dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
  "leaflet/dist/images/marker-shadow.png": "images/marker-shadow.png",
  "jsqr/dist/jsQR.js": "jsQR.js",
};
rmSync(target, { recursive: true, force: true });
mkdirSync(join(target, "images"), { recursive: true });
for (const [source, dest] of Object.entries(assets)) {
  copyFileSync(join(here, "node_modules", source), join(target, dest));
}
console.log(`copied ${Object.keys(assets).length} assets into static/vendor/`);
