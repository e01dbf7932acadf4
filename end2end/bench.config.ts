// Benchmarks in the browser (not tests: they print figures for BENCHMARKS.md and assert nothing),
// against the same release server as the browser tests:
//   cd end2end && npx playwright test -c bench.config.ts
import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: "*.bench.ts",
  timeout: 15 * 60_000,
  workers: 1,
  fullyParallel: false,
});
