/**
 * The notebooks (notebooks/*.html, Notebook Kit format) built offline into reports/notebooks by the
 * `npm run notebooks` command, then opened in Debian's chromium through a local static server (module scripts
 * do not load from file://): no console errors, no failed request, no request leaving 127.0.0.1, and every
 * chart drawn with its data marks — computed in the browser by scalefit's own fitter on the bundled data — and
 * measured as the report's charts are: no overlapping or clipped text, every axis labelled with its unit.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chartsOf, chromiumAvailable, geometryProblems, launchChromium, watchedPage } from "../_browser.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const types: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

// Charts each notebook draws (figure() in notebooks/lib/scalefit.js marks them with data-chart).
const expected: Record<string, number> = { "chinchilla.html": 9, "schedules.html": 2, "sweep.html": 4 };

test(
  "the notebooks build offline and run in chromium with no errors and no network",
  { skip: !chromiumAvailable && "no chromium", timeout: 180_000 },
  async () => {
    const build = spawnSync("npm", ["run", "notebooks"], { cwd: root, encoding: "utf8" });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    const out = join(root, "reports/notebooks");
    const server = createServer((req, res) => {
      const path = join(out, decodeURIComponent(new URL(req.url!, "http://localhost").pathname));
      if (req.url === "/favicon.ico") return void res.writeHead(204).end();
      if (!path.startsWith(out) || !existsSync(path) || statSync(path).isDirectory())
        return void res.writeHead(404).end();
      res
        .writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" })
        .end(readFileSync(path));
    }).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await launchChromium();
    try {
      for (const [name, count] of Object.entries(expected)) {
        const { page, problems } = await watchedPage(browser, origin);
        await page.goto(`${origin}/${name}`, { waitUntil: "load" });
        await page.waitForFunction(
          `document.querySelectorAll("svg[data-chart]").length >= ${count}`,
          undefined,
          {
            timeout: 60_000,
          },
        );
        const charts = await chartsOf(page);
        assert.equal(charts.length, count, name);
        for (const chart of charts) assert.ok(chart.marks > 0, `${name}: ${chart.id} has no data marks`);
        // The report's geometry check (chartGeometry.test.ts): no overlapping or clipped text, axes with units.
        problems.push(...(await geometryProblems(page, name)).problems);
        assert.deepEqual(problems, [], name);
        await page.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
  },
);
