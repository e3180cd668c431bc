import { test } from "node:test";
import assert from "node:assert/strict";
import { cacheEntries, parseCacheSpec, type CacheFlag } from "../../src/cache-spec.js";
import { OptionError } from "../../src/errors.js";

test("--cache-to and --cache-from as buildx spells them", () => {
  const cases: Array<[CacheFlag, string, unknown]> = [
    ["--cache-from", "registry.example/lfs/cache:x86_64", { type: "registry", attrs: { ref: "registry.example/lfs/cache:x86_64" } }],
    ["--cache-to", "127.0.0.1:5000/lfs:cache", { type: "registry", attrs: { ref: "127.0.0.1:5000/lfs:cache", mode: "max" } }],
    ["--cache-to", "type=registry,ref=r/c:1", { type: "registry", attrs: { ref: "r/c:1", mode: "max" } }],
    ["--cache-to", "type=registry,ref=r/c:1,mode=min", { type: "registry", attrs: { ref: "r/c:1", mode: "min" } }],
    [
      "--cache-to",
      "type=registry,ref=r/c:1,image-manifest=true,oci-mediatypes=true",
      { type: "registry", attrs: { ref: "r/c:1", "image-manifest": "true", "oci-mediatypes": "true", mode: "max" } },
    ],
    ["--cache-from", "type=registry,ref=r/c:1", { type: "registry", attrs: { ref: "r/c:1" } }],
    ["--cache-to", "type=local,dest=cache", { type: "local", attrs: { dest: "cache", mode: "max" } }],
    ["--cache-to", 'Type=local,"DEST=a,b",tag=x86', { type: "local", attrs: { dest: "a,b", tag: "x86", mode: "max" } }],
    ["--cache-from", "type=local,src=cache", { type: "local", attrs: { src: "cache" } }],
    ["--cache-to", "type=inline", { type: "inline", attrs: {} }],
    ["--cache-to", "type=gha,scope=lfs,url=http://cache", { type: "gha", attrs: { scope: "lfs", url: "http://cache", mode: "max" } }],
    ["--cache-from", "type=s3,region=eu,bucket=b,name=lfs", { type: "s3", attrs: { region: "eu", bucket: "b", name: "lfs" } }],
  ];
  for (const [flag, spec, want] of cases) assert.deepEqual(parseCacheSpec(flag, spec), want, `${flag} ${spec}`);
});

test("malformed cache specs are refused, naming the flag, the value and what is accepted", () => {
  const cases: Array<[CacheFlag, string, RegExp]> = [
    ["--cache-to", "", /^invalid --cache-to "" \(empty\); accepted: type=registry,ref=IMAGE/],
    ["--cache-from", "", /^invalid --cache-from "" \(empty\); accepted: IMAGE/],
    ["--cache-to", "ref=r/c", /the type is missing/],
    ["--cache-to", "type=registry", /type=registry needs ref=IMAGE/],
    ["--cache-to", "type=registry,ref=", /type=registry needs ref=IMAGE/],
    ["--cache-to", "type=local", /type=local needs dest=DIR/],
    ["--cache-to", "type=local,src=d", /type=local exports to dest=DIR \(src=DIR is for --cache-from\)/],
    ["--cache-from", "type=local,dest=d", /type=local imports from src=DIR \(dest=DIR is for --cache-to\)/],
    ["--cache-from", "type=local", /type=local needs src=DIR/],
    ["--cache-to", "type=local,dest=d,mode=all", /mode=all: mode is max or min/],
    ["--cache-to", "type=local,dest=a,dest=b", /"dest" is given twice/],
    ["--cache-to", "type=Local,dest=a", /type=Local is not a type name/],
    ["--cache-to", 'type=local,"dest=a', /unclosed double quote/],
    ["--cache-to", "type=local,,dest=a", /every field is key=value/],
    ["--cache-to", "type=local,dest=a\nb", /"dest" holds a control character/],
    ["--cache-from", "./cache", /is a path, not an image reference: for a directory, give type=local,src=DIR/],
    ["--cache-to", "/var/cache/lfs", /for a directory, give type=local,dest=DIR/],
  ];
  for (const [flag, spec, msg] of cases) {
    assert.throws(
      () => parseCacheSpec(flag, spec),
      (e: unknown) => e instanceof OptionError && e.option === flag && msg.test(e.message),
      `${flag} ${JSON.stringify(spec)}`,
    );
  }
});

test("library entries are checked and completed like the flags", () => {
  assert.deepEqual(cacheEntries("--cache-to", ["type=inline", { type: "local", attrs: { dest: "/c" } }]), [
    { type: "inline", attrs: {} },
    { type: "local", attrs: { dest: "/c", mode: "max" } },
  ]);
  assert.deepEqual(cacheEntries("--cache-from", undefined), []);
  assert.throws(() => cacheEntries("--cache-from", [{ type: "local", attrs: {} }]), /invalid --cache-from .*type=local needs src=DIR/);
  assert.throws(() => cacheEntries("--cache-to", [{ type: "local", attrs: { dest: 1 as unknown as string } }]), /"dest" must be a string/);
});
