/**
 * The schema of a book's JSON files (book.json, sources.json; see stages/README.md), checked when a
 * book is loaded: types, required fields, allowed characters (nothing that could break out of the
 * Dockerfile), plain file names, http(s) URLs, MD5 as 32 hex digits. Each refusal is one BookError
 * naming the file, the field and what is accepted.
 */
import type { EditionMark, SourceFile } from "./types.js";
import { asArray, asInteger, asObject, asOneOf, asString, at, fieldError, optionalString, RULES, type Place } from "./fields.js";

const EDITION_MARKS: readonly EditionMark[] = ["both", "sysv", "systemd"];
const KINDS: readonly SourceFile["kind"][] = ["package", "patch"];

export interface BookSectionJson {
  page: string;
  title: string;
  edition: EditionMark;
  text?: boolean;
  sbu?: number;
}
export interface BookChapterJson {
  number: number;
  title: string;
  sections: BookSectionJson[];
}
export interface BookJson {
  release: string;
  tag: string;
  title?: string;
  shell?: string;
  pages?: string;
  chapters: BookChapterJson[];
}

const RELEASE = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9._+-]*$/,
  max: 32,
  kind: "line",
  accepted: "a release name such as 12.3 (letters, digits, . _ + -)",
} as const;
const TAG = { pattern: /^[A-Za-z0-9][A-Za-z0-9._+-]*$/, max: 64, kind: "line", accepted: "a tag such as r12.3 (letters, digits, . _ + -)" } as const;
const TITLE = { max: 100, kind: "quoted", accepted: 'one line of at most 100 characters, without control characters, ", \\, $ or `' } as const;
const SHELL = { pattern: /^\/[A-Za-z0-9._+/-]*$/, max: 100, kind: "quoted", accepted: "an absolute path such as /bin/bash" } as const;
const PAGES = {
  pattern: /^\S+$/,
  max: 300,
  kind: "line",
  accepted: "an address pattern without spaces, with {release}, {-systemd}, {chapter}, {page}",
} as const;
const PAGE = {
  pattern: /^[a-z0-9][a-z0-9._+-]*$/,
  max: 64,
  kind: "line",
  accepted: "a page name such as binutils-pass1 (lower-case letters, digits, . _ + -)",
} as const;
const MD5 = { pattern: /^[0-9a-fA-F]{32}$/, max: 32, kind: "line", accepted: "an MD5 sum: 32 hexadecimal digits" } as const;
const VERSION = { pattern: /^[A-Za-z0-9._+~-]*$/, max: 64, kind: "line", accepted: "a version such as 2.3.2 (letters, digits, . _ + ~ -), or empty" } as const;
const URL_RULE = {
  pattern: /^https?:\/\/[^\s"'\\<>`{}|^]+$/,
  max: 2000,
  kind: "line",
  accepted: "an http:// or https:// URL without spaces, quotes or backslashes",
} as const;

function section(p: Place, value: unknown): BookSectionJson {
  const o = asObject(p, value, ["page", "title", "edition", "text", "sbu"]);
  if (o.text !== undefined && typeof o.text !== "boolean") throw fieldError(at(p, "text"), "true or false", o.text);
  if (o.sbu !== undefined && !(typeof o.sbu === "number" && Number.isFinite(o.sbu) && o.sbu >= 0))
    throw fieldError(at(p, "sbu"), "a number of SBU, 0 or more", o.sbu);
  return {
    page: asString(at(p, "page"), o.page, PAGE),
    title: asString(at(p, "title"), o.title, RULES.line(200)),
    edition: asOneOf(at(p, "edition"), o.edition, EDITION_MARKS),
    ...(o.text !== undefined && { text: o.text as boolean }),
    ...(o.sbu !== undefined && { sbu: o.sbu as number }),
  };
}

function chapter(p: Place, value: unknown): BookChapterJson {
  const o = asObject(p, value, ["number", "title", "sections"]);
  const sections = asArray(at(p, "sections"), o.sections).map((s, i) => section(at(at(p, "sections"), i), s));
  const pages = new Set<string>();
  for (const [i, s] of sections.entries()) {
    if (pages.has(s.page)) throw fieldError(at(at(at(p, "sections"), i), "page"), "a page name used once in its chapter", s.page, "given twice");
    pages.add(s.page);
  }
  return { number: asInteger(at(p, "number"), o.number, 1, 99), title: asString(at(p, "title"), o.title, RULES.line(200)), sections };
}

/** Check the parsed book.json (`file` names it in errors). */
export function checkBookJson(file: string, value: unknown): BookJson {
  const p: Place = { file, path: "" };
  const o = asObject(p, value, ["release", "tag", "title", "shell", "pages", "chapters"]);
  const chapters = asArray(at(p, "chapters"), o.chapters).map((c, i) => chapter(at(at(p, "chapters"), i), c));
  const numbers = new Set<number>();
  for (const [i, c] of chapters.entries()) {
    if (numbers.has(c.number)) throw fieldError(at(at(at(p, "chapters"), i), "number"), "a chapter number used once", c.number, "given twice");
    numbers.add(c.number);
  }
  const title = optionalString(at(p, "title"), o.title, TITLE);
  const shell = optionalString(at(p, "shell"), o.shell, SHELL);
  const pages = optionalString(at(p, "pages"), o.pages, PAGES);
  return {
    release: asString(at(p, "release"), o.release, RELEASE),
    tag: asString(at(p, "tag"), o.tag, TAG),
    ...(title !== undefined && { title }),
    ...(shell !== undefined && { shell }),
    ...(pages !== undefined && { pages }),
    chapters,
  };
}

function sourceUrl(p: Place, value: unknown): string {
  const url = asString(p, value, URL_RULE);
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(u.protocol);
    if (u.username !== "" || u.password !== "") throw fieldError(p, URL_RULE.accepted, url, "credentials in a book's URL would be printed in the Dockerfile");
  } catch (err) {
    if (err instanceof Error && err.name === "BookError") throw err;
    throw fieldError(p, URL_RULE.accepted, url, "not a valid URL");
  }
  return url;
}

function sourceFile(p: Place, value: unknown): SourceFile {
  const o = asObject(p, value, ["kind", "name", "version", "file", "url", "md5", "edition"]);
  return {
    kind: asOneOf(at(p, "kind"), o.kind, KINDS),
    name: asString(at(p, "name"), o.name, RULES.line(100)),
    version: asString(at(p, "version"), o.version, VERSION),
    file: asString(at(p, "file"), o.file, RULES.fileName),
    url: sourceUrl(at(p, "url"), o.url),
    md5: asString(at(p, "md5"), o.md5, MD5),
    edition: asOneOf(at(p, "edition"), o.edition, EDITION_MARKS),
  };
}

/** Check the parsed sources.json (`file` names it in errors); file names are unique. */
export function checkSourcesJson(file: string, value: unknown): SourceFile[] {
  const p: Place = { file, path: "" };
  const o = asObject(p, value, ["release", "source", "files"]);
  if (o.release !== undefined) asString(at(p, "release"), o.release, RELEASE);
  if (o.source !== undefined) asString(at(p, "source"), o.source, RULES.line(300));
  const files = asArray(at(p, "files"), o.files).map((f, i) => sourceFile(at(at(p, "files"), i), f));
  const names = new Set<string>();
  for (const [i, f] of files.entries()) {
    if (names.has(f.file)) throw fieldError(at(at(at(p, "files"), i), "file"), "a file name listed once", f.file, "given twice");
    names.add(f.file);
  }
  return files;
}
