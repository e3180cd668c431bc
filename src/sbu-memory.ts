/**
 * The last measured SBU (seconds of Binutils pass 1) per builder, remembered between builds so that
 * a build whose 5.2 comes from the cache still shows the time left from its start. Kept in
 * $XDG_CACHE_HOME/lfs-docker/sbu.json (default ~/.cache); a file that cannot be read is ignored, and
 * one that cannot be written is not an error: it is only a hint.
 */
import { readHintFile, writeHintFile } from "./fs/hint-file.js";

type Memory = Record<string, { sbuSeconds: number; measured: string }>;

const FILE = "sbu.json";
const read = (env: NodeJS.ProcessEnv) => readHintFile<Memory>(FILE, env) as Memory;

export function rememberedSbu(builder: string, env: NodeJS.ProcessEnv = process.env): number | null {
  const e = Object.hasOwn(read(env), builder) ? read(env)[builder] : undefined;
  return e && typeof e.sbuSeconds === "number" && Number.isFinite(e.sbuSeconds) && e.sbuSeconds > 0 ? e.sbuSeconds : null;
}

export function rememberSbu(builder: string, sbuSeconds: number, env: NodeJS.ProcessEnv = process.env): void {
  const memory = read(env);
  memory[builder] = { sbuSeconds, measured: new Date().toISOString() };
  writeHintFile(FILE, memory, env, 1);
}
