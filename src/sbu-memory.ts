/**
 * The last measured SBU (seconds of Binutils pass 1) per builder, remembered between builds so that
 * a build whose 5.2 comes from the cache still shows the time left from its start. Kept in
 * $XDG_CACHE_HOME/lfs-docker/sbu.json (default ~/.cache); a file that cannot be read is ignored, and
 * one that cannot be written is not an error: it is only a hint.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

type Memory = Record<string, { sbuSeconds: number; measured: string }>;

function file(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "lfs-docker", "sbu.json");
}

function read(env: NodeJS.ProcessEnv): Memory {
  try {
    const data = JSON.parse(readFileSync(file(env), "utf8")) as unknown;
    return data && typeof data === "object" && !Array.isArray(data) ? (data as Memory) : {};
  } catch {
    return {};
  }
}

export function rememberedSbu(builder: string, env: NodeJS.ProcessEnv = process.env): number | null {
  const e = Object.hasOwn(read(env), builder) ? read(env)[builder] : undefined;
  return e && typeof e.sbuSeconds === "number" && Number.isFinite(e.sbuSeconds) && e.sbuSeconds > 0 ? e.sbuSeconds : null;
}

export function rememberSbu(builder: string, sbuSeconds: number, env: NodeJS.ProcessEnv = process.env): void {
  const path = file(env);
  const memory = read(env);
  memory[builder] = { sbuSeconds, measured: new Date().toISOString() };
  try {
    mkdirSync(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    // A new file (flag wx: never through a link planted under the temporary name), then renamed.
    writeFileSync(tmp, JSON.stringify(memory, null, 1) + "\n", { flag: "wx", mode: 0o644 });
    renameSync(tmp, path);
  } catch {
    /* only a hint */
  }
}
