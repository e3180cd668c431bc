/**
 * Capability detection and the clear errors for old daemons (BuildKit 0.8 in Docker 20.10), with
 * fake Control servers that answer like the real ones did (messages copied from real daemons).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import {
  buildkitForDocker,
  daemonLabel,
  detectCapabilities,
  explainUnsupported,
  heredocLines,
  limitations,
  meaningfulVersion,
  probeExporterList,
  syntaxDirective,
} from "../../src/buildkit/capabilities.js";
import { SolveError, UnsupportedFeatureError } from "../../src/buildkit/errors.js";
import { startFakeControl } from "../helpers/fake-control.js";
import type { ControlClient } from "../../src/buildkit/wire/load.js";

type Generation = "v0.8" | "v0.13";

/** A Control server answering Info and the exporter probe like BuildKit 0.8 or 0.13 does. */
async function fakeControl(gen: Generation): Promise<{ client: ControlClient; seen: unknown[]; close(): void }> {
  const seen: unknown[] = [];
  const fail = (cb: grpc.sendUnaryData<unknown>, code: grpc.status, details: string): void =>
    cb(Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }));
  const d = await startFakeControl({
    Info: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      if (gen === "v0.8") fail(cb, grpc.status.UNIMPLEMENTED, "unknown method Info for service moby.buildkit.v1.Control");
      else cb(null, { buildkitVersion: { package: "github.com/moby/buildkit", version: "v0.0.0+unknown", revision: "" } });
    },
    Solve: (
      call: grpc.ServerUnaryCall<{ Frontend: string; Exporters: Array<{ Type: string }>; Exporter: string }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      seen.push(call.request);
      const listed = gen === "v0.13" ? call.request.Exporters.map((e) => e.Type) : [];
      const single = call.request.Exporter ? [call.request.Exporter] : [];
      const exporter = [...listed, ...single][0];
      if (exporter) fail(cb, grpc.status.UNKNOWN, `exporter "${exporter}" could not be found`);
      else fail(cb, grpc.status.UNKNOWN, `invalid frontend: ${call.request.Frontend}`);
    },
  });
  return { ...d, seen };
}

describe("capability detection", () => {
  it("finds that BuildKit 0.8 reads no Exporters list and has no Info RPC", async () => {
    const d = await fakeControl("v0.8");
    try {
      assert.equal(await probeExporterList(d.client), false);
      const caps = await detectCapabilities(d.client, async () => ({ version: "20.10.24+dfsg1", apiVersion: "1.41" }));
      assert.deepEqual(caps, {
        infoRpc: false,
        exporterList: false,
        engineVersion: "20.10.24+dfsg1",
        buildkitVersion: "0.8",
        label: "BuildKit 0.8 in Docker 20.10",
      });
      // The probe names an exporter only in the list, and a frontend that cannot build anything.
      const req = d.seen[0] as { Exporter: string; Frontend: string; Exporters: Array<{ Type: string }> };
      assert.equal(req.Exporter, "");
      assert.equal(req.Frontend, "lfs-docker-probe");
      assert.deepEqual(
        req.Exporters.map((e) => e.Type),
        ["lfs-docker-probe"],
      );
    } finally {
      d.close();
    }
  });

  it("finds the Exporters list on BuildKit 0.13 even when it reports v0.0.0+unknown", async () => {
    const d = await fakeControl("v0.13");
    try {
      const caps = await detectCapabilities(d.client, async () => ({ version: "26.1.5+dfsg1", apiVersion: "1.45" }));
      assert.equal(caps.exporterList, true);
      assert.equal(caps.infoRpc, true);
      assert.equal(caps.reportedBuildkitVersion, "v0.0.0+unknown");
      assert.equal(caps.buildkitVersion, "0.13");
      assert.equal(caps.label, "BuildKit 0.13 in Docker 26.1");
    } finally {
      d.close();
    }
  });

  it("maps versions and labels", () => {
    assert.equal(buildkitForDocker("20.10.24+dfsg1"), "0.8");
    assert.equal(buildkitForDocker("23.0.6"), "0.10");
    assert.equal(buildkitForDocker("26.1.5+dfsg1"), "0.13");
    assert.equal(buildkitForDocker("99.0.0"), undefined);
    assert.equal(buildkitForDocker("19.03.15"), "0.6");
    assert.equal(buildkitForDocker("24.0.9"), "0.11");
    assert.equal(buildkitForDocker("not a version"), undefined);
    assert.equal(meaningfulVersion("v0.0.0+unknown"), undefined);
    assert.equal(meaningfulVersion("v0.13.2"), "0.13.2");
    assert.equal(daemonLabel({ buildkitVersion: "0.13.2" }), "BuildKit 0.13.2");
    assert.equal(daemonLabel({}), "this BuildKit daemon");
    const lim = limitations({ infoRpc: false, exporterList: false, label: "x" }, { heredocs: false, namedContexts: false });
    assert.equal(lim.length, 4);
    assert.match(lim[0]!, /no heredocs/);
    assert.deepEqual(limitations({ infoRpc: true, exporterList: true, label: "x" }, { heredocs: true, namedContexts: true }), []);
  });
});

describe("clear errors for what the daemon cannot do", () => {
  const label = "BuildKit 0.8 in Docker 20.10";
  const solveError = (details: string): SolveError => new SolveError(`failed to solve: UNKNOWN: ${details}`, { grpcCode: 2, details });

  it("finds heredoc lines and # syntax directives", () => {
    assert.deepEqual(heredocLines("FROM x\nRUN <<'END_OF_SECTION'\nset -e\nEND_OF_SECTION\nCOPY <<-EOT /a\nx\nEOT\nRUN echo '<<'\n"), [
      { line: 2, text: "RUN <<'END_OF_SECTION'" },
      { line: 5, text: "COPY <<-EOT /a" },
    ]);
    assert.equal(syntaxDirective("# syntax=docker/dockerfile:1.4\nFROM x\n"), "docker/dockerfile:1.4");
    assert.equal(syntaxDirective("\n# comment\n#syntax = foo/bar\nFROM x\n"), "foo/bar");
    assert.equal(syntaxDirective("FROM x\n# syntax=late\n"), undefined);
  });

  it("explains a heredoc parse error", () => {
    const err = solveError(
      "failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 3: unknown instruction: ECHO",
    );
    const e = explainUnsupported(err, { dockerfile: "FROM img\nRUN <<EOF\necho hi\nEOF\n", label });
    assert.ok(e instanceof UnsupportedFeatureError);
    assert.equal(e.feature, "heredocs");
    assert.equal(e.code, "UNSUPPORTED");
    assert.equal(e.cause, err);
    assert.match(
      e.message,
      /^BuildKit 0\.8 in Docker 20\.10 cannot build this Dockerfile: its builtin Dockerfile frontend has no heredocs \(line 2: RUN <<EOF\)/,
    );
    assert.match(e.message, /Docker >= 23 \/ BuildKit >= 0\.10/);
    // The same parse error without any heredoc in the Dockerfile is just a parse error.
    assert.equal(explainUnsupported(err, { dockerfile: "FROM img\nECHO hi\n", label }), undefined);
  });

  it("explains a named context the frontend took for an image", () => {
    const err = solveError(
      'failed to load cache key: failed to do request: Head "https://registry-1.docker.io/v2/library/extra/manifests/latest": dial tcp: no such host',
    );
    const e = explainUnsupported(err, { dockerfile: "FROM scratch\nCOPY --from=extra / /\n", namedContexts: ["extra"], label });
    assert.ok(e instanceof UnsupportedFeatureError);
    assert.equal(e.feature, "named-contexts");
    assert.match(e.message, /cannot use named build contexts/);
    assert.equal(explainUnsupported(err, { namedContexts: ["extr"], label }), undefined);
    assert.equal(explainUnsupported(err, { namedContexts: ["other"], label }), undefined);
  });

  it("explains a # syntax= image that cannot be pulled, but not a failing step", () => {
    const details =
      'failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: failed to do request: Head "https://registry-1.docker.io/v2/docker/dockerfile/manifests/1.4": no such host';
    const df = "# syntax=docker/dockerfile:1.4\nFROM img\nRUN true\n";
    const e = explainUnsupported(solveError(details), { dockerfile: df, label });
    assert.ok(e instanceof UnsupportedFeatureError);
    assert.equal(e.feature, "syntax-directive");
    const step = new SolveError('failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2 (gateway.v0 request)', { exitCode: 2 });
    assert.equal(explainUnsupported(step, { dockerfile: df, label }), undefined);
  });
});
