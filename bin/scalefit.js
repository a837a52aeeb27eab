#!/usr/bin/env node
// The scalefit command: runs the compiled CLI, bundled into dist/cli-bundle/ by `npm ci` (the prepare script)
// so that start-up reads a few files instead of forty.
// A closed pipe (`scalefit ... | head`) ends the process quietly instead of throwing EPIPE.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
import("../dist/cli-bundle/main.js").then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (error) => {
    process.stderr.write(
      `scalefit: cannot load dist/cli-bundle/main.js (${error.message}); run npm run build\n`,
    );
    process.exitCode = 2;
  },
);
