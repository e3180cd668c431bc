/**
 * Hint files: small JSON objects lfs-docker remembers between builds in $XDG_CACHE_HOME/lfs-docker/
 * (default ~/.cache), such as the last measured SBU per builder. Only hints: a file that cannot be
 * read counts as empty, one that cannot be written is not an error. Written as a new temporary file
 * (flag wx: never through a link planted under that name), then renamed into place.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function hintFilePath(name: string, env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "lfs-docker", name);
}

/** The file's object, or {} when it is missing, unreadable or not a JSON object. */
export function readHintFile<T extends object>(name: string, env: NodeJS.ProcessEnv): Partial<T> {
  try {
    const data = JSON.parse(readFileSync(hintFilePath(name, env), "utf8")) as unknown;
    return data && typeof data === "object" && !Array.isArray(data) ? (data as Partial<T>) : {};
  } catch {
    return {};
  }
}

export function writeHintFile(name: string, data: object, env: NodeJS.ProcessEnv, indent?: number): void {
  const path = hintFilePath(name, env);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, indent) + "\n", { flag: "wx", mode: 0o644 });
    renameSync(tmp, path);
  } catch {
    /* only a hint */
  }
}
