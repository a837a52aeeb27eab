import { test } from "node:test";
import { fitLaw } from "../../src/fit/fitLaw.js";
import { chinchilla } from "../../src/fit/laws/chinchilla.js";
import { formatFitReport } from "../../src/fit/report.js";
import { epochData } from "../_epoch.js";
import { assertSnapshot } from "../_snapshot.js";

test("formatFitReport(fitLaw(chinchilla, Epoch's data)) matches the golden report", () => {
  const fit = fitLaw(chinchilla, epochData(), { intervals: "covariance", profile: ["alpha"] });
  assertSnapshot(
    "chinchilla-epoch-report.txt",
    formatFitReport(fit, { data: "data/chinchilla/epoch.csv (245 rows, 5 highest-loss dropped)" }),
  );
});

test("formatFitReport with bootstrap intervals matches the golden report", () => {
  const fit = fitLaw(chinchilla, epochData(), { bootstrap: 200, seed: 1 });
  assertSnapshot("chinchilla-epoch-bootstrap-report.txt", formatFitReport(fit), 3);
});
