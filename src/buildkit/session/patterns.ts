/**
 * .dockerignore pattern semantics, as moby/patternmatcher implements them (the daemon sends the
 * patterns; filtering is the uploader's job):
 *  - `*` matches within one path segment, `?` one character, `**` any number of segments,
 *    `\` escapes the next character, `[...]` is a character class;
 *  - a pattern matches a path when it matches the path itself or one of its parent directories;
 *  - patterns are evaluated in order, `!pattern` re-includes, the last match wins.
 */
import { posix } from "node:path";

import { LfsDockerError } from "../../errors.js";

export interface Pattern {
  /** The cleaned pattern text (without `!`). */
  readonly text: string;
  readonly exclusion: boolean;
  readonly regexp: RegExp;
}

/** An include/exclude pattern (.dockerignore syntax) that cannot be compiled. */
export class PatternError extends LfsDockerError {
  override readonly name = "PatternError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_PATTERN", message, options);
  }
}

/** Go's filepath.Clean for slash-separated paths. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const out = posix.normalize(p);
  return out.length > 1 && out.endsWith("/") ? out.slice(0, -1) : out;
}

const QUOTE = /[\\.+*?()|[\]{}^$]/;

/** Compiles one pattern into an anchored regular expression (patternmatcher's translation). */
export function patternToRegExp(pattern: string): RegExp {
  let re = "^";
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        re += i + 1 >= chars.length ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      if (i + 1 < chars.length) {
        const next = chars[++i]!;
        re += QUOTE.test(next) ? `\\${next}` : next;
      } else {
        re += "\\\\";
      }
    } else if (ch === "[" || ch === "]") {
      re += ch;
    } else if (QUOTE.test(ch)) {
      re += `\\${ch}`;
    } else {
      re += ch;
    }
  }
  re += "$";
  try {
    return new RegExp(re, "s");
  } catch (err) {
    throw new PatternError(`invalid pattern ${JSON.stringify(pattern)}`, { cause: err });
  }
}

export function compilePatterns(patterns: readonly string[]): Pattern[] {
  const out: Pattern[] = [];
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === "") continue;
    p = cleanPath(p);
    let exclusion = false;
    if (p.startsWith("!")) {
      if (p.length === 1) throw new PatternError('illegal exclusion pattern: "!"');
      exclusion = true;
      p = p.slice(1);
    }
    // dockerignore's reader drops a leading "/" (the context root); do it here too.
    if (p.length > 1 && p.startsWith("/")) p = cleanPath(p.slice(1));
    out.push({ text: p, exclusion, regexp: patternToRegExp(p) });
  }
  return out;
}

/** True when the patterns select `file` (slash-separated, relative) or one of its parents. */
export function matchesOrParentMatches(patterns: readonly Pattern[], file: string): boolean {
  let matched = false;
  const parent = posix.dirname(file);
  const parentDirs = parent.split("/");
  for (const pattern of patterns) {
    if (pattern.exclusion !== matched) continue;
    let match = pattern.regexp.test(file);
    if (!match && parent !== ".") {
      for (let i = 0; i < parentDirs.length; i++) {
        if (pattern.regexp.test(parentDirs.slice(0, i + 1).join("/"))) {
          match = true;
          break;
        }
      }
    }
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

export function hasExclusions(patterns: readonly Pattern[]): boolean {
  return patterns.some((p) => p.exclusion);
}

/**
 * Could an include pattern select something strictly below directory `dir`? Used to decide
 * whether a directory that is not itself included must still be walked.
 */
export function mayIncludeBelow(patterns: readonly Pattern[], dir: string): boolean {
  for (const p of patterns) {
    if (p.exclusion) continue;
    // A literal pattern only reaches below `dir` when it starts with `dir/`.
    if (!/[*?[\\]/.test(p.text)) {
      if (p.text.startsWith(`${dir}/`)) return true;
      continue;
    }
    // Wildcards: compare segment by segment as far as the literal prefix goes.
    const segs = p.text.split("/");
    const dsegs = dir.split("/");
    let possible = true;
    for (let i = 0; i < dsegs.length; i++) {
      const s = segs[i];
      if (s === undefined) {
        possible = false;
        break;
      }
      if (s.includes("**")) break;
      if (!patternToRegExp(s).test(dsegs[i]!)) {
        possible = false;
        break;
      }
    }
    if (possible) return true;
  }
  return false;
}

/**
 * Splits a metadata value the daemon sent. grpc-js joins repeated HTTP/2 headers with ", ";
 * when `<key>-encoded` is set each value is URL-query-escaped (so no literal commas remain).
 */
export function splitMetadataValues(values: readonly string[], encoded: boolean): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (encoded) {
      for (const part of v.split(",")) {
        const t = part.trim();
        if (t === "") continue;
        out.push(decodeURIComponent(t.replace(/\+/g, " ")));
      }
    } else {
      for (const part of v.split(", ")) if (part !== "") out.push(part);
    }
  }
  return out;
}
