import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/paths.js";
import { generate } from "../../src/render/dockerfile.js";

const bin = join(packageRoot(), "dist", "src", "cli", "main.js");
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test("generate prints the Dockerfile on standard output", () => {
  const r = cli("generate", "--arch", "x86_64", "--init", "sysv");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, generate({ arch: "x86_64", init: "sysv" }));
  assert.equal(r.stderr, "");
});

test("bad values exit 2 with one line naming the value and the accepted ones", () => {
  const cases: [string[], RegExp][] = [
    [["generate", "--arch", "mips"], /^lfs-docker: invalid arch "mips"; accepted: x86_64, aarch64\n$/],
    [["generate", "--init", "openrc"], /^lfs-docker: invalid init "openrc"; accepted: sysv, systemd\n$/],
    [["generate", "--jobs", "many"], /invalid --jobs/],
    [["generate", "--bogus-flag"], /Unknown argument: bogus-flag/],
    [["list", "everything"], /invalid list "everything"; accepted: stages, sections, packages/],
    [["frobnicate"], /Unknown argument: frobnicate/],
    [["build", "--progress", "fancy"], /invalid --progress "fancy"; accepted: auto, tty, plain, rawjson, quiet/],
    [["build", "--sources", "/no/such/dir"], /invalid --sources "\/no\/such\/dir"; accepted: an existing directory/],
    [["build", "--arch", "sparc"], /invalid arch "sparc"/],
    [["build", "--cache-to", "type=local"], /^lfs-docker: invalid --cache-to "type=local" \(type=local needs dest=DIR\); accepted: type=registry,ref=IMAGE/],
    [
      ["build", "--cache-from", "type=local,src=a", "--cache-from", "./cache"],
      /invalid --cache-from "\.\/cache" \(ref=\.\/cache is a path, not an image reference: for a directory, give type=local,src=DIR\)/,
    ],
    [["build", "--cache-to", "a", "extra"], /Unknown argument: extra/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}`);
    assert.match(r.stderr, pattern, args.join(" "));
    assert.equal(r.stdout, "", `${args.join(" ")} prints nothing on stdout`);
  }
});

test("--output writes the file; an existing different file is kept unless --force", () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-cli-"));
  const out = join(dir, "Dockerfile");
  assert.equal(cli("generate", "-o", out).code, 0);
  assert.equal(readFileSync(out, "utf8"), generate());
  assert.equal(cli("generate", "-o", out).code, 0, "same content: nothing to ask");

  writeFileSync(out, "FROM scratch\n# mine\n");
  const r = cli("generate", "-o", out);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the file exists and differs.*--force/);
  assert.equal(readFileSync(out, "utf8"), "FROM scratch\n# mine\n", "the user's file is untouched");

  assert.equal(cli("generate", "-o", out, "--force").code, 0);
  assert.equal(readFileSync(out, "utf8"), generate());
  assert.deepEqual(readdirSync(dir), ["Dockerfile"], "no temporary file left behind");
});

test("an output that cannot be written is a clear error, even for root", () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-cli-"));
  const isDir = cli("generate", "-o", dir);
  assert.equal(isDir.code, 2);
  assert.match(isDir.stderr, /invalid --output ".*" \(a directory, not a regular file\); accepted: a writable regular file path/);
  // /proc takes no new files, whoever asks.
  const proc = cli("generate", "-o", "/proc/lfs-docker-Dockerfile");
  assert.equal(proc.code, 2);
  assert.match(proc.stderr, /invalid --output "\/proc\/lfs-docker-Dockerfile" \((ENOENT|EACCES|EPERM)\)/);
  assert.deepEqual(readdirSync(dir), [], "nothing left behind");
});

test("an output in a missing directory is a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "lfs-docker-cli-"));
  const r = cli("generate", "-o", join(dir, "no", "such", "Dockerfile"));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid --output ".*no\/such\/Dockerfile" \(ENOENT\); accepted: a writable regular file path/);
  assert.equal(existsSync(join(dir, "no")), false);
});

test("list shows stages, sections with their scripts, and packages with versions", () => {
  const stages = cli("list", "stages");
  assert.equal(stages.code, 0);
  assert.match(stages.stdout, /^host\s+4\.2 to 7\.2/m);
  const sections = cli("list", "sections", "--init", "systemd", "--json");
  const rows = JSON.parse(sections.stdout) as { section: string; script: string }[];
  assert.ok(rows.some((r) => r.section === "8.76" && r.script.endsWith("8.76-systemd.sh")));
  const packages = cli("list", "packages");
  assert.match(packages.stdout, /^package\s+GCC\s+14\.2\.0\s+gcc-14\.2\.0\.tar\.xz\s+[0-9a-f]{32}$/m);
});

test("generate starts without BuildKit's client: none of gRPC, dockerode, tar-stream is loaded", () => {
  // Every CommonJS module the process loaded (the packages named here are CommonJS), listed at exit.
  const hook = `import { createRequire } from "node:module"; const cache = createRequire(${JSON.stringify(bin)}).cache;
    process.on("exit", () => process.stderr.write("\\nloaded: " + JSON.stringify(Object.keys(cache)) + "\\n"));`;
  const r = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, bin, "generate"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const loaded = JSON.parse(/\nloaded: (.*)\n$/.exec(r.stderr)?.[1] ?? "[]") as string[];
  assert.ok(
    loaded.some((f) => f.includes("/node_modules/handlebars/")),
    "the list holds the packages generate uses",
  );
  for (const pkg of ["@grpc/grpc-js", "@grpc/proto-loader", "dockerode", "docker-modem", "tar-stream", "debug"]) {
    assert.deepEqual(
      loaded.filter((f) => f.includes(`/node_modules/${pkg}/`)),
      [],
      pkg,
    );
  }
  // Its templates were precompiled by the build: Handlebars' runtime only, no compiler.
  assert.deepEqual(
    loaded.filter((f) => /\/node_modules\/(handlebars\/dist\/cjs\/handlebars\/compiler|source-map)\//.test(f)),
    [],
    "Handlebars' compiler",
  );
});

test("--help works for the program and each command", () => {
  for (const args of [["--help"], ["generate", "--help"], ["list", "--help"]]) {
    const r = cli(...args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.stdout, /lfs-docker/);
  }
});

test("an error message from a daemon or a server reaches the terminal escaped, credentials redacted", async () => {
  const { run } = await import("../../src/cli/run.js");
  let err = "";
  const io = { stdout: { write: () => true }, stderr: { write: (t: string) => ((err += t), true) } } as never;
  const code = await run(["sources", "fetch", "--mirror", "ftp://alice:s3cr3t@x\x1b[2J/"], io);
  assert.equal(code, 2);
  assert.doesNotMatch(err, /s3cr3t|\x1b/);
});
