import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { formatReport } from "../../src/report/build-report.js";
import { renderHtmlReport } from "../../src/report/html.js";
import { MAX_REPORT_BYTES } from "../../src/cli/commands/report.js";
import { sampleReport } from "../helpers/sample-report.js";
import { build } from "../../src/build.js";

const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

function savedReport(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-report-"));
  const file = join(dir, "build-report.json");
  writeFileSync(file, JSON.stringify(sampleReport(), null, 1) + "\n");
  return { dir, file };
}

test("report prints the text report of a saved build-report.json; --html writes the page", () => {
  const { dir, file } = savedReport();
  const text = cli("report", file);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, formatReport(sampleReport()));
  assert.equal(text.stderr, "");

  const out = join(dir, "report.html");
  const html = cli("report", file, "--html", out, "--title", "LFS 12.3 <sysv>");
  assert.equal(html.code, 0, html.stderr);
  assert.equal(html.stdout, formatReport(sampleReport()));
  assert.equal(readFileSync(out, "utf8"), renderHtmlReport(sampleReport(), { title: "LFS 12.3 <sysv>" }));
  assert.deepEqual(readdirSync(dir).sort(), ["build-report.json", "report.html"], "no temporary file left behind");
});

test("a missing, unreadable, oversized or invalid report file: exit 2, one line naming the file, nothing on stdout", () => {
  const { dir } = savedReport();
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const big = write("big.json", "");
  truncateSync(big, MAX_REPORT_BYTES + 1); // sparse: no disk spent
  const cases: [string, RegExp][] = [
    [join(dir, "none.json"), /^lfs-docker: invalid report ".*none\.json" \(ENOENT\); accepted: a build-report\.json written by `lfs-docker build`\n$/],
    [dir, /^lfs-docker: invalid report ".*lfs-docker-report-\w+" \(not a regular file\)/],
    [big, /^lfs-docker: invalid report ".*big\.json" \(8388609 bytes, more than a report's 8388608\)/],
    [write("text.json", "SECTION  STAGE\n\x1b[2J"), /^lfs-docker: invalid report ".*text\.json" \(not JSON: [^\n\x1b]*\); accepted: [^\n]*\n$/],
    [write("shape.json", JSON.stringify({ rows: [{ stage: "host" }] })), /^lfs-docker: invalid report ".*shape\.json" \(rows\[0\]\.step: a number expected\)/],
    [write("list.json", "[1, 2]"), /^lfs-docker: invalid report ".*list\.json" \(the top level: an object expected\)/],
  ];
  for (const [file, pattern] of cases) {
    const r = cli("report", file);
    assert.equal(r.code, 2, `${file}: exit ${r.code}`);
    assert.match(r.stderr, pattern, file);
    assert.equal(r.stdout, "", `${file}: nothing on stdout`);
  }
  const none = cli("report");
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Not enough non-option arguments/);
});

test("--html never replaces a file or a link unless forced, and never writes through a link", () => {
  const { dir, file } = savedReport();
  const out = join(dir, "report.html");
  writeFileSync(out, "mine\n");
  const refused = cli("report", file, "--html", out);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^lfs-docker: invalid --html ".*report\.html" \(exists\); accepted: a new file name, or --force to replace it\n$/);
  assert.equal(refused.stdout, "", "nothing printed when the page was not written");
  assert.equal(readFileSync(out, "utf8"), "mine\n");

  // A link to a file elsewhere, and a dangling link: both names are taken.
  const target = join(dir, "elsewhere.txt");
  writeFileSync(target, "not to be written\n");
  const link = join(dir, "link.html");
  symlinkSync(target, link);
  const dangling = join(dir, "dangling.html");
  symlinkSync(join(dir, "no-such-file"), dangling);
  for (const name of [link, dangling]) {
    const r = cli("report", file, "--html", name);
    assert.equal(r.code, 2, name);
    assert.match(r.stderr, /\(exists\)/);
  }
  // Forced: the link itself is replaced by the page; its target is untouched.
  assert.equal(cli("report", file, "--html", link, "--force").code, 0);
  assert.equal(readFileSync(target, "utf8"), "not to be written\n");
  assert.match(readFileSync(link, "utf8"), /^<!DOCTYPE html>/);
  assert.equal(cli("report", file, "--html", out, "--force").code, 0);
  assert.match(readFileSync(out, "utf8"), /^<!DOCTYPE html>/);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith(".tmp")).length, 0, "no temporary file left behind");

  mkdirSync(join(dir, "sub"));
  const missing = cli("report", file, "--html", join(dir, "no", "such", "report.html"));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /invalid --html ".*no\/such\/report\.html" \(ENOENT\); accepted: a writable file path in an existing directory/);
  const isDir = cli("report", file, "--html", join(dir, "sub"), "--force");
  assert.equal(isDir.code, 2);
  assert.match(isDir.stderr, /invalid --html ".*sub" \((EISDIR|ENOTDIR|EEXIST)\)/);
});

test("a build that fails still writes its report beside the output, the HTML page with it", async () => {
  const out = mkdtempSync(join(tmpdir(), "lfs-docker-report-"));
  const socket = join(out, "no-such-buildkitd.sock");
  await assert.rejects(build({ output: out, builder: `unix://${socket}`, until: "4.3", progress: "quiet" }), /cannot connect to buildkitd/);
  assert.deepEqual(readdirSync(out).sort(), ["build-report.html", "build-report.json", "build-report.txt"]);
  const html = readFileSync(join(out, "build-report.html"), "utf8");
  assert.match(html, /<h1>LFS 12\.3 sysv x86_64: build report<\/h1>/);
  assert.match(
    html,
    /<section class="outcome failed" id="outcome"><h2>Outcome: <span class="status">failed<\/span><\/h2>\n<p class="message">cannot connect to buildkitd at unix:\/\/.*no-such-buildkitd\.sock/,
  );
  // The saved JSON renders to the same page through lfs-docker report.
  const again = join(out, "again.html");
  assert.equal(cli("report", join(out, "build-report.json"), "--html", again, "--title", "LFS 12.3 sysv x86_64: build report").code, 0);
  assert.equal(readFileSync(again, "utf8"), html);
});
