/**
 * What varies between the runs of a sweep, read from their names: scalefit names a sweep's runs
 * `<sweep>/<key>=<value>_<key>=<value>…`, so a legend keyed by the fields that differ tells the runs apart
 * where a prefix cut at a fixed length would not (cosine and WSD runs share their first 52 characters).
 */

const fields = (name: string) => name.split(/(?<=[/_])/);

/**
 * Each name's fields that differ between the names (split after "/" and "_", separators dropped, joined by
 * spaces), and the shared rest with "…" for each varying field. Names that split into different numbers of
 * fields lose only their common leading and trailing fields; a lone name is its own label.
 * @example varyingParts(["s/dModel=32_lr=0.002", "s/dModel=64_lr=0.002"]) // {labels: ["dModel=32", "dModel=64"], shared: "s/…_lr=0.002"}
 */
export function varyingParts(names: readonly string[]): { labels: string[]; shared: string } {
  if (new Set(names).size < 2) return { labels: [...names], shared: "" };
  const split = names.map(fields);
  const width = split[0]!.length;
  let keep: (i: number, parts: readonly string[]) => boolean;
  if (split.every((parts) => parts.length === width)) {
    const varies = split[0]!.map((part, i) => split.some((parts) => parts[i] !== part));
    keep = (i) => varies[i]!;
  } else {
    const shortest = Math.min(...split.map((parts) => parts.length));
    let lead = 0;
    while (lead < shortest - 1 && split.every((parts) => parts[lead] === split[0]![lead])) lead++;
    let tail = 0;
    while (
      tail < shortest - 1 - lead &&
      split.every((parts) => parts[parts.length - 1 - tail] === split[0]![split[0]!.length - 1 - tail])
    )
      tail++;
    keep = (i, parts) => i >= lead && i < parts.length - tail;
  }
  const clean = (part: string) => part.replace(/[/_]$/, "");
  const labels = split.map((parts) =>
    parts
      .filter((_, i) => keep(i, parts))
      .map(clean)
      .join(" "),
  );
  const first = split[0]!;
  const shared = first
    .map((part, i) =>
      keep(i, first) ? `…${part.endsWith("/") || part.endsWith("_") ? part.slice(-1) : ""}` : part,
    )
    .join("");
  // Labels must tell the runs apart; where they would not, the full names do.
  if (new Set(labels).size !== new Set(names).size || labels.some((l) => !l))
    return { labels: [...names], shared: "" };
  return { labels, shared };
}
