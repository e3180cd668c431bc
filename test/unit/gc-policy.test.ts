import { test } from "node:test";
import assert from "node:assert/strict";
import { describeGcPolicy, gcKeepBytes } from "../../src/buildkit/gc-policy.js";
import type { WorkerInfo } from "../../src/buildkit/types.js";

const MiB = 2 ** 20;
const worker = (gcPolicy: WorkerInfo["gcPolicy"]): WorkerInfo => ({ id: "w", labels: {}, platforms: [], platformSpecs: [], gcPolicy });

test("the limit on a build's steps is the tightest rule that covers every record", () => {
  // Docker Engine with builder.gc.defaultKeepStorage = 1MB (as ListWorkers reports it).
  const docker = worker([
    { all: false, keepDurationMs: 172_800_000, keepBytes: 512_000_000, filters: ["type==source.local", "type==exec.cachemount"] },
    { all: false, keepDurationMs: 5_184_000_000, keepBytes: MiB, filters: [] },
    { all: false, keepDurationMs: 0, keepBytes: MiB, filters: [] },
    { all: true, keepDurationMs: 0, keepBytes: MiB, filters: [] },
  ]);
  assert.equal(gcKeepBytes([docker]), MiB);
  assert.match(describeGcPolicy([docker]), /^keeps at most 1\.0 MiB of build cache \(keep 488\.3 MiB, 2 days of type==source\.local, type==exec\.cachemount; keep 1\.0 MiB, 60 days; keep 1\.0 MiB; keep 1\.0 MiB of everything\)$/);
});

test("no rules: no garbage collection; rules by age only: no size limit", () => {
  assert.equal(gcKeepBytes([worker([])]), undefined);
  assert.equal(describeGcPolicy([worker([])]), "off: the build cache grows until it is pruned");
  const byAge = worker([{ all: true, keepDurationMs: 3_600_000, keepBytes: 0, filters: [] }]);
  assert.equal(gcKeepBytes([byAge]), undefined);
  assert.equal(describeGcPolicy([byAge]), "removes old records (keep 1 h of everything)");
});
