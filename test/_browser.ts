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
