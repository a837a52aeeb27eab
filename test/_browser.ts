/**
 * Browser tests drive Debian's chromium through playwright-core (never a downloaded browser). In CI a
 * missing chromium is an error (`.ci/run` installs it); elsewhere the browser tests are skipped.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const executablePath = process.env.SCALEFIT_CHROMIUM ?? "/usr/bin/chromium";
export const chromiumAvailable = existsSync(executablePath);
if (!chromiumAvailable && process.env.CI)
  throw new Error(`${executablePath} is missing: apt-get install -y chromium`);

/** Chromium headless, sandbox and network extras off, /dev/shm not relied on (small in containers). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/**
 * A new page that records what a careful reader would object to: console errors and warnings, page errors,
 * failed requests, HTTP errors, and any request outside `allowedPrefix` (data: URLs aside).
 */
export async function watchedPage(
  browser: Browser,
  allowedPrefix: string,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(allowedPrefix) && !r.url().startsWith("data:"))
      problems.push(`external request: ${r.url()}`);
  });
  return { page, problems };
}

/** Every chart of the page (svg[data-chart]) with its count of data marks and its laid-out width. */
export function chartsOf(page: Page): Promise<Array<{ id: string | null; marks: number; width: number }>> {
  return page.$$eval("svg[data-chart]", (svgs) =>
    svgs.map((svg) => ({
      id: svg.getAttribute("data-chart"),
      marks: svg.querySelectorAll(
        'g[aria-label="dot"] circle, g[aria-label="line"] path, g[aria-label="area"] path, g[aria-label="rect"] rect',
      ).length,
      width: svg.getBoundingClientRect().width,
    })),
  );
}

/** Units an axis label may name, in parentheses: "Loss (nats/token, log scale)". */
const units = [
  "nats/token",
  "FLOPs",
  "parameters",
  "tokens",
  "steps",
  "count",
  "log loss",
  "law parameter",
  "ratio",
  "fraction",
  "%",
  "bits",
  "dimensionless",
  "epochs",
];

interface Measured {
  id: string;
  texts: number;
  overlaps: string[];
  clipped: string[];
  axes: Array<{ axis: string; label: string | null }>;
}

/** Measures each chart of the page in the browser: its text boxes, pairwise and against its SVG's box. */
function measureCharts(page: Page): Promise<Measured[]> {
  return page.$$eval("svg[data-chart]", (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll("text")]
        .filter((t) => (t.textContent ?? "").trim() !== "")
        .map((t) => ({ text: (t.textContent ?? "").trim(), r: t.getBoundingClientRect() }));
      const overlaps: string[] = [];
      const clipped: string[] = [];
      texts.forEach((a, i) => {
        if (
          a.r.left < box.left - 1 ||
          a.r.right > box.right + 1 ||
          a.r.top < box.top - 1 ||
          a.r.bottom > box.bottom + 1
        )
          clipped.push(a.text);
        for (const b of texts.slice(i + 1)) {
          const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (x > 1 && y > 1)
            overlaps.push(`"${a.text}" × "${b.text}" (${x.toFixed(1)} × ${y.toFixed(1)} px)`);
        }
      });
      const axes = ["x", "y"]
        .filter((axis) => svg.querySelector(`g[aria-label="${axis}-axis tick"]`))
        .map((axis) => ({
          axis,
          label: svg.querySelector(`g[aria-label="${axis}-axis label"]`)?.textContent?.trim() ?? null,
        }));
      return { id: svg.getAttribute("data-chart") ?? "", texts: texts.length, overlaps, clipped, axes };
    }),
  );
}

/**
 * What the geometry check objects to on a page's charts, one line each naming the page (`name`) and the chart:
 * overlapping or clipped text, a chart with no axes, an axis with no label or one that names no unit.
 */
export async function geometryProblems(
  page: Page,
  name: string,
): Promise<{ problems: string[]; charts: number; texts: number }> {
  const charts = await measureCharts(page);
  const problems: string[] = charts.length > 0 ? [] : [`${name}: no charts`];
  for (const chart of charts) {
    const at = `${name}/${chart.id}`;
    for (const o of chart.overlaps) problems.push(`${at}: overlapping text ${o}`);
    for (const c of chart.clipped) problems.push(`${at}: text outside the SVG "${c}"`);
    if (chart.axes.length === 0) problems.push(`${at}: no axes`);
    for (const { axis, label } of chart.axes) {
      if (!label) problems.push(`${at}: the ${axis} axis has no label`);
      else if (!units.some((unit) => new RegExp(`\\([^)]*${unit.replace("/", "\\/")}`).test(label)))
        problems.push(`${at}: the ${axis} axis label "${label}" names no unit`);
    }
  }
  return { problems, charts: charts.length, texts: charts.reduce((n, c) => n + c.texts, 0) };
}
