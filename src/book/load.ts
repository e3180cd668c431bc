import { lstatSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { BookError, OptionError } from "../errors.js";
import { packageRoot, stagesDir } from "../paths.js";
import { dockerfileProblem } from "../text/dockerfile-value.js";
import { excerpt } from "../text/terminal.js";
import { readBookFile, realBookDir } from "./book-file.js";
import { KCONFIG_ACCEPTED, kconfigBadLine } from "./kconfig.js";
import { checkBookJson, checkSourcesJson } from "./schema.js";
import { parseScript } from "./script.js";
import type { Book, BookChapter, BookSection, Edition, EditionMark, EditionSection, SectionScript, SourceFile, StageName } from "./types.js";

/** A section script's name: its number and its page (as book.json spells pages); other files are strays. */
const SCRIPT_NAME = /^(\d+\.\d+)-([a-z0-9][a-z0-9._+-]*)\.sh$/;
const cache = new Map<string, Book>();

/** The book releases under stages/ (directories named lfs-<release>). */
export function availableReleases(): string[] {
  return readdirSync(stagesDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith("lfs-"))
    .map((d) => d.name.slice(4))
    .sort();
}

function readJson(realDir: string, file: string, shown: string): unknown {
  const text = readBookFile(realDir, file, shown);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BookError(shown, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** The kernel fragment of a book, "" when it has none (a dangling link is not "none": it is refused). */
function readKernelConfig(realDir: string, file: string, shown: string): string {
  try {
    lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
  }
  return readBookFile(realDir, file, shown);
}

/** Load a book release from stages/lfs-<release>/: section list, sources, scripts, kernel fragment. */
export function loadBook(release = "12.3"): Book {
  const releases = availableReleases();
  if (!releases.includes(release)) throw new OptionError("book release", release, releases);
  return loadBookDir(join(stagesDir(), `lfs-${release}`));
}

/** The default page address pattern: the book's own pages on linuxfromscratch.org. */
const LFS_PAGES = "https://www.linuxfromscratch.org/lfs/view/{release}{-systemd}/chapter{chapter}/{page}.html";

/**
 * Load a book from a directory in the stages/ format (book.json, sources.json, chapterNN/ scripts,
 * optional kernel.config; see stages/README.md): a release under stages/, or a book of the user's own
 * (a derived book, or a small test book). Script paths are given relative to the package root when the
 * book is inside it, else relative to the book's parent directory.
 */
export function loadBookDir(bookDir: string): Book {
  const dir = resolve(bookDir);
  const cached = cache.get(dir);
  if (cached) return cached;
  if (!existsSync(join(dir, "book.json")))
    throw new OptionError("book", bookDir, "a directory holding book.json, sources.json and chapterNN/ scripts (see stages/README.md)");
  const inside = !relative(packageRoot(), dir).startsWith("..");
  const root = inside ? packageRoot() : dirname(dir);
  // The book's directory is named in the Dockerfile's comments: one line, no control character.
  const dirProblem = dockerfileProblem(relative(root, dir), "line");
  if (dirProblem) throw new OptionError("book", bookDir, "a directory whose path holds no control character", dirProblem);
  const realDir = realBookDir(dir);
  const shown = (file: string) => relative(root, join(dir, file));
  const bookJson = checkBookJson(shown("book.json"), readJson(realDir, join(dir, "book.json"), shown("book.json")));
  const sources = checkSourcesJson(shown("sources.json"), readJson(realDir, join(dir, "sources.json"), shown("sources.json")));

  // Scripts, keyed by chapter and page.
  const scripts = new Map<string, SectionScript>();
  const strays: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const cm = /^chapter(\d\d)$/.exec(entry.name);
    if (!entry.isDirectory() || !cm) continue;
    const chapter = Number(cm[1]);
    for (const file of readdirSync(join(dir, entry.name)).sort()) {
      const path = relative(root, join(dir, entry.name, file));
      const m = SCRIPT_NAME.exec(file);
      if (!m) {
        strays.push(path);
        continue;
      }
      const [, fileNumber = "", page = ""] = m;
      if (!fileNumber.startsWith(`${chapter}.`)) throw new BookError(path, `section number ${fileNumber} is not in chapter ${chapter}`);
      const { header, body } = parseScript(path, readBookFile(realDir, join(root, path), path));
      scripts.set(`${chapter}/${page}`, { path, fileNumber, header, body });
    }
  }

  const known = new Set(sources.map((s) => s.file));
  const chapters: BookChapter[] = bookJson.chapters.map((c) => ({
    number: c.number,
    title: c.title,
    sections: c.sections.map((s): BookSection => {
      const key = `${c.number}/${s.page}`;
      const script = scripts.get(key);
      scripts.delete(key);
      if (script) {
        for (const f of [script.header.unpack, ...script.header.uses]) {
          if (f !== undefined && !known.has(f)) throw new BookError(script.path, `${f} is not a file of the book's sources (sources.json)`);
        }
      }
      const sbu = s.sbu !== undefined ? { sbu: s.sbu } : {};
      return { chapter: c.number, page: s.page, title: s.title, edition: s.edition, text: s.text === true, ...sbu, ...(script && { script }) };
    }),
  }));
  for (const s of scripts.values()) strays.push(s.path);

  const kernelFile = join(dir, "kernel.config");
  const kernelConfig = readKernelConfig(realDir, kernelFile, shown("kernel.config"));
  const kernelProblem = dockerfileProblem(kernelConfig, "text");
  if (kernelProblem) throw new BookError(shown("kernel.config"), `${kernelProblem}; accepted: ${KCONFIG_ACCEPTED}`);
  const badKconfig = kconfigBadLine(kernelConfig);
  if (badKconfig) throw new BookError(shown("kernel.config"), `line ${badKconfig.number}: got ${excerpt(badKconfig.line)}; accepted: ${KCONFIG_ACCEPTED}`);
  const book: Book = {
    release: bookJson.release,
    tag: bookJson.tag,
    title: bookJson.title ?? "Linux From Scratch",
    shell: bookJson.shell ?? "/bin/bash",
    pages: bookJson.pages ?? LFS_PAGES,
    path: dir,
    dir: relative(root, dir),
    chapters,
    sources,
    kernelConfig,
    strayScripts: strays,
  };
  checkNumbers(book);
  cache.set(dir, book);
  return book;
}

const inEdition = (mark: EditionMark, edition: Edition): boolean => mark === "both" || mark === edition;

/** Default stage of a section: chapters 4-6 on the host, 7 in the temporary system, 8 on in the final one. */
function defaultStage(chapter: number, page: string): StageName {
  if (chapter <= 6) return "host";
  if (chapter === 7) return page === "changingowner" ? "host" : "toolchain";
  return "system";
}

/** The sections of one edition, numbered as that edition of the book numbers them. */
export function editionSections(book: Book, edition: Edition): EditionSection[] {
  const out: EditionSection[] = [];
  for (const chapter of book.chapters) {
    let n = 0;
    for (const s of chapter.sections) {
      if (!inEdition(s.edition, edition)) continue;
      n++;
      const stage = s.script?.header.stage ?? defaultStage(chapter.number, s.page);
      // The kernel stage builds on the build machine and its result is installed into the final
      // system at the section's place: only sections of the final system's chapters can go there.
      if (stage === "kernel" && defaultStage(chapter.number, s.page) !== "system") {
        throw new BookError(s.script!.path, `@stage: kernel is for sections of the final system (chapter 8 on); ${chapter.number} is not`);
      }
      const user = s.script?.header.user ?? (chapter.number === 5 || chapter.number === 6 ? "lfs" : "root");
      out.push({ ...s, number: `${chapter.number}.${n}`, stage, user });
    }
  }
  return out;
}

/** The sources one edition needs. */
export function editionSources(book: Book, edition: Edition): SourceFile[] {
  return book.sources.filter((s) => inEdition(s.edition, edition));
}

/** A script's file number must be its section's number in the sysv edition (or systemd, for systemd-only ones). */
function checkNumbers(book: Book): void {
  const numbers = new Map<string, string>();
  for (const edition of ["systemd", "sysv"] as const) {
    for (const s of editionSections(book, edition)) numbers.set(`${s.chapter}/${s.page}`, s.number);
  }
  for (const chapter of book.chapters) {
    for (const s of chapter.sections) {
      if (!s.script) continue;
      const expected = numbers.get(`${chapter.number}/${s.page}`);
      if (s.text) throw new BookError(s.script.path, `section ${s.page} is explanatory only ("text" in book.json) and takes no script`);
      if (expected !== s.script.fileNumber) {
        throw new BookError(s.script.path, `file is numbered ${s.script.fileNumber} but the book numbers this section ${expected}`);
      }
    }
  }
}
