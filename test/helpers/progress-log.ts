/** Readers of BuildKit's plain progress log and of the RUN lines BuildKit names its vertices after, for tests. */
import assert from "node:assert/strict";
import { sectionBlock } from "./dockerfile.js";

export interface Vertex {
  id: number;
  label: string; // "host 5/9", "internal", ...
  name: string;
  seconds?: number;
  cached: boolean;
  error?: string;
  output: string[];
}

/** Parse BuildKit's plain progress: "#N [label] name", "#N 12.3 output", "#N DONE 4.5s", "#N CACHED", "#N ERROR: ...". */
export function parsePlainProgress(log: string): Vertex[] {
  const byId = new Map<number, Vertex>();
  const get = (id: number) => {
    let v = byId.get(id);
    if (!v) byId.set(id, (v = { id, label: "", name: "", cached: false, output: [] }));
    return v;
  };
  for (const line of log.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^#(\d+) \[([^\]]+)\] (.*)$/.exec(line))) {
      const v = get(Number(m[1]));
      if (!v.name) {
        v.label = m[2]!.replace(/\s+/g, " ").trim();
        v.name = m[3]!;
      }
    } else if ((m = /^#(\d+) DONE (\d+(?:\.\d+)?)s$/.exec(line))) get(Number(m[1])).seconds = Number(m[2]);
    else if ((m = /^#(\d+) CACHED$/.exec(line))) get(Number(m[1])).cached = true;
    else if ((m = /^#(\d+) ERROR:? ?(.*)$/.exec(line))) get(Number(m[1])).error = m[2] ?? "";
    else if ((m = /^#(\d+) (?:\d+(?:\.\d+)? )?(.*)$/.exec(line))) get(Number(m[1])).output.push(m[2]!);
  }
  return [...byId.values()];
}

export const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * A section's RUN as BuildKit names its vertex: the instruction up to the heredoc marker, continuation
 * lines joined (BuildKit then appends " (#!/bin/bash...)", the heredoc's first line).
 */
export function runInstruction(dockerfile: string, section: string): { title: string; run: string } {
  const block = sectionBlock(dockerfile, section);
  assert.ok(block, `section ${section} is in the generated Dockerfile`);
  const lines = block.split("\n");
  const title = lines[0]!.replace(/^# /, "");
  const start = lines.findIndex((l) => l.startsWith("RUN "));
  assert.ok(start >= 0, `section ${section} has a RUN`);
  const end = lines.findIndex((l, i) => i >= start && l.includes("<<'END_OF_SECTION'"));
  return {
    title,
    run: squash(
      lines
        .slice(start, end + 1)
        .join("\n")
        .replace(/\\\n/g, " "),
    ),
  };
}
