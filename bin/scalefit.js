#!/usr/bin/env node
// The scalefit command: runs the compiled CLI (built into dist/ by `npm ci` through the prepare script).
import("../dist/cli/main.js").then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (error) => {
    process.stderr.write(`scalefit: cannot load dist/cli/main.js (${error.message}); run npm run build\n`);
    process.exitCode = 2;
  },
);
