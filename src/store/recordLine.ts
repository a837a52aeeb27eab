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

/**
 * Line `record` of a JSONL file, counting only lines with something besides spaces (1 = the first such line),
 * as `readTable` numbers them: its file line and text, read in 1 MiB chunks; `undefined` past the end.
 * @example jsonLine("runs.jsonl", 1) // {line: 1, text: '{"run": "a", …}'}
 */
export function jsonLine(file: string, record: number): { line: number; text: string } | undefined {
  const chunk = Buffer.allocUnsafe(2 ** 20);
  const fd = openSync(file, "r");
  try {
    let line = 1;
    let count = 0;
    let blank = true;
    let kept: number[] | undefined;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      for (let i = 0; i < n; i++) {
        const b = chunk[i]!;
        if (b === 10) {
          if (kept) return { line, text: Buffer.from(kept).toString("utf8").trim() };
          line++;
          blank = true;
          continue;
        }
        if (blank && b !== 32 && b !== 9 && b !== 13 && b !== 11 && b !== 12) {
          blank = false;
          if (++count === record) kept = [];
        }
        kept?.push(b);
      }
      if (n === 0) return kept ? { line, text: Buffer.from(kept).toString("utf8").trim() } : undefined;
    }
  } finally {
    closeSync(fd);
  }
}
