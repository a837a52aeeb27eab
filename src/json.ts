/**
 * JSON text of a result as scalefit writes it everywhere (`--json`, fit artifacts, the store's fits table):
 * NaN and infinities become null (JSON has no such numbers), typed arrays become arrays.
 * @example jsonText({ loss: NaN, draws: Float64Array.of(1, 2) }) // '{"loss":null,"draws":[1,2]}'
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === "number" && !Number.isFinite(v)) return null;
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float64Array);
      return v;
    },
    indent,
  );
}
