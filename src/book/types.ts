/** The book as data: sections, sources and the scripts that carry out each section. */

export type Edition = "sysv" | "systemd";
export type EditionMark = Edition | "both";
export type StageName = "host" | "toolchain" | "kernel" | "system";
export type SectionUser = "root" | "lfs";

export const EDITIONS: readonly Edition[] = ["sysv", "systemd"];
export const STAGE_NAMES: readonly StageName[] = ["host", "toolchain", "kernel", "system"];

/** A tarball or patch the book lists in chapter 3. */
export interface SourceFile {
  readonly kind: "package" | "patch";
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly url: string;
  readonly md5: string;
  readonly edition: EditionMark;
}

/** The header of a section script (`# @key: value` lines). */
export interface ScriptHeader {
  readonly unpack?: string;
  readonly dir?: string;
  readonly uses: readonly string[];
  readonly user?: SectionUser;
  readonly stage?: StageName;
  readonly container?: string;
  readonly secret?: string;
}

export interface SectionScript {
  /** Path relative to the package root, e.g. `stages/lfs-12.3/chapter05/5.2-binutils-pass1.sh`. */
  readonly path: string;
  /** The section number written in the file name. */
  readonly fileNumber: string;
  readonly header: ScriptHeader;
  /** The Handlebars template of the commands. */
  readonly body: string;
}

/** One section of the book as book.json lists it, with its script when it has one. */
export interface BookSection {
  readonly chapter: number;
  readonly page: string;
  readonly title: string;
  readonly edition: EditionMark;
  /** Explanatory only: no script expected. */
  readonly text: boolean;
  /** The book's approximate build time, in SBU (without the test suite), for the package pages. */
  readonly sbu?: number;
  readonly script?: SectionScript;
}

export interface BookChapter {
  readonly number: number;
  readonly title: string;
  readonly sections: readonly BookSection[];
}

export interface Book {
  readonly release: string;
  readonly tag: string;
  /** The book's name, as generated files and the ISO's boot menu show it ("Linux From Scratch"). */
  readonly title: string;
  /** The interpreter of every section's commands (default /bin/bash, as the book requires). */
  readonly shell: string;
  /**
   * Address pattern of a section's page: {release}, {-systemd} (empty for System V), {chapter} (two
   * digits) and {page} are replaced.
   */
  readonly pages: string;
  /** Directory of this book, relative to the package root for the books under stages/. */
  readonly dir: string;
  /** The same directory, absolute. */
  readonly path: string;
  readonly chapters: readonly BookChapter[];
  readonly sources: readonly SourceFile[];
  /** Default kernel configuration fragment (Kconfig lines). */
  readonly kernelConfig: string;
  /** Script files found under the release that match no section of book.json (a maintainer error). */
  readonly strayScripts: readonly string[];
}

/** A section as it appears in one edition: numbered, with its stage and user resolved. */
export interface EditionSection extends BookSection {
  /** The section number in this edition, e.g. "8.77". */
  readonly number: string;
  readonly stage: StageName;
  readonly user: SectionUser;
}
