/**
 * `--cache-to` and `--cache-from` as buildx spells them: comma-separated `key=value` fields with a
 * `type` (`type=registry,ref=IMAGE`, `type=local,dest=DIR` / `type=local,src=DIR`, `type=inline`,
 * or any other type the builder knows, its fields passed on as given), or a bare `IMAGE`, which
 * means `type=registry,ref=IMAGE`. Fields may be double-quoted, as in CSV. Exports default to
 * `mode=max` (every stage's steps, not only the last stage's: lfs-docker's last stage is FROM
 * scratch, so `mode=min` would keep almost nothing); `inline` has no mode.
 */
import type { CacheEntry } from "./buildkit/types.js";
import { OptionError } from "./errors.js";
import { csvFields } from "./output-spec.js";

export type CacheFlag = "--cache-to" | "--cache-from";

const ACCEPTED: Record<CacheFlag, string> = {
  "--cache-to":
    "type=registry,ref=IMAGE[,mode=max|min], type=local,dest=DIR[,mode=max|min], type=inline, or another type the builder knows (type=NAME,key=value,...); a bare IMAGE means type=registry,ref=IMAGE",
  "--cache-from": "IMAGE (= type=registry,ref=IMAGE), type=registry,ref=IMAGE, type=local,src=DIR, or another type the builder knows (type=NAME,key=value,...)",
};

/** Checks a cache entry and completes it (the export's default mode); `shown` is what the user wrote. */
export function checkCacheEntry(flag: CacheFlag, entry: CacheEntry, shown: string): CacheEntry {
  const refuse = (detail: string): never => {
    throw new OptionError(flag, shown, ACCEPTED[flag], detail);
  };
  const type = entry?.type;
  if (typeof type !== "string" || type === "") return refuse("the type is missing");
  if (!/^[a-z][a-z0-9_-]*$/.test(type)) refuse(`type=${type} is not a type name`);
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry.attrs ?? {})) {
    if (typeof value !== "string") refuse(`"${key}" must be a string`);

    if (/[\x00-\x1f\x7f]/.test(key + value)) refuse(`"${key}" holds a control character`);
    if (key === "type") refuse(`"type" is given twice`);
    attrs[key] = value;
  }
  const need = (key: string, what: string): void => {
    if (!attrs[key]) refuse(`type=${type} needs ${key}=${what}`);
  };
  if (type === "registry") {
    need("ref", "IMAGE");
    const dir = flag === "--cache-to" ? "type=local,dest=DIR" : "type=local,src=DIR";
    if (/^(?:\/|\.\.?(?:\/|$)|~)/.test(attrs.ref!)) refuse(`ref=${attrs.ref} is a path, not an image reference: for a directory, give ${dir}`);
  }
  if (type === "local" && flag === "--cache-to") {
    if (attrs.src !== undefined && attrs.dest === undefined) refuse("type=local exports to dest=DIR (src=DIR is for --cache-from)");
    need("dest", "DIR");
  }
  if (type === "local" && flag === "--cache-from") {
    if (attrs.dest !== undefined && attrs.src === undefined) refuse("type=local imports from src=DIR (dest=DIR is for --cache-to)");
    need("src", "DIR");
  }
  if (flag === "--cache-to" && type !== "inline") {
    attrs.mode ??= "max";
    if (attrs.mode !== "max" && attrs.mode !== "min") refuse(`mode=${attrs.mode}: mode is max or min`);
  }
  return { type, attrs };
}

/** One `--cache-to` / `--cache-from` value. */
export function parseCacheSpec(flag: CacheFlag, spec: string): CacheEntry {
  if (typeof spec !== "string" || spec === "") throw new OptionError(flag, spec, ACCEPTED[flag], "empty");
  // buildx: a value without "=" is a registry reference.
  if (!spec.includes("=")) return checkCacheEntry(flag, { type: "registry", attrs: { ref: spec } }, spec);
  let fields: string[];
  try {
    fields = csvFields(spec);
  } catch (err) {
    throw new OptionError(flag, spec, ACCEPTED[flag], (err as Error).message);
  }
  const attrs = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new OptionError(flag, spec, ACCEPTED[flag], "every field is key=value");
    const key = f.slice(0, eq).trim().toLowerCase();
    if (attrs.has(key)) throw new OptionError(flag, spec, ACCEPTED[flag], `"${key}" is given twice`);
    attrs.set(key, f.slice(eq + 1));
  }
  const type = attrs.get("type") ?? "";
  attrs.delete("type");
  return checkCacheEntry(flag, { type, attrs: Object.fromEntries(attrs) }, spec);
}

/** Every value of a flag: strings are parsed, entries checked; none: an empty list. */
export function cacheEntries(flag: CacheFlag, specs: ReadonlyArray<string | CacheEntry> | undefined): CacheEntry[] {
  return (specs ?? []).map((s) => (typeof s === "string" ? parseCacheSpec(flag, s) : checkCacheEntry(flag, s, JSON.stringify(s) ?? String(s))));
}
