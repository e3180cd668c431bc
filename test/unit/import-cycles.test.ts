import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import ts from "typescript";

import { packageRoot } from "../../src/paths.js";

/** Every module of src/ and the modules of src/ it imports (static, type-only, re-exports and import()). */
function importGraph(src: string): Map<string, string[]> {
  const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const path = join(src, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
    const local = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith("."));
    graph.set(
      file,
      local.map((name) => relative(src, resolve(dirname(path), name.replace(/\.js$/, ".ts")))),
    );
  }
  return graph;
}

/** The cycles of a graph, each as the modules along it, found by depth-first search. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (m: string) => {
    const at = path.indexOf(m);
    if (at >= 0) return void found.push([...path.slice(at), m]);
    if (done.has(m)) return;
    path.push(m);
    for (const next of graph.get(m) ?? []) visit(next);
    path.pop();
    done.add(m);
  };
  for (const m of [...graph.keys()].sort()) visit(m);
  return found;
}

test("the modules of src/ import one another without cycles", () => {
  const graph = importGraph(join(packageRoot(), "src"));
  assert.ok(graph.size > 100 && graph.get("cli/run.ts")?.includes("cli/commands/generate.ts"), "the graph holds src/'s modules and their imports");
  assert.deepEqual(cycles(graph), []);
});

test("the cycle search finds a cycle, type-only imports included", () => {
  const g = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cycles(g), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  assert.deepEqual(
    ts.preProcessFile('import type { X } from "./x.js"; const y = await import("./y.js");', true, true).importedFiles.map((i) => i.fileName),
    ["./x.js", "./y.js"],
  );
});
