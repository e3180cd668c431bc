import assert from "node:assert/strict";
import { test } from "node:test";

import { formatBytes, formatDockerBytes, formatMiB } from "../../src/text/bytes.js";

test("sizes in binary units, three significant digits", () => {
  const rows: Array<[number, string]> = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.00 KiB"],
    [1536, "1.50 KiB"],
    [12.3 * 2 ** 20, "12.3 MiB"],
    [512e6, "488 MiB"],
    [1.02 * 2 ** 30, "1.02 GiB"],
    [3 * 2 ** 50, "3072 TiB"],
  ];
  for (const [n, text] of rows) assert.equal(formatBytes(n), text, String(n));
});

test("sizes as docker's progress shows them", () => {
  const rows: Array<[number, string]> = [
    [0, "0B"],
    [999, "999B"],
    [1000, "1kB"],
    [3210, "3.21kB"],
    [1_500_000, "1.5MB"],
    [2e15, "2000TB"],
  ];
  for (const [n, text] of rows) assert.equal(formatDockerBytes(n), text, String(n));
});

test("sizes in MiB and GiB at a fixed precision (cache and disk messages)", () => {
  const rows: Array<[number, { digits?: number; gib?: boolean }, string]> = [
    [2 ** 20, {}, "1.0 MiB"],
    [2 ** 20, { digits: 0 }, "1 MiB"],
    [512 * 2 ** 20, { digits: 0 }, "512 MiB"],
    [20 * 2 ** 30, { digits: 0 }, "20.0 GiB"],
    [1.5 * 2 ** 30, {}, "1.5 GiB"],
    [3 * 2 ** 30, { gib: false }, "3072.0 MiB"],
    [0, {}, "0.0 MiB"],
  ];
  for (const [n, o, text] of rows) assert.equal(formatMiB(n, o), text, `${n} ${JSON.stringify(o)}`);
});
