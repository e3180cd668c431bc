/**
 * The build report as one self-contained HTML page: a bar per book section (its seconds; cached
 * sections as a grey mark, the failed one in red), grouped by stage and chapter, with SBU and the
 * book's SBU beside each bar, totals, and how the build ended. Inline CSS and SVG only: no script, no
 * external resource (the page's Content-Security-Policy forbids both), so it opens from the file.
 * Pure and deterministic: the same report gives the same bytes.
 */

import { printable } from "../text/terminal.js";
import type { BuildOutcome, BuildReport, ReportRow } from "./build-report.js";

export interface HtmlReportMeta {
  /** The page's title and heading (default "LFS build report"). */
  title?: string;
}

/** The rows of one chapter of one stage, in the report's order. */
export interface ReportGroup {
  stage: string;
  /** The number before the dot of the rows' section; undefined for steps that carry out no section. */
  chapter: string | undefined;
  rows: ReportRow[];
}

/** Group rows by stage, then chapter, each in order of first appearance (the Dockerfile's order). */
export function groupRows(rows: readonly ReportRow[]): { stage: string; chapters: ReportGroup[] }[] {
  const stages = new Map<string, Map<string, ReportGroup>>();
  for (const row of rows) {
    let chapters = stages.get(row.stage);
    if (!chapters) stages.set(row.stage, (chapters = new Map()));
    const chapter = row.section?.split(".")[0];
    const key = chapter ?? "";
    let group = chapters.get(key);
    if (!group) chapters.set(key, (group = { stage: row.stage, chapter, rows: [] }));
    group.rows.push(row);
  }
  return [...stages].map(([stage, chapters]) => ({ stage, chapters: [...chapters.values()] }));
}

/** Text from the report (titles, log lines: from outside) made safe for HTML text and attributes. */
export function escapeHtml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Tick steps a reader takes in at a glance: seconds, minutes, hours.
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The chart's scale: a round maximum at or above the longest step, and the tick step. */
export function chartScale(longest: number): { max: number; step: number } {
  const top = Number.isFinite(longest) && longest > 0 ? longest : 1;
  const step = STEPS.find((s) => top / s <= 6) ?? Math.ceil(top / 6 / 86400) * 86400;
  return { max: Math.ceil(top / step) * step, step };
}

const finite = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n);

function tickLabel(s: number): string {
  if (s === 0) return "0";
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** A duration for people: 42.0 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(seconds: number | null | undefined): string {
  if (!finite(seconds)) return "-";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function chapterInfo(t: Totals): string {
  const counts = [`${t.built} built`, `${t.cached} cached`, ...(t.failed ? [`${t.failed} failed`] : [])].join(", ");
  if (t.steps === t.cached) return `${plural(t.steps, "step")}, all cached`;
  return `${plural(t.steps, "step")}: ${counts}; ${formatDuration(t.seconds)}${t.sbu !== null ? `, ${t.sbu.toFixed(1)} SBU` : ""}`;
}

const state = (r: ReportRow) => (r.failed ? "failed" : r.cached ? "cached" : "built");

function bar(r: ReportRow, max: number): string {
  const pct = finite(r.seconds) ? Math.min(100, Math.max(r.seconds > 0 ? 0.25 : 0, (r.seconds / max) * 100)) : 0;
  const label = (text: string, cls: string) =>
    pct > 85
      ? `<text class="${cls} inside" x="100%" dx="-6" y="13" text-anchor="end">${text}</text>`
      : `<text class="${cls}" x="${pct.toFixed(2)}%" dx="${pct > 0 ? 6 : 9}" y="13">${text}</text>`;
  let body: string;
  if (r.failed)
    body =
      pct > 0
        ? `<rect class="failed" x="0" y="3" width="${pct.toFixed(2)}%" height="12"/>${label("failed", "failed")}`
        : `<rect class="failed" x="0" y="1" width="4" height="16"/>${label("failed", "failed")}`;
  else if (r.cached) body = `<rect class="cached" x="0" y="1" width="3" height="16"/><text class="cached" x="9" y="13">cached</text>`;
  else if (pct > 0) body = `<rect class="built" x="0" y="3" width="${pct.toFixed(2)}%" height="12"/>`;
  else body = `<text class="none" x="0" y="13">no time recorded</text>`;
  return `<svg class="bar" width="100%" height="18" role="img" aria-label="${state(r)}${finite(r.seconds) ? ` ${r.seconds.toFixed(1)} s` : ""}">${body}</svg>`;
}

function axis(max: number, step: number): string {
  const ticks: string[] = [];
  for (let t = 0; t <= max; t += step) {
    const x = (t / max) * 100;
    const anchor = t === 0 ? "start" : t === max ? "end" : "middle";
    ticks.push(
      `<line x1="${x.toFixed(2)}%" x2="${x.toFixed(2)}%" y1="14" y2="20"/><text x="${x.toFixed(2)}%" y="11" text-anchor="${anchor}">${tickLabel(t)}</text>`,
    );
  }
  return `<svg class="axis" width="100%" height="20" aria-hidden="true">${ticks.join("")}</svg>`;
}

const num = (n: number | null | undefined, digits: number) => (finite(n) ? n.toFixed(digits) : "-");

function rowHtml(r: ReportRow, max: number): string {
  return (
    `<tr class="${state(r)}" title="${escapeHtml(r.vertex)}">` +
    `<td class="sec">${r.section === undefined ? "&#8212;" : escapeHtml(r.section)}</td>` +
    `<td class="title">${escapeHtml(r.title)}</td>` +
    `<td class="chart">${bar(r, max)}</td>` +
    `<td class="n">${num(r.seconds, 1)}</td>` +
    `<td class="n">${num(r.sbu, 2)}</td>` +
    `<td class="n">${finite(r.bookSbu) ? escapeHtml(String(r.bookSbu)) : "-"}</td>` +
    `<td class="state">${state(r)}</td></tr>`
  );
}

interface Totals {
  steps: number;
  built: number;
  cached: number;
  failed: number;
  seconds: number;
  sbu: number | null;
}

function totals(rows: readonly ReportRow[], sbuSeconds: number | null): Totals {
  const seconds = rows.reduce((sum, r) => sum + (finite(r.seconds) ? r.seconds : 0), 0);
  return {
    steps: rows.length,
    built: rows.filter((r) => !r.cached && !r.failed).length,
    cached: rows.filter((r) => r.cached && !r.failed).length,
    failed: rows.filter((r) => r.failed).length,
    seconds,
    sbu: finite(sbuSeconds) && sbuSeconds > 0 ? seconds / sbuSeconds : null,
  };
}

function totalsRow(name: string, t: Totals, cls = ""): string {
  return `<tr${cls ? ` class="${cls}"` : ""}><th>${name}</th><td class="n">${t.steps}</td><td class="n">${t.built}</td><td class="n">${t.cached}</td><td class="n">${t.failed}</td><td class="n">${t.seconds.toFixed(1)}</td><td class="n">${num(t.sbu, 2)}</td><td>${formatDuration(t.seconds)}</td></tr>`;
}

function sbuLine(report: BuildReport): string {
  const section = escapeHtml(report.sbuSection ?? "5.2");
  if (report.sbuSection === null) return "1 SBU: not defined (this book has no Binutils pass 1)";
  if (!finite(report.sbuSeconds)) return `1 SBU: not measured in this build (${section} was cached or not built)`;
  return `1 SBU = ${report.sbuSeconds.toFixed(1)} s (${section} Binutils pass 1 in this build)`;
}

function outcomeHtml(o: BuildOutcome | undefined): string {
  if (!o) return "";
  const parts = [`<section class="outcome ${escapeHtml(o.status)}" id="outcome"><h2>Outcome: <span class="status">${escapeHtml(o.status)}</span></h2>`];
  if (o.message) parts.push(`<p class="message">${escapeHtml(o.message)}</p>`);
  if (o.failed) {
    const f = o.failed;
    const what = f.section ? `${f.section} ${f.title ?? ""}`.trim() : (f.title ?? f.step);
    parts.push(
      `<p>Failed step: <strong>${escapeHtml(what)}</strong>${f.exitCode !== undefined ? `, exit code <strong>${escapeHtml(String(f.exitCode))}</strong>` : ""}</p>`,
      `<p class="vertex"><code>${escapeHtml(f.step)}</code></p>`,
    );
    if (f.logTail.length) parts.push(`<p>Last lines of its log:</p><pre class="log">${f.logTail.map(escapeHtml).join("\n")}</pre>`);
  }
  if (o.next) parts.push(`<p class="next">${escapeHtml(o.next)}</p>`);
  parts.push("</section>");
  return parts.join("\n");
}

const COLUMNS = `<colgroup><col class="c-sec"><col class="c-title"><col class="c-chart"><col class="c-n"><col class="c-n"><col class="c-n"><col class="c-state"></colgroup>`;

function style(max: number, step: number): string {
  const tick = ((step / max) * 100).toFixed(4);
  return `
:root { color-scheme: light; --built: #3465a4; --cached: #9a9a9a; --failed: #cc1f1f; --grid: #e4e4e4; }
* { box-sizing: border-box; }
body { margin: 24px; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1d; background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px; }
h2 { font-size: 16px; margin: 20px 0 4px; }
h2 .info { font-weight: normal; color: #555; font-size: 13px; margin-left: 8px; }
.head { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: flex-start; }
.head > * { flex: 0 1 auto; min-width: 0; }
table { border-collapse: collapse; }
th, td { padding: 2px 6px; text-align: left; vertical-align: middle; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.summary td, .summary th { border-bottom: 1px solid #eee; }
.summary tr.total th, .summary tr.total td { font-weight: 600; border-top: 1px solid #bbb; }
.facts { margin: 0 0 8px; padding: 0; list-style: none; }
.legend { margin: 8px 0; display: flex; gap: 16px; align-items: center; }
.legend svg { vertical-align: middle; }
table.steps { width: 100%; table-layout: fixed; }
table.steps col.c-sec { width: 64px; } table.steps col.c-title { width: 24%; } table.steps col.c-n { width: 80px; } table.steps col.c-state { width: 72px; }
table.steps thead th { font-weight: 600; border-bottom: 1px solid #bbb; vertical-align: bottom; }
table.steps tbody th { padding-top: 10px; font-size: 14px; border-bottom: 1px solid #ddd; }
table.steps tbody th .info { font-weight: normal; color: #555; font-size: 12px; margin-left: 8px; }
table.steps td { border-bottom: 1px solid #f4f4f4; }
td.title { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
td.chart, th.axis { padding: 0; background-image: linear-gradient(to right, var(--grid) 1px, transparent 1px); background-size: ${tick}% 100%; }
svg.bar, svg.axis { display: block; overflow: hidden; }
svg.axis text { font-size: 11px; fill: #555; } svg.axis line { stroke: #999; }
rect.built { fill: var(--built); } rect.cached { fill: var(--cached); } rect.failed { fill: var(--failed); }
svg text { font-size: 11px; } text.cached, text.none { fill: #777; } text.failed { fill: var(--failed); font-weight: 600; } text.inside { fill: #fff; }
tr.failed td { background-color: #fdecec; } tr.failed td.state { color: var(--failed); font-weight: 600; }
tr.cached td.state, tr.cached td.sec, tr.cached td.title { color: #777; }
.outcome { flex: 1 1 480px; border: 1px solid #ccc; border-left: 6px solid #4e9a06; padding: 2px 12px; }
.outcome p { margin: 4px 0; }
.outcome.failed { border-left-color: var(--failed); } .outcome.cancelled { border-left-color: #c4a000; }
.outcome h2 { margin: 4px 0; } .outcome.failed .status { color: var(--failed); }
pre.log { background: #1e1e1e; color: #eee; padding: 8px; max-height: 9.5em; margin: 4px 0; overflow: auto; font-size: 12px; white-space: pre-wrap; }
`;
}

/** The report as one self-contained HTML page. */
export function renderHtmlReport(report: BuildReport, meta: HtmlReportMeta = {}): string {
  const title = escapeHtml(meta.title ?? "LFS build report");
  const longest = Math.max(0, ...report.rows.map((r) => (finite(r.seconds) ? r.seconds : 0)));
  const { max, step } = chartScale(longest);
  const groups = groupRows(report.rows);
  const all = totals(report.rows, report.sbuSeconds);

  const summary = [
    `<table class="summary"><thead><tr><th>stage</th><th class="n">steps</th><th class="n">built</th><th class="n">cached</th><th class="n">failed</th><th class="n">seconds</th><th class="n">SBU</th><th>time</th></tr></thead><tbody>`,
    ...groups.map((g) =>
      totalsRow(
        escapeHtml(g.stage),
        totals(
          g.chapters.flatMap((c) => c.rows),
          report.sbuSeconds,
        ),
      ),
    ),
    totalsRow("all steps", all, "total"),
    `</tbody></table>`,
  ].join("\n");

  const legend =
    `<div class="legend" aria-hidden="true">` +
    `<span><svg width="28" height="14"><rect class="built" x="0" y="2" width="28" height="10"/></svg> built (length: seconds)</span>` +
    `<span><svg width="6" height="14"><rect class="cached" x="0" y="0" width="3" height="14"/></svg> cached (from BuildKit's cache, no time)</span>` +
    `<span><svg width="28" height="14"><rect class="failed" x="0" y="2" width="28" height="10"/></svg> failed</span></div>`;

  const stages = groups.map((g) => {
    const t = totals(
      g.chapters.flatMap((c) => c.rows),
      report.sbuSeconds,
    );
    const bodies = g.chapters.map((c) => {
      const ct = totals(c.rows, report.sbuSeconds);
      const name = c.chapter === undefined ? "Other steps" : `Chapter ${escapeHtml(c.chapter)}`;
      const info = chapterInfo(ct);
      return `<tbody class="chapter"><tr><th colspan="7">${name}<span class="info">${info}</span></th></tr>\n${c.rows.map((r) => rowHtml(r, max)).join("\n")}\n</tbody>`;
    });
    return [
      `<section class="stage" id="stage-${escapeHtml(g.stage)}">`,
      `<h2>Stage ${escapeHtml(g.stage)}<span class="info">${plural(t.steps, "step")}, ${formatDuration(t.seconds)}</span></h2>`,
      `<table class="steps">${COLUMNS}`,
      `<thead><tr><th>section</th><th>title</th><th class="axis">${axis(max, step)}</th><th class="n">seconds</th><th class="n">SBU</th><th class="n">book SBU</th><th>state</th></tr></thead>`,
      ...bodies,
      `</table></section>`,
    ].join("\n");
  });

  return [
    `<!DOCTYPE html>`,
    `<html lang="en"><head><meta charset="utf-8">`,
    // No script, no fetch, no font or image from anywhere: only the inline style.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${title}</title>`,
    `<style>${style(max, step)}</style>`,
    `</head><body>`,
    `<h1>${title}</h1>`,
    `<div class="head"><div>`,
    `<ul class="facts"><li>total: ${finite(report.totalSeconds) ? `${report.totalSeconds.toFixed(1)} s (${formatDuration(report.totalSeconds)}) wall time` : "-"}</li><li>${sbuLine(report)}</li></ul>`,
    summary,
    `</div>`,
    outcomeHtml(report.outcome),
    `</div>`,
    legend,
    report.rows.length ? stages.join("\n") : `<p>No step of the book was reported.</p>`,
    `</body></html>`,
    ``,
  ].join("\n");
}
