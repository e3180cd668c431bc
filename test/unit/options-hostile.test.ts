/**
 * Hostile option values: each row is one option set and the OptionError it must give. Options write
 * nothing, so the check that nothing changed is the working directory's tree.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOptions, type GenerateOptions } from "../../src/options.js";
import { generate } from "../../src/render/dockerfile.js";
import { OptionError } from "../../src/errors.js";
import { dockerfileProblem } from "../../src/text/dockerfile-value.js";

const ROWS: [string, GenerateOptions, RegExp][] = [
  [
    "a newline in the hostname",
    { config: { hostname: "lfs\nRUN id" } },
    /^invalid hostname "lfs\\nRUN id" \(a line break at character 4\); accepted: a host name \(RFC 1123\)/,
  ],
  ["a quote in the hostname", { config: { hostname: 'lfs"; id; "' } }, /^invalid hostname .*the character " at character 4/],
  ["an underscore in the hostname", { config: { hostname: "bad_host" } }, /^invalid hostname "bad_host"; accepted: a host name/],
  ["a hostname of 64 characters", { config: { hostname: "a".repeat(64) } }, /^invalid hostname "a{60}"\.\.\. \(64 characters\)/],
  ["a domain with an empty label", { config: { domain: "example..org" } }, /^invalid domain "example\.\.org"; accepted: a DNS domain \(RFC 1123\)/],
  ["a domain label starting with a hyphen", { config: { domain: "-x.org" } }, /^invalid domain "-x\.org"/],
  ["a domain label of 64 characters", { config: { domain: `${"a".repeat(64)}.org` } }, /^invalid domain/],
  ["a domain over 253 characters", { config: { domain: Array(70).fill("abc").join(".") } }, /^invalid domain .*\(279 characters\)/],
  ["a domain with a dollar", { config: { domain: "$(id).org" } }, /^invalid domain .*the character \$/],
  ["a timezone that is no zone", { config: { timezone: "Mars/Olympus_Mons" } }, /^invalid timezone "Mars\/Olympus_Mons"; accepted: a tz database name/],
  ["a timezone going up the tree", { config: { timezone: "../../etc/passwd" } }, /^invalid timezone "\.\.\/\.\.\/etc\/passwd"/],
  ["a timezone with a newline", { config: { timezone: "UTC\nEND_OF_SECTION" } }, /^invalid timezone "UTC\\nEND_OF_SECTION" \(a line break/],
  ["a locale glibc does not have", { config: { locale: "xx_XX" } }, /^invalid locale "xx_XX"; accepted: a glibc locale/],
  ["a locale with a modifier", { config: { locale: "de_DE@euro" } }, /^invalid locale "de_DE@euro"/],
  ["a charmap glibc does not have", { config: { charmap: "UTF-9" } }, /^invalid charmap "UTF-9"; accepted: a character map glibc supports/],
  [
    "a charmap the locale is not supported with",
    { config: { locale: "ja_JP", charmap: "ISO-8859-1" } },
    /^invalid charmap "ISO-8859-1" \(ja_JP is supported with EUC-JP, UTF-8\)/,
  ],
  ["a keymap kbd does not have", { config: { keymap: "klingon" } }, /^invalid keymap "klingon"; accepted: a console keymap/],
  ["an escape sequence in the keymap", { config: { keymap: "us\x1b[2J" } }, /^invalid keymap "us\\u001b\[2J" \(the control character U\+001B at character 3\)/],
  ["a C1 control in the codename", { config: { codename: "a\u009bb" } }, /^invalid codename "a\\x9bb" \(the control character U\+009B/],
  ["a quote in the codename", { config: { codename: 'a"b' } }, /^invalid codename .*the character "/],
  ["a newline in the host image", { hostImage: "debian:12\nRUN id" }, /^invalid host image "debian:12\\nRUN id" \(a line break/],
  ["a space in the iso image", { isoImage: "debian:12 AS x" }, /^invalid iso image "debian:12 AS x"; accepted: an image reference/],
  ["a newline in the syntax image", { syntax: "docker/dockerfile:1\nRUN id" }, /^invalid syntax .*a line break/],
  [
    "a kernel fragment ending the heredoc",
    { kernelFragment: "CONFIG_A=y\nEOF\nrm -rf /\n" },
    /^invalid kernel fragment "EOF" \(line 2\); accepted: Kconfig lines/,
  ],
  [
    "a kernel fragment with END_OF_SECTION",
    { kernelFragment: "END_OF_SECTION\n" },
    /^invalid kernel fragment .*line 1 reads END_OF_SECTION, which ends a heredoc/,
  ],
  ["a kernel fragment with a carriage return", { kernelFragment: 'CONFIG_A="x\ry"\n' }, /^invalid kernel fragment .*U\+000D/],
  [
    "a kernel fragment over 1 MiB",
    { kernelFragment: "# x\n".repeat(300_000) },
    /^invalid kernel fragment "# x\\n# x.*\(1200000 characters\) \(larger than 1 MiB\)/,
  ],
  ["an until that is not a section", { until: "5.5\nRUN id" }, /^invalid until "5\.5\\nRUN id"/],
  ["a book path with a NUL", { book: "x\0y" }, /^invalid book "x\\u0000y"/],
];

for (const [name, options, pattern] of ROWS) {
  test(`options: ${name}`, () => {
    assert.throws(
      () => generate(options),
      (e: unknown) => {
        assert.ok(e instanceof OptionError, `an OptionError, not ${(e as Error).message}`);
        assert.match(e.message, pattern);
        assert.ok(e.message.length < 600, "the message quotes a short excerpt only");
        assert.doesNotMatch(e.message, /[\x00-\x08\x0a-\x1f\x7f-\x9f]/, "the message is printable");
        return true;
      },
    );
  });
}

test("options: real names pass, the default ones included", () => {
  const o = resolveOptions({
    config: { hostname: "box", domain: "lab.example.org", timezone: "America/Argentina/Buenos_Aires", locale: "ja_JP", charmap: "EUC-JP", keymap: "fr" },
  });
  assert.equal(o.config.timezone, "America/Argentina/Buenos_Aires");
  assert.deepEqual(resolveOptions().config, {
    hostname: "lfs",
    domain: "localdomain",
    timezone: "UTC",
    locale: "en_US",
    charmap: "UTF-8",
    keymap: "us",
    codename: "lfs-docker",
  });
});

test("the Dockerfile rule refuses and never transforms", () => {
  const rows: [string, "line" | "quoted" | "text", boolean][] = [
    ["plain", "line", true],
    ["a\tb", "line", false],
    ["a\tb\nc", "text", true],
    ["a\u2028b", "line", false],
    ["x\nMD5SUMS\ny", "text", false],
    ["x\n END_OF_FILE \ny", "text", false],
    ["x\nEND_OF_FILES\ny", "text", true],
    ['say "hi"', "line", true],
    ['say "hi"', "quoted", false],
    ["a\\b", "quoted", false],
    ["`id`", "quoted", false],
  ];
  for (const [value, kind, ok] of rows) assert.equal(dockerfileProblem(value, kind) === undefined, ok, `${JSON.stringify(value)} as ${kind}`);
});
