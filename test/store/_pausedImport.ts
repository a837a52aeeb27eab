// An import that pauses inside its transaction, once everything is written, until it is killed: the crash
// test kills it there. Usage: node --import tsx test/store/_pausedImport.ts <database> <file>…
import { openStore } from "../../src/store/duckdb.js";
import { importFiles } from "../../src/store/importFiles.js";

const [database, ...files] = process.argv.slice(2);
const store = await openStore(database!);
try {
  await importFiles(store, files, {
    beforeCommit: async () => {
      process.stderr.write("scalefit: fault pause before commit\n");
      await new Promise((resolve) => setTimeout(resolve, 60_000));
    },
  });
} finally {
  store.close();
}
