/**
 * The HTML build report in a real browser: Debian's Chromium, headless, opens a report of realistic
 * rows from its file. The page logs nothing to the console (it has no script, so a message means
 * something went wrong: a resource its policy refused, say), its DOM holds the bars, and a
 * screenshot of it shows the chart. Needs no Docker; needs /usr/bin/chromium (scripts/boot-setup.sh).
 * LFS_REPORT_SCREENSHOT=FILE keeps the screenshot.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderHtmlReport } from "../../src/report/html.js";
import { sampleReport } from "../helpers/sample-report.js";
import { pixel, readPng, type Png } from "../helpers/png.js";

const CHROMIUM = "/usr/bin/chromium";
const WIDTH = 1200;
const HEIGHT = 900;

before(() => {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: run scripts/boot-setup.sh (it installs Debian's chromium package)`);
});

interface Run {
  code: number | null;
  dom: string;
  /** Console messages of the page, as Chromium logs them with --enable-logging=stderr. */
  console: string[];
  stderr: string;
}

/** Load `file` in headless Chromium (a profile of its own, no network services); extra flags after. */
async function chromium(file: string, ...flags: string[]): Promise<Run> {
  const profile = mkdtempSync(join(tmpdir(), "lfs-docker-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    "--enable-logging=stderr",
    "--v=0",
    "--dump-dom",
    ...flags,
    pathToFileURL(file).href,
  ];
  // Its own process group, so that a hung browser is ended with all its children.
  const child = spawn(CHROMIUM, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 120_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c) => resolve(c));
    });
    const console = stderr.split("\n").filter((l) => /:CONSOLE[(:]|Uncaught/.test(l));
    return { code, dom: stdout, console, stderr };
  } finally {
    clearTimeout(timer);
    rmSync(profile, { recursive: true, force: true });
  }
}

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern.source, "g")) ?? []).length;

/** The longest horizontal run of exactly this colour in the image: its length, row and first column. */
function longestRun(png: Png, rgb: [number, number, number]): { length: number; x: number; y: number } {
  let best = { length: 0, x: 0, y: 0 };
  for (let y = 0; y < png.height; y++) {
    let run = 0;
    for (let x = 0; x < png.width; x++) {
      const [r, g, b] = pixel(png, x, y);
      run = r === rgb[0] && g === rgb[1] && b === rgb[2] ? run + 1 : 0;
      if (run > best.length) best = { length: run, x: x - run + 1, y };
    }
  }
  return best;
}

function report() {
  const r = sampleReport();
  // Titles and log lines come from outside: shown as text, never run.
  r.rows.find((row) => row.section === "6.5")!.title = `Coreutils-9.6 <script>document.title="pwned"</script> & co`;
  return r;
}

test("Chromium loads the report from its file without a console message, and the DOM holds every bar", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-report-browser-"));
  const file = join(dir, "build-report.html");
  writeFileSync(file, renderHtmlReport(report(), { title: "LFS 12.3 sysv x86_64: build report" }));
  const png = join(dir, "screenshot.png");
  const run = await chromium(file, `--screenshot=${png}`, `--window-size=${WIDTH},${HEIGHT}`);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.console, [], "the page logged nothing");

  // The DOM as Chromium parsed it.
  assert.match(run.dom, /<title>LFS 12\.3 sysv x86_64: build report<\/title>/, "the title was not changed by any script");
  assert.equal(count(run.dom, /<script/), 0);
  assert.match(run.dom, /Coreutils-9\.6 &lt;script&gt;document\.title="pwned"&lt;\/script&gt; &amp; co/);
  assert.match(run.dom, /#include &lt;openssl\/ssl\.h&gt; &amp;&amp; &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal(count(run.dom, /<rect class="built"/), 28 + 1, "a bar per built step, and the legend's");
  assert.equal(count(run.dom, /<rect class="cached"/), 4 + 1);
  assert.equal(count(run.dom, /<rect class="failed"/), 1 + 1);
  assert.equal(count(run.dom, /<svg class="axis"/), 2);

  // The screenshot: a real PNG of the window's size, with the chart in it.
  // LFS_REPORT_SCREENSHOT=FILE keeps a copy, for a person to look at.
  if (process.env.LFS_REPORT_SCREENSHOT) copyFileSync(png, process.env.LFS_REPORT_SCREENSHOT);
  const image = readPng(readFileSync(png));
  assert.deepEqual([image.width, image.height], [WIDTH, HEIGHT]);
  assert.deepEqual(pixel(image, 2, 2), [255, 255, 255, 255], "white page");
  let inked = 0;
  for (let y = HEIGHT / 2; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) if (pixel(image, x, y)[0] < 240) inked++;
  assert.ok(inked > (WIDTH * HEIGHT) / 2 / 100, `the chart's half of the window is drawn on (${inked} pixels)`);
  // The built bars' colour (#3465a4): GCC pass 1's bar, 301.9 s on a scale of 8 min, is a long run
  // of it in the chart's column, right of the section and title columns.
  const bar = longestRun(image, [0x34, 0x65, 0xa4]);
  assert.ok(bar.length > 200 && bar.length < 600, `longest bar ${bar.length} px`);
  assert.ok(bar.x > 250 && bar.x < 500, `the bars start in the chart's column (x = ${bar.x})`);
  assert.ok(bar.y > 300, `below the summary (y = ${bar.y})`);
  // The failed build's red (#cc1f1f): the outcome's border.
  assert.ok(longestRun(image, [0xcc, 0x1f, 0x1f]).length >= 6, "the outcome is marked red");
  rmSync(dir, { recursive: true, force: true });
});

test("the check sees a broken page: markup that escaped escaping is refused by the page's policy, and logged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-report-browser-"));
  const file = join(dir, "broken.html");
  const html = renderHtmlReport(report()).replace("<body>", `<body><img src="${pathToFileURL(join(dir, "x.png")).href}"><script>document.title="ran"</script>`);
  writeFileSync(file, html);
  const run = await chromium(file);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(
    run.console.some((l) => /violates the following Content Security Policy directive/.test(l) && /image/i.test(l)),
    run.console.join("\n"),
  );
  assert.ok(
    run.console.some((l) => /Executing inline script violates/.test(l)),
    run.console.join("\n"),
  );
  assert.doesNotMatch(run.dom, /<title>ran<\/title>/, "the script did not run");
  rmSync(dir, { recursive: true, force: true });
});
