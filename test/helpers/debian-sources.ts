/**
 * The sources chapter 5 of LFS 12.3 needs, made from Debian's package archive, for tests that build the
 * real book on a machine that cannot reach the book's download sites (see
 * test/fixtures/debian-sources.json for what each stand-in is and how far it is the upstream release).
 *
 * The archive is the one apt uses on this machine (read from /etc/apt/sources.list{,.d}; override with
 * LFS_DEBIAN_MIRROR): no host name is written in this repository. Downloads are checked against the
 * fixture's SHA-256 and kept in a cache outside the repository ($LFS_TEST_CACHE, default
 * /var/cache/lfs-docker-test, or ~/.cache/lfs-docker-test when that is not writable), and so are the
 * prepared files, so a second run does no network and no repacking. Every file is written under a
 * temporary name and renamed into place once complete and verified.
 *
 * Needs GNU tar and xz on the machine running the tests.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { packageRoot } from "../../src/paths.js";
import { run } from "./engine.js";

/** Bump when the preparation below changes, so prepared files in existing caches are made again. */
const RECIPE_VERSION = 2;

export interface Prepare {
  kind: "copy" | "extract" | "repack" | "assemble" | "stand-in" | "stand-in-file" | "stand-in-tree";
  /**
   * The member of the Debian tarball that is (extract) or holds (repack) the book's package, itself a
   * tarball, and its SHA-256.
   */
  member?: string;
  memberSha256?: string;
  /** repack: the Debian tree's top directory, and the book's (what `tar -xf FILE; cd DIR` expects). */
  fromTopDir?: string;
  topDir?: string;
  /**
   * assemble: the book's top directory `topDir` is made of parts of the Debian tree (path inside the
   * book's top directory, "." for the directory itself -> path inside the Debian tarball, its top
   * directory included), copied with their modes and times; then as repack (renames, standIns, edits,
   * regenerate, packed uncompressed).
   */
  take?: Record<string, string>;
  /** repack, assemble: files of the tree moved before the stand-ins are added (path -> new path, inside the top directory). */
  renames?: Record<string, string>;
  /**
   * repack, assemble: files added to the tree (path inside the top directory -> stand-in id, see
   * STAND_INS); a text starting with `#!` is made executable, and one written where `renames` moved a
   * file away takes that file's time.
   */
  standIns?: Record<string, string>;
  /**
   * repack, assemble: a command run in the tree on this machine after the edits (e.g. ["autoreconf",
   * "-fi"] for a Debian orig that is a git snapshot without the generated build files); the files it
   * writes get one time, a second after the tree's newest, so `make` sees them up to date.
   */
  regenerate?: string[];
  /** repack: files of the tree changed by the helper (path inside the top directory -> edit id, see EDITS). */
  edits?: Record<string, string>;
  /** stand-in: the whole file is a stand-in text. */
  standIn?: string;
  /**
   * stand-in-file: the file is test/fixtures/stand-ins/<path>, as is. stand-in-tree: the file is the
   * directory test/fixtures/stand-ins/<path> packed as a tarball whose top directory is `topDir`
   * (deterministic: sorted names, fixed time, owner 0), compressed as the file's name says.
   */
  path?: string;
}

export interface DebianSource {
  source: string | null;
  debianVersion?: string;
  pool?: string;
  size?: number;
  sha256?: string;
  upstreamIdentical: boolean;
  substitutedVersion?: string;
  substitutedReason?: string;
  prepare: Prepare;
}

export interface DebianSourcesManifest {
  description: string;
  book: string;
  debianSuite: string;
  notes: string[];
  files: Record<string, DebianSource>;
}

/**
 * Texts this test writes itself where Debian lacks a file. None is copied from Debian or from LFS.
 */
export const STAND_INS: Record<string, string> = {
  // Stands in for glibc-2.41-fhs-1.patch: that is an LFS patch, Debian does not carry it, and the LFS
  // patch server is unreachable from the test machines. This is NOT the LFS patch, only a small patch of
  // our own in the same spirit (an FHS path default), so that the book's `patch -Np1 -i
  // ../glibc-2.41-fhs-1.patch` in section 5.5 applies a real change to glibc 2.41.
  "glibc-fhs-patch": `Stand-in for glibc-2.41-fhs-1.patch, written by lfs-docker's tests (test/helpers/debian-sources.ts)
because the LFS patch server cannot be reached from the test machines. It is not the LFS patch.

It makes one FHS-style change: the default directory for variable databases (_PATH_VARDB, used by
makedb and the db NSS module) moves from /var/db/, which the FHS does not define, to /var/lib/misc/.

--- glibc-2.41.orig/sysdeps/unix/sysv/linux/paths.h
+++ glibc-2.41/sysdeps/unix/sysv/linux/paths.h
@@ -68,7 +68,7 @@
 /* Provide trailing slash, since mostly used for building pathnames. */
 #define	_PATH_DEV	"/dev/"
 #define	_PATH_TMP	"/tmp/"
-#define	_PATH_VARDB	"/var/db/"
+#define	_PATH_VARDB	"/var/lib/misc/"
 #define	_PATH_VARRUN	"/var/run/"
 #define	_PATH_VARTMP	"/var/tmp/"
 
`,
  // Debian's gmp orig has no doc/ (the manual is GFDL), but gmp's configure still writes doc/Makefile
  // and its Makefile still recurses into doc/: this Makefile.in accepts any target and does nothing.
  "gmp-doc-makefile": `# Stand-in for gmp's doc/Makefile.in, written by lfs-docker's tests (test/helpers/debian-sources.ts):
# Debian's gmp orig tarball leaves out doc/ (the GMP manual), so this directory builds nothing.
all:
	@:
.DEFAULT:
	@:
`,
  // Debian's make-dfsg orig has no doc/ at all (the GNU Make manual is GFDL), but configure still writes
  // doc/Makefile and the top Makefile recurses into doc/: this Makefile.in accepts any target, does nothing.
  "make-doc-makefile": `# Stand-in for make's doc/Makefile.in, written by lfs-docker's tests (test/helpers/debian-sources.ts):
# Debian's make-dfsg orig tarball leaves out doc/ (the GNU Make manual), so this directory builds nothing.
all:
	@:
.DEFAULT:
	@:
`,
  // ... and the top Makefile installs doc/make.1 as its man page (man_MANS): a short page of our own.
  "make-man-page": `.\\" Stand-in for make's doc/make.1, written by lfs-docker's tests (test/helpers/debian-sources.ts):
.\\" Debian's make-dfsg orig tarball has no doc/ directory. Not the GNU Make manual page.
.TH MAKE 1 "" "GNU make 4.4.1" "lfs-docker test build"
.SH NAME
make \\- maintain program dependencies (stand-in page of a test build)
.SH DESCRIPTION
This system was built by lfs-docker's tests from Debian's copy of GNU make 4.4.1, which leaves out the
manual; see https://www.gnu.org/software/make/manual/ for the real documentation.
`,
  // Debian's glibc orig has no manual/ (GFDL), but glibc's Makefile recurses into every directory of
  // Makeconfig's all-subdirs, manual/ included: an empty glibc subdirectory (no libc.info is made).
  "glibc-manual-makefile": `# Stand-in for glibc's manual/Makefile, written by lfs-docker's tests (test/helpers/debian-sources.ts):
# Debian's glibc orig tarball leaves out manual/ (the glibc manual), so this subdirectory has nothing to
# build or install.
subdir := manual

include ../Makeconfig
include ../Rules
`,
  // Debian's linux orig leaves out drivers/video/fbdev/nvidia and .../riva (debian/copyright:
  // Files-Excluded), but drivers/video/fbdev/Makefile still names them, and the book's `make mrproper`
  // descends into every directory it names: an empty kbuild Makefile for each.
  "linux-excluded-dir-makefile": `# Stand-in written by lfs-docker's tests (test/helpers/debian-sources.ts): Debian's linux orig
# tarball leaves this directory out, and kbuild's clean targets still descend into it. Nothing to build.
`,
  // Debian's tcl8.6 orig leaves out pkgs/* (the bundled packages: itcl, tdbc, thread, sqlite), so tcl's
  // make builds none of them and writes no unix/pkgs/*/…Config.sh; the book's 8.16 still runs `sed -i`
  // on two of them. These files only let those seds run: nothing reads them, no package is installed.
  "tcl-missing-pkg-config": `# Stand-in written by lfs-docker's tests (test/helpers/debian-sources.ts): Debian's tcl8.6 orig
# tarball leaves out the bundled packages (pkgs/), so this package is not built and its configuration
# file is not generated. This file only gives the book's sed something to edit.
`,
  // wheel-0.45.1.tar.gz is made of the copy of wheel 0.45.1 that Debian's setuptools 78.1.1 vendors
  // (setuptools/_vendor/wheel/, which matches the RECORD of its wheel-0.45.1.dist-info): no wheel pool
  // file is reachable. The vendored copy has no pyproject.toml: this one of ours describes the package
  // as the dist-info's METADATA and entry_points.txt do, for flit_core (the book builds it with pip3).
  "wheel-pyproject": `# Stand-in written by lfs-docker's tests (test/helpers/debian-sources.ts); not wheel's own file.
# This tree is wheel 0.45.1 as vendored by setuptools 78.1.1 (Debian's setuptools source): the package
# (src/wheel) and LICENSE.txt are wheel's; this file describes it for flit_core, as its METADATA and
# entry_points.txt say, so that pip can build and install it.
[build-system]
requires = ["flit_core >=3.8,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "wheel"
version = "0.45.1"
description = "A built-package format for Python"
requires-python = ">=3.8"
license = "MIT"
license-files = ["LICENSE.txt"]

[project.scripts]
wheel = "wheel.cli:main"

[project.entry-points."distutils.commands"]
bdist_wheel = "wheel.bdist_wheel:bdist_wheel"
`,
  // bc-7.0.3.tar.xz is GNU bc 1.07.1 (Debian's bc): Gavin Howard's bc, the book's, is in no Debian
  // suite. The book runs that bc's configure (`CC=gcc ./configure --prefix=/usr -G -O3 -r`), whose
  // options GNU bc's configure does not take: the repack moves GNU bc's configure to configure.gnu and
  // puts this script of ours in its place, which maps the options onto GNU bc's and runs it.
  "bc-configure": `#!/bin/sh
# Stand-in written by lfs-docker's tests (test/helpers/debian-sources.ts); not part of GNU bc.
#
# This tree is GNU bc 1.07.1 (Debian's bc source) under the name of Gavin Howard's bc 7.0.3, which the
# LFS book builds and which is not in Debian. The book runs that bc's configure; this script takes its
# options and runs GNU bc's own configure script, configure.gnu, with their nearest equivalents:
#   -G (skip the generated tests)   nothing: GNU bc has no generated tests
#   -O LEVEL, -OLEVEL               CFLAGS="$CFLAGS -OLEVEL"
#   -r (readline)                   --with-readline
#   --prefix=DIR and other --opts   passed on as they are
# CC and the other variables in the environment are passed on too.
#
# GNU bc's configure refuses readline unless lex is flex, which LFS installs only after bc (8.15). The
# scanner, bc/scan.c, comes generated in the tarball (newer than scan.l), so flex is never run: when
# flex is not on PATH, its configure checks are answered through autoconf's cache variables.
set -e
here=$(cd "$(dirname "$0")" && pwd)
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")"; }
args=
opt=
readline=no
want_level=no
for a in "$@"; do
  if [ "$want_level" = yes ]; then opt="-O$a"; want_level=no; continue; fi
  case $a in
    -G) ;;
    -O) want_level=yes ;;
    -O?*) opt="$a" ;;
    -r) readline=yes ;;
    --*) args="$args $(quote "$a")" ;;
    *) echo "configure (lfs-docker stand-in for bc 7.0.3's): option $a is not supported; see the top of $0" >&2; exit 1 ;;
  esac
done
if [ -n "$opt" ]; then CFLAGS="\${CFLAGS:+$CFLAGS }$opt"; export CFLAGS; fi
if [ "$readline" = yes ]; then
  args="$args --with-readline"
  if ! command -v flex >/dev/null 2>&1; then
    ac_cv_prog_LEX=flex ac_cv_prog_lex_root=lex.yy ac_cv_lib_lex='none needed' ac_cv_prog_lex_yytext_pointer=yes
    export ac_cv_prog_LEX ac_cv_prog_lex_root ac_cv_lib_lex ac_cv_prog_lex_yytext_pointer
  fi
fi
echo "configure (lfs-docker stand-in): GNU bc 1.07.1's configure$args\${CFLAGS:+ with CFLAGS=$CFLAGS}"
eval "exec \\"\\$here/configure.gnu\\" $args"
`,
};

/**
 * Changes this test makes to files of a Debian tree where Debian's removals break the book's commands;
 * each says why, throws when the text it changes is not found, and keeps the file's timestamps.
 */
export const EDITS: Record<string, (text: string) => string> = {
  // GNU bc (bc-7.0.3.tar.xz here, see the stand-in bc-configure) makes bc/libmath.h at build time and
  // quotes it into a C string with fix-libmath_h, an `ed` script; LFS has no ed (Debian's bc build
  // depends on it). The same five steps with sed, which LFS has.
  "bc-fix-libmath-sed": (text) => {
    if (!text.includes("ed libmath.h <<EOS-EOS")) throw new Error("bc/fix-libmath_h: not the ed script this edit replaces");
    return [
      "# lfs-docker test: the ed script of GNU bc 1.07.1 done with sed (LFS has no ed): the first line",
      '# starts with {", every line ends with ", and the others start with "; the last line goes, and',
      "# the new last line ends with ,0} instead of ,",
      "sed -e '1s/^/{\"/' -e 's/$/\",/' -e '2,$s/^/\"/' libmath.h | sed -e '$d' | sed -e '$s/,$/,0}/' > libmath.h.lfs-docker",
      "mv libmath.h.lfs-docker libmath.h",
      "",
    ].join("\n");
  },
  // ... and GNU bc has no `make test` (the book's bc has): a target of ours that checks bc -l computes.
  "bc-make-test": (text) => {
    if (!text.includes("\ncheck: check-recursive\n") || /\ntest:/.test(text)) throw new Error("bc Makefile.in: unexpected check/test targets");
    return `${text}
# lfs-docker test: GNU bc has no test suite run by make (the book's bc 7.0.3, Gavin Howard's, has
# make test); this target checks that the bc just built computes with its math library.
test: all
	@r=\`echo 'scale=10; 4*a(1)' | ./bc/bc -l\`; echo "bc -l: 4*a(1) = $$r"; test "$$r" = 3.1415926532
.PHONY: test
`;
  },
  // Debian's gcc tree has a GFDL-free dummy gcc/doc/tm.texi.in (and tm.texi), and gcc's s-tm-texi rule
  // fails on it ("genhooks: No place specified to document hook ..."): it checks that the manual documents
  // every target hook. The rule only guards the documentation; here it just records its stamp.
  "gcc-s-tm-texi-rule": (text) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("s-tm-texi: build/genhooks$(build_exeext) $(srcdir)/doc/tm.texi.in"));
    if (start < 0) throw new Error("gcc/Makefile.in: no s-tm-texi rule");
    let end = start + 1;
    while (end < lines.length && lines[end]!.startsWith("\t")) end++;
    if (end - start < 3) throw new Error("gcc/Makefile.in: the s-tm-texi rule has an unexpected shape");
    const recipe = [
      "\t@echo 'lfs-docker test: gcc/doc/tm.texi.in is a GFDL-free dummy (Debian source); the hook documentation check is skipped' >&2",
      "\t$(STAMP) $@",
    ];
    return [...lines.slice(0, start + 1), ...recipe, ...lines.slice(end)].join("\n");
  },
  // Debian's gawk orig has no manuals (doc/gawktexi.in and the other .texi and .info files are GFDL),
  // but doc/Makefile.in still makes and installs the four info manuals: they leave INFO_DEPS, so `make`
  // builds and installs the man pages only.
  "gawk-doc-no-manuals": (text) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("INFO_DEPS = $(srcdir)/gawk.info"));
    if (start < 0) throw new Error("gawk doc/Makefile.in: no INFO_DEPS line");
    let end = start;
    while (lines[end]!.endsWith("\\")) end++;
    const replacement = ["# lfs-docker test: Debian's gawk source has no manuals (GFDL); the info files are not made", "INFO_DEPS ="];
    return [...lines.slice(0, start), ...replacement, ...lines.slice(end + 1)].join("\n");
  },
  // ... and awklib/ extracts its example programs from the manual again when the manual is newer than
  // its stamp: the extracted programs (awklib/eg/) and the stamp are in the tarball, so the stamp loses
  // its prerequisites on the missing manual.
  "gawk-awklib-stamp-eg": (text) => {
    const rule = "$(srcdir)/stamp-eg: $(srcdir)/../doc/gawktexi.in $(srcdir)/../doc/gawkinet.texi";
    if (!text.includes(`\n${rule}\n`)) throw new Error("gawk awklib/Makefile.in: no stamp-eg rule");
    return text.replace(`\n${rule}\n`, "\n# lfs-docker test: the manual is not in Debian's gawk source; awklib/eg/ comes extracted\n$(srcdir)/stamp-eg:\n");
  },
  // Debian's bison orig has no doc/bison.texi and no doc/bison.info (GFDL), but the top Makefile.in
  // still makes and installs the info manual, post-processes it with perl (all-local), and extracts
  // the example grammars from the manual when examples/extracted.stamp is older than it. The info
  // manual leaves INFO_DEPS, all-local does nothing, and the stamp loses its prerequisites (the
  // extracted examples and the stamp are in the tarball), so `make` needs neither makeinfo nor perl.
  "bison-no-manual": (text) => {
    let out = text;
    const swaps: [string, string][] = [
      ["\nINFO_DEPS = $(srcdir)/doc/bison.info\n", "\n# lfs-docker test: Debian's bison source has no manual (GFDL); the info file is not made\nINFO_DEPS =\n"],
      ["\nall-local: $(srcdir)/$(doc_bison).info.bak\n", "\n# lfs-docker test: no manual, nothing to post-process\nall-local:\n"],
      [
        "\nexamples/extracted.stamp: $(doc) doc/version.texi $(extexi)\n",
        "\n# lfs-docker test: the manual is not in Debian's bison source; the examples come extracted\nexamples/extracted.stamp:\n",
      ],
    ];
    for (const [from, to] of swaps) {
      if (!out.includes(from)) throw new Error(`bison Makefile.in: no line ${from.trim()}`);
      out = out.replace(from, to);
    }
    return out;
  },
};

/** Where the stand-in files and trees written for this test live (Prepare.path is relative to it). */
export const standInsDir = (): string => join(packageRoot(), "test", "fixtures", "stand-ins");

/** Every file under `dir` (relative names, sorted) with its mode and content, for cache keys. */
function treeDigest(dir: string): string {
  const h = createHash("sha256");
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else
        h.update(`${r}\0${statSync(join(dir, r)).mode & 0o111 ? "x" : "-"}\0`)
          .update(readFileSync(join(dir, r)))
          .update("\0");
    }
  };
  if (statSync(dir).isDirectory()) walk("");
  else h.update(readFileSync(dir));
  return h.digest("hex");
}

/** Fixed time of every member of a packed stand-in tree: 2025-03-05, the release of LFS 12.3. */
const STAND_IN_MTIME = "@1741132800";

/** Pack the stand-in tree `src` as `dest` (top directory `topDir`), compressed as dest's name says. */
async function packStandInTree(src: string, dest: string, topDir: string): Promise<void> {
  const compressor = dest.endsWith(".xz") ? "xz -T1 -6" : dest.endsWith(".gz") ? "gzip -n -9" : dest.endsWith(".bz2") ? "bzip2 -9" : undefined;
  if (!compressor && !dest.endsWith(".tar")) throw new Error(`${dest}: no compression known for this name`);
  const esc = src
    .split("/")
    .pop()!
    .replace(/[.[\]*^$\\]/g, "\\$&");
  const tmp = tmpName(dest);
  try {
    await tar([
      "-cf",
      tmp,
      "--format=gnu",
      "--sort=name",
      `--mtime=${STAND_IN_MTIME}`,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mode=u+rw,go+r,go-w",
      `--transform=s|^${esc}|${topDir}|S`,
      ...(compressor ? [`--use-compress-program=${compressor}`] : []),
      "-C",
      dirname(src),
      src.split("/").pop()!,
    ]);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

export const manifestPath = (): string => join(packageRoot(), "test", "fixtures", "debian-sources.json");

export function loadManifest(): DebianSourcesManifest {
  return JSON.parse(readFileSync(manifestPath(), "utf8")) as DebianSourcesManifest;
}

/** The cache directory: $LFS_TEST_CACHE, else /var/cache/lfs-docker-test, else ~/.cache/lfs-docker-test. */
export function testCacheDir(): string {
  if (process.env.LFS_TEST_CACHE) return resolve(process.env.LFS_TEST_CACHE);
  const system = "/var/cache/lfs-docker-test";
  try {
    const parent = dirname(system);
    if (existsSync(system) ? isWritableDir(system) : isWritableDir(parent)) return system;
  } catch {
    /* fall through */
  }
  return join(homedir(), ".cache", "lfs-docker-test");
}

function isWritableDir(dir: string): boolean {
  try {
    const s = statSync(dir);
    if (!s.isDirectory()) return false;
    if (process.getuid?.() === 0) return true;
    return (s.mode & 0o002) !== 0 || (s.uid === process.getuid?.() && (s.mode & 0o200) !== 0);
  } catch {
    return false;
  }
}

/** Split deb822 text into stanzas of (lower-cased) field -> value. */
function deb822(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const raw of text.split("\n")) {
    if (raw.startsWith("#")) continue;
    if (raw.trim() === "") {
      if (cur.size) out.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last) {
      cur.set(last, `${cur.get(last)} ${raw.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
    if (m) {
      last = m[1]!.toLowerCase();
      cur.set(last, m[2]!.trim());
    }
  }
  if (cur.size) out.push(cur);
  return out;
}

/**
 * The Debian archive apt uses here: the `URIs:` of the deb822 entry (/etc/apt/sources.list.d/*.sources)
 * whose Suites include `suite` exactly (so not `suite-security`), else the URI of a one-line
 * `deb URI suite ...` entry in /etc/apt/sources.list{,.d/*.list}. LFS_DEBIAN_MIRROR overrides.
 */
export function debianArchiveUri(suite = "bookworm"): string {
  const override = process.env.LFS_DEBIAN_MIRROR;
  if (override) return override.replace(/\/+$/, "");
  const dir = "/etc/apt/sources.list.d";
  const files = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((f) => join(dir, f))
    : [];
  for (const f of files.filter((f) => f.endsWith(".sources"))) {
    for (const st of deb822(readFileSync(f, "utf8"))) {
      if ((st.get("enabled") ?? "yes").toLowerCase() === "no") continue;
      const types = (st.get("types") ?? "").split(/\s+/);
      const suites = (st.get("suites") ?? "").split(/\s+/);
      const uri = (st.get("uris") ?? "").split(/\s+/).find((u) => /^https?:\/\//.test(u));
      if (types.includes("deb") && suites.includes(suite) && uri) return uri.replace(/\/+$/, "");
    }
  }
  for (const f of ["/etc/apt/sources.list", ...files.filter((f) => f.endsWith(".list"))]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n")) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)\s+(\S+)/.exec(line);
      if (m && m[2] === suite) return m[1]!.replace(/\/+$/, "");
    }
  }
  throw new Error(`no Debian archive for suite ${suite} in /etc/apt/sources.list{,.d}; set LFS_DEBIAN_MIRROR to its URI`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmpName = (final: string) => `${final}.part-${process.pid}-${randomBytes(4).toString("hex")}`;

export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(file), h);
  return h.digest("hex");
}

/**
 * Download `url` to `dest` (through a temporary name), checking size and SHA-256; an existing `dest`
 * with the right checksum is kept. Retries network errors and 5xx answers; a 4xx is final.
 */
export async function downloadVerified(
  url: string,
  dest: string,
  sha256: string,
  size: number | undefined,
  log: (m: string) => void,
  attempts = 4,
): Promise<void> {
  if (existsSync(dest)) {
    if ((await sha256File(dest)) === sha256) return;
    log(`${dest}: checksum differs from the manifest; downloading again`);
    await rm(dest, { force: true });
  }
  await mkdir(dirname(dest), { recursive: true });
  let lastError: unknown;
  for (let i = 1; i <= attempts; i++) {
    const tmp = tmpName(dest);
    try {
      const t0 = Date.now();
      const res = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
      if (!res.ok || !res.body) {
        const err = new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
        if (res.status >= 400 && res.status < 500) {
          (err as Error & { final?: boolean }).final = true;
        }
        throw err;
      }
      const hash = createHash("sha256");
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), tap, createWriteStream(tmp));
      const got = hash.digest("hex");
      if (size !== undefined && bytes !== size) throw new Error(`GET ${url}: ${bytes} bytes, the manifest says ${size}`);
      if (got !== sha256) {
        const err = new Error(`GET ${url}: SHA-256 ${got}, the manifest says ${sha256}`);
        (err as Error & { final?: boolean }).final = true;
        throw err;
      }
      await rename(tmp, dest);
      log(`downloaded ${url} (${(bytes / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s), SHA-256 verified`);
      return;
    } catch (e) {
      lastError = e;
      await rm(tmp, { force: true });
      if ((e as { final?: boolean }).final || i === attempts) break;
      log(`download failed (${(e as Error).message}); retry ${i}/${attempts - 1}`);
      await sleep(2000 * i);
    }
  }
  const hint = String((lastError as Error)?.message ?? lastError).includes("HTTP 404")
    ? " (the version may have left the archive: see the last note in test/fixtures/debian-sources.json)"
    : "";
  throw new Error(`${(lastError as Error)?.message ?? lastError}${hint}`);
}

async function tar(args: string[]): Promise<void> {
  const r = await run("tar", args, { timeoutMs: 30 * 60_000 });
  if (r.code !== 0) throw new Error(`tar ${args.join(" ")}: exit ${r.code}\n${r.stderr.slice(-4000)}`);
}

/**
 * Unpack, rename the top directory (repack) or make it of parts of the tree (assemble: Prepare.take),
 * move files, add stand-ins, edit, regenerate, pack again (uncompressed, deterministic order and owners).
 */
async function repack(src: string, dest: string, p: Prepare, work: string): Promise<void> {
  const to = p.topDir!;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    let root: string;
    if (p.take) {
      const debian = join(work, ".debian");
      const members = [...new Set(Object.values(p.take))];
      await mkdir(debian);
      await tar(["-xf", src, "-C", debian, "--no-same-owner", ...members]);
      root = join(work, to);
      const entries = Object.entries(p.take).sort(([a], [b]) => (a === "." ? -1 : b === "." ? 1 : a < b ? -1 : a > b ? 1 : 0));
      if (!entries.length) throw new Error("take: nothing to take");
      if (entries[0]![0] !== ".") await mkdir(root);
      for (const [rel, from] of entries) {
        const target = rel === "." ? root : join(root, rel);
        if (rel !== ".") await mkdir(dirname(target), { recursive: true });
        const r = await run("cp", ["-a", "--", join(debian, from), target], { timeoutMs: 10 * 60_000 });
        if (r.code !== 0) throw new Error(`${src}: cannot take ${from}: ${r.stderr.trim()}`);
      }
      await rm(debian, { recursive: true, force: true });
      // Directories made here, or by tar for a member without an entry of its own, would carry the time
      // of this run: every directory gets the time of the newest file, for a reproducible archive.
      const t = Math.floor(await newestFileTime(root));
      const r = await run("find", [root, "-type", "d", "-exec", "touch", "-d", `@${t}`, "{}", "+"], { timeoutMs: 10 * 60_000 });
      if (r.code !== 0) throw new Error(`touch ${root}: ${r.stderr}`);
    } else {
      const from = p.fromTopDir!;
      await tar(["-xf", src, "-C", work, "--no-same-owner"]);
      const top = await readdir(work);
      if (top.length !== 1 || top[0] !== from) throw new Error(`${src}: expected one top directory ${from}/, found ${top.join(", ")}`);
      if (from !== to) await rename(join(work, from), join(work, to));
      root = join(work, to);
    }
    const { mtime } = await stat(root);
    const movedAway = new Map<string, Date>();
    for (const [rel, newRel] of Object.entries(p.renames ?? {})) {
      const file = join(root, rel);
      const target = join(root, newRel);
      if (existsSync(target)) throw new Error(`${src}: cannot move ${rel} to ${newRel}: it exists`);
      movedAway.set(rel, (await stat(file)).mtime);
      await rename(file, target);
    }
    for (const [rel, id] of Object.entries(p.standIns ?? {})) {
      const text = STAND_INS[id];
      if (text === undefined) throw new Error(`unknown stand-in ${id}`);
      const file = join(root, rel);
      if (existsSync(file)) throw new Error(`${src}: ${rel} exists; the stand-in would replace a real file`);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, { mode: text.startsWith("#!") ? 0o755 : 0o644 });
      // same timestamps as the tree's top directory (or as the file moved away), for a reproducible archive
      for (let d = file; d.length >= root.length; d = dirname(d)) await utimes(d, mtime, mtime);
      const was = movedAway.get(rel);
      if (was) await utimes(file, was, was);
    }
    for (const [rel, id] of Object.entries(p.edits ?? {})) {
      const edit = EDITS[id];
      if (!edit) throw new Error(`unknown edit ${id}`);
      const file = join(root, rel);
      const before = await stat(file);
      await writeFile(file, edit(await readFile(file, "utf8")));
      await utimes(file, before.atime, before.mtime);
    }
    if (p.regenerate) await regenerate(root, p.regenerate);
    await utimes(root, mtime, mtime);
    const tmp = tmpName(dest);
    try {
      await tar(["-cf", tmp, "--format=gnu", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", work, to]);
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The tools Prepare.regenerate runs, with the Debian packages that have them. */
const REGENERATE_TOOLS = "autoconf automake libtool autopoint gettext pkg-config";

/** The versions of the autotools on this machine (part of the cache key of a regenerated file). */
function regenerateToolVersions(): string {
  return ["autoconf", "automake", "libtoolize", "autopoint"]
    .map((t) => {
      try {
        return execFileSync(t, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n", 1)[0];
      } catch {
        return `${t}: none`;
      }
    })
    .join("; ");
}

/** The time (seconds since the epoch) of the newest file under `dir`. */
async function newestFileTime(dir: string): Promise<number> {
  const r = await run("find", [dir, "-type", "f", "-printf", "%T@\n"], { timeoutMs: 10 * 60_000 });
  if (r.code !== 0) throw new Error(`find ${dir}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .reduce((a, b) => Math.max(a, b), 0);
}

/** Run `cmd` in `root`; everything it writes gets one time, a second after the newest file before it. */
async function regenerate(root: string, cmd: string[]): Promise<void> {
  const before = await newestFileTime(root);
  const marker = join(dirname(root), ".regenerate-start");
  await writeFile(marker, "");
  const r = await run(cmd[0]!, cmd.slice(1), { cwd: root, timeoutMs: 20 * 60_000 }).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
  if (r.code !== 0) {
    throw new Error(`${cmd.join(" ")} in ${root}: exit ${r.code} (this machine needs: apt-get install ${REGENERATE_TOOLS})\n${r.stderr.slice(-4000)}`);
  }
  await rm(join(root, "autom4te.cache"), { recursive: true, force: true });
  const t = Math.floor(before) + 1;
  const touch = await run("find", [root, "-newer", marker, "-exec", "touch", "-h", "-d", `@${t}`, "{}", "+"], { timeoutMs: 10 * 60_000 });
  if (touch.code !== 0) throw new Error(`touch after ${cmd.join(" ")}: ${touch.stderr}`);
  await rm(marker, { force: true });
}

/** Extract one member (a tarball) of a Debian tarball and check its SHA-256. */
async function extractMember(src: string, dest: string, p: Prepare, work: string): Promise<void> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await mkdir(dirname(dest), { recursive: true });
    await tar(["-xf", src, "-C", work, "--no-same-owner", p.member!]);
    const got = await sha256File(join(work, p.member!));
    if (got !== p.memberSha256) throw new Error(`${src}: member ${p.member} has SHA-256 ${got}, the manifest says ${p.memberSha256}`);
    if (p.topDir && p.kind === "extract") {
      const r = await run("tar", ["-tf", join(work, p.member!)], { timeoutMs: 10 * 60_000 });
      const first = r.stdout.split("\n", 1)[0] ?? "";
      if (r.code !== 0 || first.replace(/^\.\//, "").split("/")[0] !== p.topDir) {
        throw new Error(`${p.member}: top directory is not ${p.topDir}/ (first entry: ${first})`);
      }
    }
    await rename(join(work, p.member!), dest);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Put `src` at `dest` as a hard link (a copy when linking is impossible), atomically. */
async function place(src: string, dest: string): Promise<void> {
  const tmp = tmpName(dest);
  try {
    await link(src, tmp);
  } catch {
    await copyFile(src, tmp);
  }
  await rename(tmp, dest);
}

export interface PrepareOptions {
  /** Cache of downloads and prepared files (default: testCacheDir()). */
  cacheDir?: string;
  /** Progress messages. */
  log?: (message: string) => void;
  /** Debian suite whose apt entry names the archive (default bookworm). */
  suite?: string;
}

/**
 * Make the files chapter 5 of the book needs, under the book's names, in `dir` (created if needed;
 * default: a directory in the cache, stable across runs so BuildKit transfers only what changed), and
 * return `dir`, ready for `docker buildx build --build-context sources=DIR`. Only the manifest's files
 * are written there; nothing else in `dir` is touched.
 */
export async function prepareChapter5Sources(dir?: string, opts: PrepareOptions = {}): Promise<string> {
  const manifest = loadManifest();
  return prepareSources(manifest, dir ?? join(opts.cacheDir ?? testCacheDir(), `sources-lfs-${manifest.book}-chapter5`), opts);
}

/** The test book's manifest (test/books/mini/debian-sources.json, the same format). */
export const testBookManifestPath = (): string => join(packageRoot(), "test", "books", "mini", "debian-sources.json");

/** The sources of the test book under test/books/mini, like prepareChapter5Sources. */
export async function prepareTestBookSources(dir?: string, opts: PrepareOptions = {}): Promise<string> {
  const manifest = JSON.parse(readFileSync(testBookManifestPath(), "utf8")) as DebianSourcesManifest;
  return prepareSources(manifest, dir ?? join(opts.cacheDir ?? testCacheDir(), "sources-test-book"), opts);
}

/** Make the files of a manifest, under the names it gives them, in `dir` (see prepareChapter5Sources). */
export async function prepareSources(manifest: DebianSourcesManifest, dir: string, opts: PrepareOptions = {}): Promise<string> {
  const log = opts.log ?? (() => {});
  const cache = opts.cacheDir ?? testCacheDir();
  const out = resolve(dir);
  const downloads = join(cache, "downloads");
  const prepared = join(cache, "prepared");
  await mkdir(out, { recursive: true });
  await mkdir(downloads, { recursive: true });
  await mkdir(prepared, { recursive: true });
  let archive: string | undefined;

  for (const [name, entry] of Object.entries(manifest.files)) {
    const p = entry.prepare;
    // What the prepared file depends on: its entry, the stand-in texts it uses, this code's recipe.
    const key = createHash("sha256")
      .update(
        JSON.stringify({
          RECIPE_VERSION,
          name,
          entry,
          standIns: [p.standIn, ...Object.values(p.standIns ?? {})].map((id) => (id ? STAND_INS[id] : null)),
          edits: Object.values(p.edits ?? {}).map((id) => String(EDITS[id])),
          tools: p.regenerate ? regenerateToolVersions() : undefined,
        }),
      )
      .update(p.kind === "stand-in-file" || p.kind === "stand-in-tree" ? treeDigest(join(standInsDir(), p.path!)) : "")
      .digest("hex")
      .slice(0, 16);
    const ready = join(prepared, `${key}-${name}`);
    if (!existsSync(ready)) {
      if (p.kind === "stand-in-file" || p.kind === "stand-in-tree") {
        const src = join(standInsDir(), p.path!);
        if (p.kind === "stand-in-tree") await packStandInTree(src, ready, p.topDir!);
        else {
          const tmp = tmpName(ready);
          await copyFile(src, tmp);
          await rename(tmp, ready);
        }
        log(`${name}: stand-in written by the test (test/fixtures/stand-ins/${p.path}; not the LFS file)`);
      } else if (p.kind === "stand-in") {
        const text = STAND_INS[p.standIn!];
        if (text === undefined) throw new Error(`${name}: unknown stand-in ${p.standIn}`);
        const tmp = tmpName(ready);
        await writeFile(tmp, text);
        await rename(tmp, ready);
        log(`${name}: stand-in written by the test (not the LFS file)`);
      } else {
        archive ??= debianArchiveUri(opts.suite);
        const file = join(downloads, entry.pool!.split("/").pop()!);
        await downloadVerified(`${archive}/${entry.pool}`, file, entry.sha256!, entry.size, log);
        const work = join(cache, "work", `${process.pid}-${randomBytes(4).toString("hex")}`);
        const t0 = Date.now();
        if (p.kind === "copy") await place(file, ready);
        else if (p.kind === "extract") await extractMember(file, ready, p, work);
        else if (p.kind === "repack" && p.member) {
          const inner = join(cache, "work", `${process.pid}-${randomBytes(4).toString("hex")}-member`, "member.tar");
          try {
            await extractMember(file, inner, p, work);
            await repack(inner, ready, p, work);
          } finally {
            await rm(dirname(inner), { recursive: true, force: true });
          }
        } else if (p.kind === "repack" || p.kind === "assemble") {
          if ((p.kind === "assemble") !== !!p.take) throw new Error(`${name}: take belongs to (and only to) kind assemble`);
          await repack(file, ready, p, work);
        } else throw new Error(`${name}: unknown prepare kind ${String(p.kind)}`);
        const how =
          p.kind === "copy"
            ? "as is"
            : p.kind === "extract"
              ? `member ${p.member}`
              : p.kind === "assemble"
                ? `${Object.values(p.take!).join(", ")} assembled as ${p.topDir}/${p.regenerate ? ` (${p.regenerate.join(" ")} run)` : ""}, uncompressed`
                : `${p.member ? `member ${p.member} ` : ""}repacked as ${p.topDir}/${p.regenerate ? ` (${p.regenerate.join(" ")} run)` : ""}, uncompressed`;
        log(
          `${name} <- ${entry.pool} (Debian ${entry.debianVersion}${entry.substitutedVersion ? `, version ${entry.substitutedVersion}` : ""}), ${how}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
      }
    }
    // earlier preparations of this file (another manifest entry or recipe) are not needed any more
    for (const f of await readdir(prepared)) {
      if (f.endsWith(`-${name}`) && /^[0-9a-f]{16}-/.test(f) && join(prepared, f) !== ready) await rm(join(prepared, f), { force: true });
    }
    const target = join(out, name);
    const same =
      existsSync(target) &&
      (() => {
        const a = statSync(target);
        const b = statSync(ready);
        return a.ino === b.ino && a.dev === b.dev;
      })();
    if (!same) await place(ready, target);
  }
  return out;
}

/** Remove leftovers of interrupted runs in the cache (temporary files, work trees) of processes now gone. */
export async function cleanStaleCacheFiles(cacheDir = testCacheDir()): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  const work = join(cacheDir, "work");
  if (existsSync(work)) {
    for (const d of await readdir(work)) {
      const pid = Number(d.split("-")[0]);
      if (!alive(pid)) await rm(join(work, d), { recursive: true, force: true });
    }
  }
  for (const sub of ["downloads", "prepared"]) {
    const d = join(cacheDir, sub);
    if (!existsSync(d)) continue;
    for (const f of await readdir(d)) {
      const m = /\.part-(\d+)-[0-9a-f]+$/.exec(f);
      if (m && !alive(Number(m[1]))) await rm(join(d, f), { force: true });
    }
  }
}
