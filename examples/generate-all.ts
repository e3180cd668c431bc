/**
 * Example: write one Dockerfile per architecture and edition into a directory, with your own system
 * configuration. Run after `npm run build`: node dist/examples/generate-all.js OUT_DIR
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate, supportedArchs, type Edition } from "../src/index.js";

const out = process.argv[2] ?? "generated";
mkdirSync(out, { recursive: true });
for (const arch of supportedArchs()) {
  for (const init of ["sysv", "systemd"] as Edition[]) {
    const file = join(out, `Dockerfile.${arch}-${init}`);
    writeFileSync(file, generate({ arch, init, config: { hostname: "lfs-box", codename: "example" } }));
    console.log(file);
  }
}
