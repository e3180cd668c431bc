/**
 * Example: build any Dockerfile with lfs-docker's BuildKit driver, follow the build as events, and
 * export the result to a directory. What a tool embedding lfs-docker does instead of scraping a
 * terminal: one line per step as it ends, with its duration or "cached", and the failing step's log.
 *
 *   npm run build && node dist/examples/solve-events.js CONTEXT_DIR OUT_DIR [Dockerfile]
 *
 * The daemon is BUILDKIT_HOST's, else Docker Engine's BuildKit (DOCKER_HOST or the local socket).
 * Ctrl-C cancels the build on the daemon.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect, SolveError } from "../src/index.js";

const [context, out, dockerfile] = process.argv.slice(2);
if (!context || !out) {
  console.error("usage: solve-events CONTEXT_DIR OUT_DIR [Dockerfile]");
  process.exit(2);
}

const ac = new AbortController();
process.once("SIGINT", () => ac.abort(new Error("interrupted")));

const client = await connect();
try {
  const job = client.startSolve({
    context,
    dockerfileText: readFileSync(dockerfile ?? join(context, "Dockerfile"), "utf8"),
    exports: [{ type: "local", dest: out }],
    signal: ac.signal,
  });
  // The events end when the build does, whether it succeeded or not; the result says which.
  for await (const e of job.events) {
    if (e.type === "vertex-completed") console.log(`done    ${(e.durationMs / 1000).toFixed(1).padStart(6)} s  ${e.vertex.name}`);
    else if (e.type === "vertex-cached") console.log(`cached            ${e.vertex.name}`);
    else if (e.type === "vertex-error") console.log(`FAILED            ${e.vertex.name}: ${e.error}`);
  }
  const result = await job.result;
  console.log(`exported to ${out} (build ${result.ref})`);
} catch (err) {
  if (err instanceof SolveError) {
    console.error(`build failed at ${err.vertex ?? "(no step)"}, exit code ${err.exitCode ?? "-"}`);
    for (const line of err.logTail) console.error(`  | ${line}`);
  } else {
    console.error(err instanceof Error ? err.message : err);
  }
  process.exitCode = ac.signal.aborted ? 130 : 1;
} finally {
  await client.close();
}
