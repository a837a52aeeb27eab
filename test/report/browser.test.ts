/**
 * The report in a real browser: Debian's chromium driven by playwright-core (never a downloaded browser).
 * The page must load with no console errors, no failed requests and no request leaving the report's
 * directory, every chart present with its data marks, and a hostile run name shown as text.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { chartsOf, chromiumAvailable, launchChromium, watchedPage } from "../_browser.js";
import { runCli } from "../_cli.js";
import { scratch } from "../_store.js";

/** Opens a page and records what a careful reader of the report would object to. */
async function inspectPage(browser: Browser, url: string, allowedPrefix: string) {
  const { page, problems } = await watchedPage(browser, allowedPrefix);
  await page.goto(url, { waitUntil: "load" });
  return { page, problems, charts: await chartsOf(page) };
}

test(
  "the report opens in chromium: no errors, no network, every chart drawn, user strings as text",
  { skip: !chromiumAvailable && "no chromium" },
  async () => {
    const { db, file, dir } = scratch("browser");
    const database = db();
    const hostile = "<img src=x onerror=alert(1)>";
    const csv = file(
      "runs.csv",
      [
        "run,N,D,loss",
        ...[1e7, 3e7, 1e8, 3e8].flatMap((n, i) =>
          [5, 10, 20, 40].map(
            (t, j) =>
              `${i === 0 && j === 0 ? `"${hostile}"` : `r${i}-${j}`},${n},${n * t},${(1.69 + 406.4 / n ** 0.34 + 410.7 / (n * t) ** 0.28).toFixed(5)}`,
          ),
        ),
      ].join("\n") + "\n",
    );
    assert.equal((await runCli("import", "--db", database, csv)).code, 0);
    const out = join(dir, "report");
    const run = await runCli(
      "report",
      "--db",
      database,
      "--law",
      "chinchilla",
      "--bootstrap",
      "50",
      "--holdout",
      "C:0.3",
      "--out",
      out,
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    const written = JSON.parse(run.stdout);
    assert.ok(written.charts >= 10);
    const browser = await launchChromium();
    try {
      const { page, problems, charts } = await inspectPage(
        browser,
        pathToFileURL(join(out, "index.html")).href,
        pathToFileURL(out).href,
      );
      assert.deepEqual(problems, []);
      assert.equal(charts.length, written.charts);
      for (const chart of charts) {
        assert.ok(chart.marks > 0, `${chart.id} has no data marks`);
        assert.ok(chart.width > 100, `${chart.id} is not laid out`);
      }
      assert.equal(await page.$$eval("img", (imgs) => imgs.length), 0);
      // The backtest: its summary, and the held-out runs drawn apart (hollow red dots) in the law's chart.
      assert.match(
        await page.$eval("body", (b) => b.textContent ?? ""),
        /Backtest C:0.3: fitted on \d+ points, \d+ held out/,
      );
      assert.ok(
        (await page.$$eval('svg[data-chart$="-fit"] g[stroke="crimson"] circle', (c) => c.length)) > 0,
      );
      const cell = await page.$$eval("td", (cells) => cells.map((c) => c.textContent));
      assert.ok(cell.includes(hostile), "the hostile run name shows as text");
      await page.screenshot({ path: join(out, "screenshot.png"), fullPage: false });
    } finally {
      await browser.close();
    }
  },
);
