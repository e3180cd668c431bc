import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding lfs-docker's package.json, templates/ and stages/ (works from src/ and dist/src/). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "lfs-docker") {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("lfs-docker: cannot find the package root (package.json) above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const templatesDir = (): string => join(packageRoot(), "templates");
export const stagesDir = (): string => join(packageRoot(), "stages");
