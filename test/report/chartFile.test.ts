/**
 * Chart file names come from the data (run labels, the parameter names of an artifact's draws): issue 16 found an
 * artifact whose draws key was a path (`/../../../../x/PWNED`) making `report` write PWNED.png outside --out.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { chartFile } from "../../src/report/report.js";

test("chartFile keeps every chart's PNG inside the report folder", () => {
  assert.equal(chartFile("draws-chinchilla-alpha"), "draws-chinchilla-alpha.png");
  assert.equal(chartFile("/../../../../x/PWNED"), "_.._.._.._.._x_PWNED.png");
  assert.equal(chartFile("..hidden"), "_hidden.png");
  assert.equal(chartFile("run a/b\\c:d"), "run_a_b_c_d.png");
  assert.equal(chartFile(""), "chart.png");
  for (const id of ["/../x", "..", "a/../../b", "C:\\\\x", "\u0000", "%2e%2e/x"])
    assert.match(chartFile(id), /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.png$/, id);
});
