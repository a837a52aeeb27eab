/** The engine version written into every fit artifact (kept equal to package.json's by a test). @example version // "0.1.0" */
export const version = "0.1.0";
