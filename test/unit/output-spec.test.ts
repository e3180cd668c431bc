import { test } from "node:test";
import assert from "node:assert/strict";
import { combineOutputs, csvFields, parseBool, parseOutputSpec } from "../../src/output-spec.js";
import { OptionError } from "../../src/errors.js";

test("-o as buildx spells it", () => {
  const cases: Array<[string, unknown]> = [
    ["out", { type: "local", dest: "out" }],
    ["-", { type: "tar", dest: "-" }],
    ["type=local,dest=out/x", { type: "local", dest: "out/x" }],
    ["TYPE=local,Dest=a", { type: "local", dest: "a" }],
    ['type=local,"dest=a,b"', { type: "local", dest: "a,b" }],
    ["type=tar,dest=lfs.tar", { type: "tar", dest: "lfs.tar" }],
    ["type=tar,dest=-", { type: "tar", dest: "-" }],
    ["type=cacheonly", { type: "cacheonly" }],
    ["type=oci,dest=lfs.oci.tar", { type: "oci", dest: "lfs.oci.tar", tar: true }],
    ["type=oci,dest=layout,tar=false", { type: "oci", dest: "layout", tar: false }],
    ["type=oci,dest=-,name=reg.example/lfs:12.3", { type: "oci", dest: "-", tar: true, name: "reg.example/lfs:12.3" }],
    ["type=docker", { type: "docker" }],
    ["type=docker,name=lfs:12.3", { type: "docker", name: "lfs:12.3" }],
    ["type=docker,dest=lfs.docker.tar", { type: "docker", dest: "lfs.docker.tar" }],
    ["type=image,name=127.0.0.1:5000/lfs/iso:12.3", { type: "image", name: "127.0.0.1:5000/lfs/iso:12.3", push: false }],
    ['type=image,"name=a/b:1,c/d:2",push=1', { type: "image", name: "a/b:1,c/d:2", push: true }],
    ["type=image,push=True", { type: "image", push: true }],
    ["type=registry,name=r:5000/lfs", { type: "image", name: "r:5000/lfs", push: true }],
  ];
  for (const [spec, want] of cases) assert.deepEqual(parseOutputSpec(spec), want, spec);
});

test("malformed -o specs are refused, naming the value and what is accepted", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /accepted: DIR/],
    ["type=local", /type=local needs dest=DIR/],
    ["type=local,dest=", /type=local needs dest=DIR/],
    ["type=tar", /type=tar needs dest=FILE/],
    ["type=oci", /type=oci needs dest=FILE/],
    ["type=oci,tar=false", /type=oci,tar=false needs dest=DIR/],
    ["type=oci,tar=false,dest=-", /writes a directory, not standard output/],
    ["type=oci,dest=x,tar=maybe", /tar=maybe is not true or false/],
    ["type=docker,dest=", /dest= is empty/],
    ["type=image,name=x,push=yes", /push=yes is not true or false/],
    ["type=registry,name=x,push=false", /type=registry takes no "push"/],
    ["type=image,name=x,compression=zstd", /type=image takes no "compression"/],
    ["type=squashfs,dest=x", /type=squashfs is not supported/],
    ["dest=x", /the type is missing/],
    ["type=local,dest=a,dest=b", /"dest" is given twice/],
    ["type=local,dest=a,foo=1", /takes no "foo"/],
    ["type=cacheonly,dest=x", /takes no "dest"/],
    ['type=local,"dest=a', /unclosed double quote/],
    ["type=local,,dest=a", /every field is key=value/],
  ];
  for (const [spec, msg] of cases) {
    assert.throws(
      () => parseOutputSpec(spec),
      (e: unknown) => e instanceof OptionError && e.option === "--output" && msg.test(e.message),
      spec,
    );
  }
});

test("CSV fields: commas separate, double quotes protect, a doubled quote is one", () => {
  assert.deepEqual(csvFields('a,"b,c","d""e"'), ["a", "b,c", 'd"e']);
  assert.deepEqual(csvFields(""), [""]);
});

test("image names are checked where they are given", () => {
  for (const spec of ["type=image,name=UPPER/case", "type=docker,name=a b", "type=oci,dest=x,name=-bad"]) {
    assert.throws(
      () => parseOutputSpec(spec),
      (e: unknown) => e instanceof OptionError && e.option === "--output name",
      spec,
    );
  }
});

test("Go's boolean spellings", () => {
  assert.deepEqual(["1", "t", "TRUE", "True", "0", "f", "False", "yes", ""].map(parseBool), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    undefined,
    undefined,
  ]);
});

test("--load, --push and --tag combine with -o as in buildx", () => {
  const cases: Array<[Parameters<typeof combineOutputs>, unknown]> = [
    [[["out"]], [{ type: "local", dest: "out" }]],
    [[[], { load: true }], [{ type: "docker" }]],
    [
      [["out"], { load: true, tags: ["lfs:12.3"] }],
      [
        { type: "local", dest: "out" },
        { type: "docker", name: "lfs:12.3" },
      ],
    ],
    // --load adds nothing when a type=docker without dest is there; one with dest is a file, so it adds one.
    [[["type=docker,name=a"], { load: true }], [{ type: "docker", name: "a" }]],
    [
      [["type=docker,dest=x.tar"], { load: true }],
      [{ type: "docker", dest: "x.tar" }, { type: "docker" }],
    ],
    [[[], { push: true, tags: ["r:5000/lfs:1", "r:5000/lfs:latest"] }], [{ type: "image", push: true, name: "r:5000/lfs:1,r:5000/lfs:latest" }]],
    // --push sets push=true on a type=image given rather than adding one.
    [[["type=image,name=r/x"], { push: true }], [{ type: "image", name: "r/x", push: true }]],
    [
      [["type=oci,dest=o.tar", "type=cacheonly"], { tags: ["r/x:1"] }],
      [{ type: "oci", dest: "o.tar", tar: true, name: "r/x:1" }, { type: "cacheonly" }],
    ],
  ];
  for (const [args, want] of cases) assert.deepEqual(combineOutputs(...args), want, JSON.stringify(args));
});

test("combinations buildx refuses, and two destinations lfs-docker cannot serve, are refused", () => {
  const cases: Array<[Parameters<typeof combineOutputs>, RegExp]> = [
    [[[], { push: true }], /invalid --push .*an image name to push to: --tag NAME/],
    [[["type=image,push=true"]], /no name given/],
    [[["a", "b"]], /one local directory per build/],
    [[["-", "type=oci,dest=-"]], /one output to standard output/],
    [[[], { load: true, tags: ["Bad Tag"] }], /invalid --tag "Bad Tag"/],
  ];
  for (const [args, msg] of cases)
    assert.throws(
      () => combineOutputs(...args),
      (e: unknown) => e instanceof OptionError && msg.test(e.message),
      JSON.stringify(args),
    );
});
