/**
 * Server-side rendering of charts: Observable Plot draws into a linkedom document (no browser), the SVG is
 * serialised (the DOM escapes every text node, so run names are text, never markup), and resvg-js turns it
 * into a PNG. linkedom and resvg load on first use.
 */
import * as Plot from "@observablehq/plot";
import type { Chart } from "./charts/shared.js";

// The DOM as far as used here (TypeScript's DOM library is not loaded for this Node package).
interface DomElement {
  tagName: string;
  outerHTML: string;
  textContent: string | null;
  firstChild: unknown;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): DomElement | null;
  insertBefore(node: DomElement, before: unknown): void;
}
interface DomDocument {
  createElement(tag: string): DomElement;
}

let documentCache: DomDocument | undefined;

async function serverDocument(): Promise<DomDocument> {
  if (!documentCache) {
    const { parseHTML } = await import("linkedom");
    documentCache = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>")
      .document as unknown as DomDocument;
  }
  return documentCache;
}

/**
 * The chart as a standalone SVG document string (with its namespace), with a <title> for screen readers.
 * @example const svg = await renderSvg(lawFitChart(fit, observations))
 */
export async function renderSvg(chart: Chart): Promise<string> {
  const document = await serverDocument();
  const node = Plot.plot({ ...chart.options, document: document as never }) as unknown as DomElement;
  const svg = node.tagName.toLowerCase() === "svg" ? node : node.querySelector("svg")!;
  svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", chart.title);
  svg.setAttribute("data-chart", chart.id);
  const title = document.createElement("title");
  title.textContent = chart.title;
  svg.insertBefore(title, svg.firstChild);
  return svg.outerHTML;
}

/**
 * A PNG of an SVG string (white background, 2× scale for sharp text unless `zoom` says otherwise), by resvg-js
 * with the system's fonts.
 * @example writeFileSync("fit.png", await renderPng(svg))
 */
export async function renderPng(svg: string, { zoom = 2 } = {}): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  return new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
}
