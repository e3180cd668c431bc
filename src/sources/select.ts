import { availableReleases, editionSources, loadBook, loadBookDir } from "../book/load.js";
import { EDITIONS, type Edition, type SourceFile } from "../book/types.js";
import { OptionError } from "../errors.js";

/** Which files of which book: the edition's files, or a list given outright, narrowed by `only`. */
export interface SourceSelection {
  /** Book release under stages/ (default 12.3). Ignored when `files` or `book` is given. */
  release?: string;
  /** A book directory of your own in the stages/ format, instead of `release`. Ignored when `files` is given. */
  book?: string;
  /** Book edition (default sysv). Ignored when `files` is given. */
  init?: Edition | string;
  /** The files themselves (e.g. a test list), instead of a book's. */
  files?: readonly SourceFile[];
  /**
   * Keep only these: each a package or patch name as the book spells it (case does not matter, e.g.
   * "gcc" or "Bzip2 Documentation Patch") or a file name ("gcc-14.2.0.tar.xz"). An unknown name is an
   * `OptionError` listing the accepted names.
   */
  only?: readonly string[];
}

/** The source files a selection names, in the book's order. Throws `OptionError` for a bad release, edition or name. */
export function selectSources(sel: SourceSelection = {}): SourceFile[] {
  let files: readonly SourceFile[];
  if (sel.files !== undefined) {
    files = sel.files;
  } else {
    const init = sel.init ?? "sysv";
    if (!(EDITIONS as readonly string[]).includes(init)) throw new OptionError("init", init, EDITIONS);
    let book;
    if (sel.book !== undefined) {
      book = loadBookDir(sel.book);
      if (sel.release !== undefined && sel.release !== book.release) {
        throw new OptionError("release", sel.release, [book.release], `the book in ${sel.book} is release ${book.release}`);
      }
    } else {
      const release = sel.release ?? "12.3";
      const releases = availableReleases();
      if (!releases.includes(release)) throw new OptionError("release", release, releases);
      book = loadBook(release);
    }
    files = editionSources(book, init as Edition);
  }
  if (sel.only === undefined || sel.only.length === 0) return [...files];
  const wanted = new Set<SourceFile>();
  const unknown: string[] = [];
  for (const name of sel.only) {
    const key = name.trim().toLowerCase();
    const hits = files.filter((f) => f.name.toLowerCase() === key || f.file.toLowerCase() === key);
    if (hits.length === 0) unknown.push(name);
    for (const h of hits) wanted.add(h);
  }
  if (unknown.length > 0) {
    throw new OptionError(
      "--only",
      unknown.length === 1 ? unknown[0] : unknown.join(", "),
      files.map((f) => f.name),
      "not a package, patch or file name of this edition of the book",
    );
  }
  return files.filter((f) => wanted.has(f));
}
