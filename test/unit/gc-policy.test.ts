import assert from "node:assert/strict";
import { test } from "node:test";

import { describeGcRule, gcVerdict, type GcRule } from "../../src/buildkit/gc-policy.js";

const GiB = 2 ** 30;
const rule = (r: Partial<GcRule>): GcRule => ({ all: false, keepDurationMs: 0, keepBytes: 0, filters: [], ...r });
// buildkitd's own defaults (cmd/buildkitd/config DefaultGCPolicy) for a disk whose cap is 10 GiB.
const buildkitdDefaults = [
  rule({ filters: ["type==source.local,type==exec.cachemount,type==source.git.checkout"], keepDurationMs: 48 * 3600e3, keepBytes: 512e6 }),
  rule({ keepDurationMs: 60 * 86400e3, keepBytes: 10 * GiB }),
  rule({ keepBytes: 10 * GiB }),
  rule({ all: true, keepBytes: 10 * GiB }),
];

test("gc rules in words", () => {
  assert.deepEqual(buildkitdDefaults.map(describeGcRule), [
    "keep 488 MiB and what was used in the last 2 d; records: type==source.local,type==exec.cachemount,type==source.git.checkout",
    "keep 10.0 GiB and what was used in the last 60 d; every record",
    "keep 10.0 GiB; every record",
    "keep 10.0 GiB; every record (internal ones too)",
  ]);
  assert.equal(describeGcRule(rule({})), "keep nothing; every record");
});

test("a policy that keeps less than a whole build's cache is a warning; enough is none", () => {
  const cases: Array<[GcRule[], number, number | undefined, RegExp | undefined]> = [
    [buildkitdDefaults, 30 * GiB, 10 * GiB, /keeps at most 10\.0 GiB of cache, less than a whole LFS build's 30\.0 GiB/],
    [buildkitdDefaults, 8 * GiB, 10 * GiB, undefined],
    [[rule({ keepBytes: 100 * GiB })], 30 * GiB, 100 * GiB, undefined],
    [[rule({})], 30 * GiB, 0, /keeps at most 0 MiB/],
    // Only filtered rules, or none reported (Docker Engine): nothing limits it by size.
    [[buildkitdDefaults[0]!], 30 * GiB, undefined, undefined],
    [[], 30 * GiB, undefined, undefined],
  ];
  for (const [rules, need, keeps, warning] of cases) {
    const v = gcVerdict(rules, need);
    assert.equal(v.keepsBytes, keeps);
    if (warning) assert.match(v.warning ?? "", warning);
    else assert.equal(v.warning, undefined);
  }
  assert.match(gcVerdict(buildkitdDefaults, 30 * GiB).note ?? "", /kept only while used within 60 d/);
});
