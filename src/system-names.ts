/**
 * The names the system options accept, from the data files under data/ (written by
 * scripts/system-names.sh from the tz database, glibc's supported locales and the console keymaps).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./paths.js";

const cache = new Map<string, readonly string[]>();

/** The lines of data/NAME.txt but comments and blank lines. */
function lines(name: string): readonly string[] {
  let list = cache.get(name);
  if (!list) {
    list = readFileSync(join(packageRoot(), "data", `${name}.txt`), "utf8")
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"));
    cache.set(name, list);
  }
  return list;
}

const sets = new Map<string, ReadonlySet<string>>();
function set(name: string, make: () => Iterable<string>): ReadonlySet<string> {
  let s = sets.get(name);
  if (!s) sets.set(name, (s = new Set(make())));
  return s;
}

/** Every tz database zone and link name (UTC, Europe/Paris, ...). */
export const timezones = (): ReadonlySet<string> => set("timezones", () => lines("timezones"));

/** Every console keymap name (us, de-latin1, ...). */
export const keymaps = (): ReadonlySet<string> => set("keymaps", () => lines("keymaps"));

/** glibc's supported locales (en_US, de_DE@euro, ...), without charmap. */
export const locales = (): ReadonlySet<string> => set("locales", () => lines("locales").map((l) => l.split(" ")[0]!));

/** glibc's supported character maps (UTF-8, ISO-8859-1, ...). */
export const charmaps = (): ReadonlySet<string> => set("charmaps", () => lines("locales").map((l) => l.split(" ")[1]!));

/** The character maps glibc supports for a locale (empty for an unknown locale). */
export function charmapsOf(locale: string): string[] {
  return lines("locales")
    .filter((l) => l.split(" ")[0] === locale)
    .map((l) => l.split(" ")[1]!);
}
