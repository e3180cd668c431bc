import { test } from "node:test";
import assert from "node:assert/strict";
import { chartScale, formatDuration, groupRows, renderHtmlReport } from "../../src/report/html.js";
import { parseBuildReport, ReportFormatError } from "../../src/report/parse.js";
import type { BuildReport } from "../../src/report/build-report.js";
import { sampleReport } from "../helpers/sample-report.js";

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, "g")) ?? []).length;

test("every text from the report is escaped: titles, log lines, vertex names, the page title", () => {
  const report = sampleReport();
  const row = report.rows.find((r) => r.section === "6.5")!;
  row.title = `Coreutils <script>alert("x")</script> & 'friends'`;
  row.vertex = `[host 13/40] RUN "quoted" <b>`;
  report.outcome!.failed!.logTail.push("make: *** <script>document.write(1)</script> & done", "colour \x1b[31mred\x1b[0m");
  report.outcome!.message = "exit <1> & more";
  const html = renderHtmlReport(report, { title: "LFS <i>12.3</i> & co" });
  assert.equal(count(html, /<script/i), 0, "no script element at all");
  assert.match(html, /<td class="title">Coreutils &#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62; &#38; &#39;friends&#39;<\/td>/);
  assert.match(html, /<tr class="built" title="\[host 13\/40\] RUN &#34;quoted&#34; &#60;b&#62;">/);
  assert.match(html, /make: \*\*\* &#60;script&#62;document\.write\(1\)&#60;\/script&#62; &#38; done/);
  assert.match(html, /colour \\x1b\[31mred\\x1b\[0m/, "control characters shown, not passed on");
  assert.match(html, /<title>LFS &#60;i&#62;12\.3&#60;\/i&#62; &#38; co<\/title>/);
  assert.match(html, /<h1>LFS &#60;i&#62;12\.3&#60;\/i&#62; &#38; co<\/h1>/);
  assert.match(html, /<p class="message">exit &#60;1&#62; &#38; more<\/p>/);
});

test("the page is self-contained: no script, no external resource, a policy that forbids both", () => {
  const html = renderHtmlReport(sampleReport());
  assert.match(html, /^<!DOCTYPE html>\n/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  for (const forbidden of [/<script/i, /<link/i, /<img/i, /<iframe/i, /\bsrc=/i, /\bhref=/i, /url\(/i, /https?:\/\//i, /@import/i]) {
    assert.doesNotMatch(html, forbidden);
  }
});

test("rows are grouped by stage, then chapter (the number before the dot), in the report's order", () => {
  const groups = groupRows(sampleReport().rows);
  assert.deepEqual(
    groups.map((g) => [g.stage, g.chapters.map((c) => [c.chapter ?? "-", c.rows.length])]),
    [
      [
        "host",
        [
          ["-", 1],
          ["2", 1],
          ["4", 2],
          ["5", 5],
          ["6", 17],
        ],
      ],
      [
        "toolchain",
        [
          ["-", 1],
          ["7", 6],
        ],
      ],
    ],
  );
  const html = renderHtmlReport(sampleReport());
  const headings = [...html.matchAll(/<h2>Stage (\S+?)<span|<th colspan="7">(Chapter \d+|Other steps)<span/g)].map((m) => m[1] ?? m[2]);
  assert.deepEqual(headings, ["host", "Other steps", "Chapter 2", "Chapter 4", "Chapter 5", "Chapter 6", "toolchain", "Other steps", "Chapter 7"]);
  // A section row: number, title, bar, seconds, SBU, the book's SBU, state.
  assert.match(
    html,
    /<td class="sec">5\.3<\/td><td class="title">GCC-14\.2\.0 - Pass 1<\/td><td class="chart"><svg[^>]*><rect class="built" x="0" y="3" width="62\.90%" height="12"\/><\/svg><\/td><td class="n">301\.9<\/td><td class="n">3\.13<\/td><td class="n">3\.2<\/td><td class="state">built<\/td><\/tr>/,
  );
});

test("cached sections are a grey mark labelled cached; the failed one is red and named in the outcome", () => {
  const html = renderHtmlReport(sampleReport());
  assert.equal(count(html, /<tr class="cached"/), 4);
  assert.equal(count(html, /<rect class="cached" x="0" y="1" width="3" height="16"\/><text class="cached" x="9" y="13">cached<\/text>/), 4);
  assert.equal(count(html, /<tr class="built"/), 28);
  assert.equal(count(html, /<tr class="failed"/), 1);
  assert.match(
    html,
    /<td class="sec">7\.10<\/td><td class="title">Python-3\.13\.2<\/td><td class="chart"><svg[^>]*><rect class="failed" x="0" y="3" width="6\.54%" height="12"\/><text class="failed"[^>]*>failed<\/text>/,
  );
  assert.match(html, /<section class="outcome failed" id="outcome"><h2>Outcome: <span class="status">failed<\/span><\/h2>/);
  assert.match(html, /Failed step: <strong>7\.10 Python-3\.13\.2<\/strong>, exit code <strong>2<\/strong>/);
  assert.match(html, /<pre class="log">gcc -c [^\n]*\nModules\/_ssl\.c:28:10: fatal error/);
  assert.match(html, /to resume: run the same command again/);
});

test("totals per stage and for the whole build; the scale fits the longest step", () => {
  const html = renderHtmlReport(sampleReport());
  assert.match(
    html,
    /<tr><th>host<\/th><td class="n">26<\/td><td class="n">22<\/td><td class="n">4<\/td><td class="n">0<\/td><td class="n">1252\.1<\/td><td class="n">12\.99<\/td><td>20 min 52 s<\/td><\/tr>/,
  );
  assert.match(
    html,
    /<tr class="total"><th>all steps<\/th><td class="n">33<\/td><td class="n">28<\/td><td class="n">4<\/td><td class="n">1<\/td><td class="n">1437\.4<\/td>/,
  );
  assert.match(html, /total: 1669\.3 s \(27 min 49 s\) wall time/);
  assert.match(html, /1 SBU = 96\.4 s \(5\.2 Binutils pass 1 in this build\)/);
  // GCC pass 2, 395.2 s, the longest: the axis goes to 8 min in steps of 2.
  assert.deepEqual(chartScale(395.2), { max: 480, step: 120 });
  assert.equal(count(html, /<svg class="axis"/), 2, "one axis per stage");
  assert.match(html, />8 min<\/text><\/svg>/);
  assert.deepEqual(chartScale(0), { max: 1, step: 1 });
  assert.deepEqual(chartScale(42), { max: 50, step: 10 });
  assert.deepEqual(chartScale(5 * 3600 + 1), { max: 21600, step: 3600 });
  assert.deepEqual([formatDuration(9.25), formatDuration(185.3), formatDuration(3725), formatDuration(null)], ["9.3 s", "3 min 05 s", "1 h 02 min", "-"]);
});

test("the same report gives the same bytes; a report without rows or outcome still renders", () => {
  assert.equal(renderHtmlReport(sampleReport()), renderHtmlReport(sampleReport()));
  const empty: BuildReport = { rows: [], totalSeconds: null, sbuSeconds: null, sbuSection: null };
  const html = renderHtmlReport(empty);
  assert.match(html, /<p>No step of the book was reported\.<\/p>/);
  assert.match(html, /1 SBU: not defined/);
  assert.doesNotMatch(html, /class="outcome/);
  const ok = renderHtmlReport({ ...sampleReport(), outcome: { status: "succeeded" } });
  assert.match(ok, /<section class="outcome succeeded" id="outcome"><h2>Outcome: <span class="status">succeeded<\/span><\/h2>\n<\/section>/);
});

test("a saved report reads back as it was written; anything else is refused with the place that is wrong", () => {
  const report = sampleReport();
  assert.deepEqual(parseBuildReport(JSON.stringify(report, null, 1)), report);
  const cases: [string, RegExp][] = [
    ["", /^not JSON: /],
    ["[]", /^the top level: an object expected$/],
    ["{}", /^rows: an array expected$/],
    [JSON.stringify({ ...report, totalSeconds: "long" }), /^totalSeconds: a number \(0 or more\) or null expected$/],
    [JSON.stringify({ ...report, rows: [{ ...report.rows[0], seconds: -1 }] }), /^rows\[0\]\.seconds: a number \(0 or more\) or null expected$/],
    [JSON.stringify({ ...report, rows: [report.rows[0], { ...report.rows[1], title: 7 }] }), /^rows\[1\]\.title: a string expected$/],
    [JSON.stringify({ ...report, outcome: { status: "exploded" } }), /^outcome\.status: one of succeeded, failed, cancelled expected$/],
    [
      JSON.stringify({ ...report, outcome: { status: "failed", failed: { step: "x", logTail: ["a", 2] } } }),
      /^outcome\.failed\.logTail\[1\]: a string expected$/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseBuildReport(text),
      (err: unknown) => err instanceof ReportFormatError && message.test(err.message),
      text.slice(0, 60),
    );
  }
});
