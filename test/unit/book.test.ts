import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBook, loadBookDir, editionSections, editionSources } from "../../src/book/load.js";
import { parseScript, defaultSourceDir } from "../../src/book/script.js";
import { BookError } from "../../src/errors.js";
import { packageRoot } from "../../src/paths.js";
import { EDITIONS } from "../../src/book/types.js";

const book = loadBook("12.3");

test("book.json lists chapters 4 to 11 in order", () => {
  assert.deepEqual(
    book.chapters.map((c) => c.number),
    [4, 5, 6, 7, 8, 9, 10, 11],
  );
});

test("every section that builds or configures something has its script, in both editions", () => {
  for (const edition of EDITIONS) {
    const missing = editionSections(book, edition)
      .filter((s) => !s.text && !s.script)
      .map((s) => `${s.number} ${s.page}`);
    assert.deepEqual(missing, [], `${edition}: sections without a script`);
  }
});

test("no script stands outside the book's section list", () => {
  assert.deepEqual(book.strayScripts, []);
});

test("sections are numbered per edition as the book numbers them", () => {
  const sysv = editionSections(book, "sysv");
  const systemd = editionSections(book, "systemd");
  const num = (list: typeof sysv, page: string, chapter = 8) => list.find((s) => s.page === page && s.chapter === chapter)?.number;
  assert.equal(num(sysv, "binutils-pass1", 5), "5.2");
  assert.equal(num(sysv, "udev"), "8.76");
  assert.equal(num(systemd, "systemd"), "8.76");
  assert.equal(num(systemd, "dbus"), "8.77");
  assert.equal(num(sysv, "man-db"), "8.77");
  assert.equal(num(systemd, "man-db"), "8.78");
  assert.equal(num(sysv, "cleanup"), "8.85");
  assert.equal(num(systemd, "cleanup"), "8.84");
  assert.equal(num(sysv, "sysvinit"), "8.82");
  assert.equal(num(systemd, "sysvinit"), undefined);
  assert.equal(num(sysv, "bootscripts", 9), "9.2");
  assert.equal(num(systemd, "systemd-custom", 9), "9.10");
});

test("sections come in book order, chapter after chapter", () => {
  for (const edition of EDITIONS) {
    const numbers = editionSections(book, edition).map((s) => s.number.split(".").map(Number) as [number, number]);
    for (let i = 1; i < numbers.length; i++) {
      const [pc, ps] = numbers[i - 1]!;
      const [c, s] = numbers[i]!;
      assert.ok(c > pc || (c === pc && s === ps + 1), `${edition}: ${pc}.${ps} is followed by ${c}.${s}`);
    }
  }
});

test("chapters 5 and 6 run as the lfs user on the host; the chroot chapters as root", () => {
  for (const s of editionSections(book, "sysv")) {
    if (s.text) continue;
    if (s.chapter === 5 || s.chapter === 6) assert.deepEqual([s.stage, s.user], ["host", "lfs"], s.number);
    // 10.3, the kernel, is built in the kernel stage (on the build machine) and installed into system.
    if (s.chapter >= 8) assert.deepEqual([s.stage, s.user], [s.page === "kernel" ? "kernel" : "system", "root"], s.number);
    if (s.chapter === 7) assert.equal(s.stage, s.page === "changingowner" ? "host" : "toolchain", s.number);
  }
});

test("every tarball and patch of an edition is used by a section of that edition", () => {
  for (const edition of EDITIONS) {
    const used = new Set(editionSections(book, edition).flatMap((s) => (s.script ? [s.script.header.unpack, ...s.script.header.uses] : [])));
    const unused = editionSources(book, edition)
      .map((f) => f.file)
      .filter((f) => !used.has(f));
    assert.deepEqual(unused, [], `${edition}: sources no section uses`);
  }
});

test("sources carry the book's MD5 sums and https URLs", () => {
  assert.ok(book.sources.length >= 90);
  for (const f of book.sources) {
    assert.match(f.md5, /^[0-9a-f]{32}$/, f.file);
    assert.match(f.url, /^https:\/\//, f.file);
    assert.ok(f.url.endsWith("/" + f.file) || f.url.includes(f.file.replace(/\.tar\..*$/, "")), `${f.file} from ${f.url}`);
  }
  const binutils = book.sources.find((f) => f.file === "binutils-2.44.tar.xz");
  assert.equal(binutils?.md5, "49912ce774666a30806141f106124294");
});

test("scripts use only the header keys the contract names", () => {
  assert.throws(
    () => parseScript("x.sh", "# @bogus: 1\ntrue\n"),
    (e: unknown) => e instanceof BookError && /unknown header key @bogus/.test(e.message),
  );
  assert.throws(() => parseScript("x.sh", "# @user: nobody\ntrue\n"), /@user must be root or lfs/);
  assert.throws(() => parseScript("x.sh", "# @container: engine does it\nmount /proc\n"), /body must be empty/);
  const { header, body } = parseScript("x.sh", "# @unpack: a-1.tar.xz\n# @uses: p.patch q.patch\n\nmake\n");
  assert.deepEqual(header, { unpack: "a-1.tar.xz", uses: ["p.patch", "q.patch"] });
  assert.equal(body, "make");
});

test("a tarball's top directory is its name without the compression suffix", () => {
  assert.equal(defaultSourceDir("gcc-14.2.0.tar.xz"), "gcc-14.2.0");
  assert.equal(defaultSourceDir("XML-Parser-2.47.tar.gz"), "XML-Parser-2.47");
  assert.equal(defaultSourceDir("elfutils-0.192.tar.bz2"), "elfutils-0.192");
});

test("chapter 5 and 6 scripts test $LFS_ARCH, not the build machine's uname", () => {
  for (const s of editionSections(book, "sysv")) {
    if (!s.script || s.chapter > 6) continue;
    const code = s.script.body
      .split("\n")
      .filter((l) => !l.trim().startsWith("#"))
      .join("\n");
    assert.doesNotMatch(code, /uname -m/, `${s.script.path} runs on the build machine: use $LFS_ARCH`);
  }
});

test("every adaptation of the book is explained where it is made", () => {
  const root = packageRoot();
  const text = readFileSync(join(root, book.dir, "chapter05", "5.3-gcc-pass1.sh"), "utf8");
  assert.match(text, /# lfs-docker: .*uname -m/);
});

test("@stage: kernel is refused outside the final system's chapters, naming the script", () => {
  const dir = mkdtempSync(join(tmpdir(), "book-kernel-"));
  try {
    cpSync(join(packageRoot(), "test", "books", "mini"), dir, { recursive: true });
    // The test book's own kernel section is in chapter 10 and loads; moved to chapter 5 it must not.
    assert.equal(editionSections(loadBookDir(join(packageRoot(), "test", "books", "mini")), "sysv").find((s) => s.page === "kernel")?.stage, "kernel");
    const bookJson = JSON.parse(readFileSync(join(dir, "book.json"), "utf8"));
    const ch10 = bookJson.chapters.pop();
    bookJson.chapters[1].sections.push(ch10.sections[0]);
    writeFileSync(join(dir, "book.json"), JSON.stringify(bookJson));
    cpSync(join(dir, "chapter10", "10.1-kernel.sh"), join(dir, "chapter05", "5.2-kernel.sh"));
    rmSync(join(dir, "chapter10"), { recursive: true });
    assert.throws(
      () => loadBookDir(dir),
      (e: unknown) => e instanceof BookError && /5\.2-kernel\.sh/.test(e.message) && /@stage: kernel is for sections of the final system/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
