/**
 * Text a chart places itself, so that no two labels collide and none is cut off: a footer under the plot (a
 * legend of swatches in columns, then warning notes wrapped to the chart's width), direct labels spread apart
 * where they would overlap, and the shaded region of an axis beyond the data with its distance in decades.
 * Plot draws them through render functions, with text widths estimated from DejaVu Sans (the font of the PNGs
 * and of Debian's chromium; narrower fonts only leave more room).
 */
import * as Plot from "@observablehq/plot";
import { decadesWords } from "./_format.js";
import type { Chart, Footer, LegendEntry } from "./shared.js";

// The DOM as far as used here (TypeScript's DOM library is not loaded for this package).
interface SvgNode {
  setAttribute(name: string, value: string): void;
  appendChild(child: SvgNode): SvgNode;
  textContent: string | null;
}
interface SvgContext {
  document: { createElementNS(namespace: string, tag: string): SvgNode };
}
type Scale = (value: unknown) => number;

const svgNamespace = "http://www.w3.org/2000/svg";

function node(context: SvgContext, tag: string, attributes: Record<string, string | number>, text?: string) {
  const element = context.document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A `<title>` child: the tooltip a browser shows on hover. */
function titled(context: SvgContext, element: SvgNode, title: string | undefined): SvgNode {
  if (title) element.appendChild(node(context, "title", {}, title));
  return element;
}

// Advance widths of DejaVu Sans in em, by groups of characters (measured in chromium); others 0.64 or 0.77.
const widths: ReadonlyArray<[string, number]> = [
  ["ijlIJ'", 0.29],
  [" ,.·", 0.32],
  [":;/\\|f", 0.34],
  ["()[]t-", 0.39],
  ["r!⁰¹²³⁴⁵⁶⁷⁸⁹⁻", 0.4],
  ['*_`"', 0.5],
  ["sz?", 0.53],
  ["cLF", 0.58],
  ["vxykT", 0.6],
  ["=+<>~^×−→↑←#", 0.84],
  ["mwMW%@…⚠", 1],
];

/**
 * The width of a line of text in pixels at a font size, as DejaVu Sans sets it (a slight overestimate).
 * @example textWidth("2.31", 10) // 22.4
 */
function textWidth(text: string, fontSize = 10): number {
  let em = 0;
  for (const c of text)
    em += widths.find(([group]) => group.includes(c))?.[1] ?? (/[A-Z]/.test(c) ? 0.77 : 0.64);
  return em * fontSize;
}

/** Words wrapped into lines no wider than `width` pixels (a word longer than a line is a line of its own). */
function wrap(text: string, width: number, fontSize: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && textWidth(candidate, fontSize) > width) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line) lines.push(line);
  return lines;
}

/** A text shortened in its middle to fit `width` pixels ("kjv-chinchilla/dMo…cosine-warmup0.02"). */
function shorten(text: string, width: number, fontSize: number): string {
  if (textWidth(text, fontSize) <= width) return text;
  let keep = text.length;
  while (
    keep > 2 &&
    textWidth(`${text.slice(0, Math.ceil(keep / 2))}…${text.slice(-Math.floor(keep / 2))}`, fontSize) > width
  )
    keep--;
  return `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
}

const pad = 8;
const rowHeight = 15;
const noteLine = 14;
const noteSize = 11;
const legendSize = 10;
const swatchWidth = 22;

/**
 * The chart with a legend and notes under its plot, added to any it has: the SVG grows by their height and
 * the plot keeps its size; the x-axis label stays by its ticks.
 * @example withFooter(chart, { notes: ["E is not identified by these data"] })
 */
export function withFooter(
  chart: Chart,
  { legend = [], notes = [] }: { legend?: readonly LegendEntry[]; notes?: readonly string[] },
): Chart {
  if (!chart.footer && !legend.length && !notes.length) return chart;
  const options = chart.options;
  const base = chart.footer?.base ?? {
    marginBottom: options.marginBottom ?? 30,
    height: options.height ?? 400,
    marks: options.marks ?? [],
  };
  const footer: Footer = {
    legend: [...(chart.footer?.legend ?? []), ...legend],
    notes: [...new Set([...(chart.footer?.notes ?? []), ...notes])],
    base,
  };
  const width = options.width ?? 640;
  const available = width - 2 * pad;
  const labelWidth = Math.max(0, ...footer.legend.map((e) => textWidth(e.label, legendSize)));
  const column = Math.min(available, swatchWidth + labelWidth + 14);
  const columns = Math.max(1, Math.floor((available + 14) / column));
  const rows = Math.ceil(footer.legend.length / columns);
  const lines = footer.notes.map((note) => wrap(`⚠ ${note}`, available, noteSize));
  const height =
    (rows || lines.length ? 6 : 0) + rows * rowHeight + (rows ? 4 : 0) + lines.flat().length * noteLine;
  const draw = (
    _index: number[],
    _scales: unknown,
    _values: unknown,
    dimensions: { height: number },
    context: SvgContext,
  ) => {
    const g = node(context, "g", { "aria-label": "footer", "font-size": legendSize, "text-anchor": "start" });
    let top = dimensions.height - height + 6;
    footer.legend.forEach((entry, i) => {
      const x = pad + Math.floor(i / rows) * column;
      const y = top + (i % rows) * rowHeight;
      const item = titled(context, node(context, "g", {}), entry.title);
      item.appendChild(
        node(context, "line", {
          x1: x,
          x2: x + swatchWidth - 6,
          y1: y + 6,
          y2: y + 6,
          stroke: entry.color,
          "stroke-width": entry.strokeWidth ?? 2,
          "stroke-opacity": entry.opacity ?? 1,
          ...(entry.dash ? { "stroke-dasharray": entry.dash } : {}),
        }),
      );
      item.appendChild(
        node(
          context,
          "text",
          { x: x + swatchWidth, y: y + 10 },
          shorten(entry.label, column - swatchWidth - 8, legendSize),
        ),
      );
      g.appendChild(item);
    });
    top += rows ? rows * rowHeight + 4 : 0;
    for (const line of lines.flat()) {
      g.appendChild(
        node(context, "text", { x: pad, y: top + 11, fill: "#a40", "font-size": noteSize }, line),
      );
      top += noteLine;
    }
    return g;
  };
  return {
    ...chart,
    footer,
    options: {
      ...options,
      height: base.height + height,
      marginBottom: base.marginBottom + height,
      x: { labelOffset: base.marginBottom - 3, ...options.x },
      marks: [...base.marks, ...(height ? [draw as unknown as Plot.RenderFunction] : [])],
    },
  };
}

/** A label at a data point: its text, colour and tooltip. */
export interface DirectLabel {
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly fill?: string;
  readonly title?: string;
}

/**
 * Labels beside their points (right of them, or left where the right edge is near), moved up or down as
 * little as needed so that no two overlap, kept inside the plot's frame, with a leader line when moved.
 * @example marks: [Plot.line(rows, {x: "N", y: "loss", z: "budget"}), directLabels(optima)]
 */
export function directLabels(
  labels: readonly DirectLabel[],
  { dx = 7, fontSize = 10 }: { dx?: number; fontSize?: number } = {},
): Plot.RenderFunction {
  const draw = (
    _index: number[],
    scales: { x: Scale; y: Scale },
    _values: unknown,
    dimensions: { width: number; height: number; marginTop: number; marginBottom: number },
    context: SvgContext,
  ) => {
    const g = node(context, "g", { "aria-label": "labels", "font-size": fontSize });
    const spacing = Math.ceil(fontSize * 1.3);
    const top = dimensions.marginTop + spacing / 2;
    const bottom = dimensions.height - dimensions.marginBottom - spacing / 2;
    const placed: Array<{ x0: number; x1: number; y: number }> = [];
    const conflict = (x0: number, x1: number, y: number) =>
      placed.find((p) => p.x0 < x1 + 2 && x0 < p.x1 + 2 && Math.abs(p.y - y) < spacing);
    const items = labels
      .map((label) => ({ label, px: scales.x(label.x), py: scales.y(label.y) }))
      .filter((item) => Number.isFinite(item.px) && Number.isFinite(item.py))
      .sort((a, b) => a.py - b.py);
    for (const { label, px, py } of items) {
      const width = textWidth(label.text, fontSize);
      const right = px + dx + width <= dimensions.width - 2;
      const x0 = right ? px + dx : px - dx - width;
      const x1 = x0 + width;
      const start = Math.min(bottom, Math.max(top, py));
      let y = start;
      for (let other = conflict(x0, x1, y); other; other = conflict(x0, x1, y)) y = other.y + spacing;
      if (y > bottom) {
        y = start;
        for (let other = conflict(x0, x1, y); other; other = conflict(x0, x1, y)) y = other.y - spacing;
      }
      placed.push({ x0, x1, y });
      const color = label.fill ?? "currentColor";
      if (Math.abs(y - py) > 3)
        g.appendChild(
          node(context, "line", {
            x1: px + (right ? 3 : -3),
            y1: py,
            x2: right ? x0 - 1 : x1 + 1,
            y2: y,
            stroke: color,
            "stroke-opacity": 0.6,
          }),
        );
      g.appendChild(
        titled(
          context,
          node(
            context,
            "text",
            {
              x: right ? x0 : x1,
              y,
              dy: "0.32em",
              fill: color,
              "text-anchor": right ? "start" : "end",
              // A white halo keeps a label legible where it crosses a line.
              stroke: "white",
              "stroke-width": 3,
              "paint-order": "stroke",
            },
            label.text,
          ),
          label.title,
        ),
      );
    }
    return g;
  };
  return draw as unknown as Plot.RenderFunction;
}

/**
 * The part of a log x axis beyond the data, drawn as extrapolation: shaded from the data's largest value to
 * `hi`, a dotted rule at each whole decade beyond it, and in the top margin "+1 decade", "+2 decades", … and
 * "extrapolation →" (each left out where it would touch the y-axis label or one placed before it).
 * @example marks: [...beyondData(2.6e12, 2.6e14, "↑ Loss (nats/token, log scale)"), Plot.line(...)]
 */
export function beyondData(largest: number, hi: number, yLabel: string): Plot.Markish[] {
  if (!(hi > largest * 1.02)) return [];
  const decades = Array.from(
    { length: Math.floor(Math.log10(hi / largest) + 1e-9) },
    (_, k) => largest * 10 ** (k + 1),
  );
  // The decades first: where room is short, the distance matters more than the word.
  const texts = [
    ...decades.map((x) => ({ x, text: decadesWords(x, largest), anchor: "middle" })),
    { x: largest, text: "extrapolation →", anchor: "start" },
  ];
  const draw = (
    _index: number[],
    scales: { x: Scale },
    _values: unknown,
    dimensions: { width: number; marginTop: number },
    context: SvgContext,
  ) => {
    const g = node(context, "g", {
      "aria-label": "extrapolation labels",
      "font-size": 10,
      fill: "#666",
      "text-anchor": "start",
    });
    const taken: Array<[number, number]> = [[0, 3 + textWidth(`↑ ${yLabel}`) + 6]];
    const free = (x0: number, width: number) =>
      x0 >= 2 &&
      x0 + width <= dimensions.width - 2 &&
      !taken.some(([a, b]) => x0 < b + 6 && a < x0 + width + 6);
    for (const { x, text, anchor } of texts) {
      const px = scales.x(x);
      const width = textWidth(text);
      // A decade's label centred on its rule, else beside it (right, then left), pulled in from the right edge.
      const candidates =
        anchor === "start"
          ? [px + 4]
          : [px - width / 2, px + 4, px - 4 - width].map((x0) => Math.min(x0, dimensions.width - 2 - width));
      const x0 = candidates.find((c) => free(c, width));
      if (x0 === undefined) continue;
      taken.push([x0, x0 + width]);
      g.appendChild(node(context, "text", { x: x0, y: dimensions.marginTop - 6 }, text));
    }
    return g;
  };
  return [
    Plot.rect([{ x1: largest, x2: hi }], { x1: "x1", x2: "x2", fill: "#888", fillOpacity: 0.1 }),
    Plot.ruleX([largest], { stroke: "#888", strokeDasharray: "4,3" }),
    Plot.ruleX(decades, { stroke: "#aaa", strokeDasharray: "1,3" }),
    draw as unknown as Plot.RenderFunction,
  ];
}

/**
 * `count` distinguishable colours: Observable's ten categorical colours, or evenly spaced along turbo beyond.
 * @example palette(3) // ["#4269d0", "#efb118", "#ff725c"]
 */
export function palette(count: number): string[] {
  const scheme = count <= 10 ? "observable10" : "turbo";
  const scale = Plot.scale({
    color: { type: "ordinal", scheme, domain: Array.from({ length: count }, (_, i) => i) },
  });
  return (scale.range as string[]).slice(0, count);
}
