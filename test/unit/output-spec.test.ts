import { test } from "node:test";
import assert from "node:assert/strict";
import { csvFields, parseOutputSpec } from "../../src/output-spec.js";
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
  ];
  for (const [spec, want] of cases) assert.deepEqual(parseOutputSpec(spec), want, spec);
});

test("malformed -o specs are refused, naming the value and what is accepted", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /accepted: DIR/],
    ["type=local", /type=local needs dest=DIR/],
    ["type=local,dest=", /type=local needs dest=DIR/],
    ["type=tar", /type=tar needs dest=FILE/],
    ["type=image,name=x", /type=image is not supported/],
    ["dest=x", /the type is missing/],
    ["type=local,dest=a,dest=b", /"dest" is given twice/],
    ["type=local,dest=a,foo=1", /takes no "foo"/],
    ["type=cacheonly,dest=x", /takes no "dest"/],
    ['type=local,"dest=a', /unclosed double quote/],
    ["type=local,,dest=a", /every field is key=value/],
  ];
  for (const [spec, msg] of cases) {
    assert.throws(() => parseOutputSpec(spec), (e: unknown) => e instanceof OptionError && e.option === "--output" && msg.test(e.message), spec);
  }
});

test("CSV fields: commas separate, double quotes protect, a doubled quote is one", () => {
  assert.deepEqual(csvFields('a,"b,c","d""e"'), ["a", "b,c", 'd"e']);
  assert.deepEqual(csvFields(""), [""]);
});
