/**
 * The uploader's walk of a local directory, in the order fsutil's receiver validates:
 * depth-first, children of a directory sorted bytewise by name, parent before child, the root
 * itself not listed. Include patterns (+ followpaths) and .dockerignore-style exclude patterns
 * are applied here; a directory that is excluded or not included itself is still listed when
 * something below it is selected (just before that entry), like fsutil's lazy parent emission.
 */
import { lstat, readdir, readlink } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { join, posix } from "node:path";

import type { WireStat } from "../wire/types.js";
import { devMajorMinor, goModeFromPosix } from "./fsmode.js";
import { cleanPath, compilePatterns, hasExclusions, matchesOrParentMatches, mayIncludeBelow, type Pattern } from "./patterns.js";

export interface WalkOptions {
  includePatterns?: readonly string[];
  excludePatterns?: readonly string[];
  followPaths?: readonly string[];
}

export interface WalkEntry {
  /** Slash-separated path relative to the root. */
  path: string;
  /** Absolute path on disk. */
  abs: string;
  stat: WireStat;
  isFile: boolean;
}

/** Bytewise (UTF-8) comparison, as Go compares strings. */
export function compareBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function statToWire(path: string, st: BigIntStats, linkname: string): WireStat {
  const mode = goModeFromPosix(Number(st.mode));
  const isDir = st.isDirectory();
  const dev = st.isBlockDevice() || st.isCharacterDevice() ? devMajorMinor(st.rdev) : { major: 0n, minor: 0n };
  return {
    path,
    mode,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: isDir ? "0" : st.size.toString(),
    modTime: st.mtimeNs.toString(),
    linkname,
    devmajor: dev.major.toString(),
    devminor: dev.minor.toString(),
    xattrs: {},
  };
}

/**
 * Resolves followpaths: each path, plus the targets of symlinks along it (kept inside root),
 * so that `Dockerfile -> build/Dockerfile` uploads both.
 */
export async function followLinks(root: string, paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  const visit = async (p: string, depth: number): Promise<void> => {
    const clean = cleanPath(p.replace(/^\/+/, ""));
    if (clean === "." || clean.startsWith("../") || clean === ".." || out.has(clean) || depth > 40) return;
    out.add(clean);
    let st;
    try {
      st = await lstat(join(root, clean));
    } catch {
      return;
    }
    if (!st.isSymbolicLink()) return;
    const target = await readlink(join(root, clean));
    const next = target.startsWith("/") ? target.slice(1) : posix.join(posix.dirname(clean), target);
    await visit(next, depth + 1);
  };
  for (const p of paths) await visit(p, 0);
  return [...out];
}

/** Lists the entries to upload, in wire order. */
export async function walkDir(root: string, opts: WalkOptions = {}): Promise<WalkEntry[]> {
  let includes: string[] | undefined = opts.includePatterns?.length ? [...opts.includePatterns] : undefined;
  if (opts.followPaths?.length) {
    includes = [...new Set([...(includes ?? []), ...(await followLinks(root, opts.followPaths))])];
  }
  const inc: Pattern[] | undefined = includes ? compilePatterns(includes) : undefined;
  const exc: Pattern[] = compilePatterns(opts.excludePatterns ?? []);
  const excHasExclusions = hasExclusions(exc);

  const rootStat = await lstat(root, { bigint: true });
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);

  const out: WalkEntry[] = [];
  // Directories passed on the way down but not listed yet: [path, abs, stat].
  const pending: Array<{ path: string; abs: string; st: BigIntStats }> = [];

  const flushPending = (): void => {
    for (const d of pending) {
      out.push({ path: d.path, abs: d.abs, stat: statToWire(d.path, d.st, ""), isFile: false });
    }
    pending.length = 0;
  };

  const walk = async (relDir: string, absDir: string): Promise<void> => {
    const names = (await readdir(absDir)).sort(compareBytewise);
    for (const name of names) {
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      const abs = join(absDir, name);
      let st: BigIntStats;
      try {
        st = await lstat(abs, { bigint: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // vanished while walking
        throw err;
      }
      const isDir = st.isDirectory();
      const included = inc === undefined || matchesOrParentMatches(inc, rel);
      const excluded = exc.length > 0 && matchesOrParentMatches(exc, rel);
      if (included && !excluded) {
        flushPending();
        const linkname = st.isSymbolicLink() ? await readlink(abs) : "";
        const stat = statToWire(rel, st, linkname);
        if (st.isSymbolicLink()) stat.size = "0";
        out.push({ path: rel, abs, stat, isFile: st.isFile() });
        if (isDir) {
          const depth = pending.length;
          await walk(rel, abs);
          pending.length = Math.min(pending.length, depth);
        }
        continue;
      }
      if (!isDir) continue;
      // Not selected itself: walk below only if something there could still be selected.
      const belowIncluded = included || (inc !== undefined && mayIncludeBelow(inc, rel));
      const belowNotExcluded = !excluded || excHasExclusions;
      if (!belowIncluded || !belowNotExcluded) continue;
      pending.push({ path: rel, abs, st });
      const depth = pending.length;
      await walk(rel, abs);
      // Drop this directory (and anything it left) if nothing below it was selected.
      if (pending.length >= depth) pending.length = depth - 1;
    }
  };
  await walk("", root);
  return out;
}
