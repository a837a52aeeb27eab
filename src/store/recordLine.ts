import { closeSync, openSync, readSync } from "node:fs";

/**
 * The file line where record `record` of a CSV/TSV file starts (0 = the header, 1 = the first data row),
 * read in 1 MiB chunks so a file of any size is scanned in bounded memory. Records split as csv-parse splits
 * them with `skip_empty_lines` and `trim` (and as `readTable` numbers them): line breaks inside double quotes
 * belong to the record, blank or whitespace-only lines are skipped; CR LF, LF and a lone CR each end a line.
 * `undefined` when the file has fewer records.
 * @example recordLine("runs.csv", ",", 1) // 2 when the data starts right after the header
 */
export function recordLine(file: string, delimiter: string, record: number): number | undefined {
  const tab = delimiter === "\t";
  const chunk = Buffer.allocUnsafe(2 ** 20);
  const fd = openSync(file, "r");
  try {
    let line = 1;
    let quoted = false;
    let atStart = true;
    let afterCr = false;
    let count = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return undefined;
      for (let i = 0; i < n; i++) {
        const b = chunk[i]!;
        if (afterCr) {
          afterCr = false;
          if (b === 10) continue;
        }
        if (atStart) {
          if (b === 32 || (b === 9 && !tab)) continue;
          if (b === 10 || b === 13) {
            line++;
            afterCr = b === 13;
            continue;
          }
          if (count === record) return line;
          count++;
          atStart = false;
        }
        if (b === 34) quoted = !quoted;
        else if (b === 10 || b === 13) {
          line++;
          afterCr = b === 13;
          if (!quoted) atStart = true;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
