// Browser tests against the REAL release server (the binary `cargo leptos build --release` makes),
// driven through Debian's Chromium: Playwright's own browser download is unreachable here.
//
// Environment:
//   E2E_SERVER_BIN   server binary (default: <cargo target dir>/release/server)
//   E2E_SITE_ROOT    built site with pkg/*.wasm (default: <repo>/target/site, cargo-leptos' site-root)
//   E2E_PORT         port to serve on (default 3107)
//   E2E_CHROMIUM     browser executable (default /usr/bin/chromium)
//   E2E_BASE_URL     test an already running server instead of starting one
//
// Each run gets a fresh SQLite database under end2end/.tmp/<run id>/.
import { defineConfig, devices } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { serverBin, serverEnv, siteRoot } from "./tests/server-env";

const port = Number(process.env.E2E_PORT || 3107);
const externalBaseUrl = process.env.E2E_BASE_URL;
const baseURL = externalBaseUrl || `http://127.0.0.1:${port}`;

// Playwright loads this file in the runner and again in every worker; the runner sets the run id
// once and the workers inherit it through the environment, so all agree on one directory.
process.env.E2E_RUN_ID ||= `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
const runDir = path.join(__dirname, ".tmp", process.env.E2E_RUN_ID);

if (!externalBaseUrl) {
  for (const [what, p] of [
    ["server binary (run `cargo leptos build --release`, or set E2E_SERVER_BIN)", serverBin],
    ["site WASM bundle (run `cargo leptos build --release`, or set E2E_SITE_ROOT)", path.join(siteRoot, "pkg")],
  ]) {
    if (!fs.existsSync(p)) throw new Error(`missing ${what}: ${p}`);
  }
  fs.mkdirSync(runDir, { recursive: true });
}

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  timeout: 30_000,
  // The whole run takes about a minute; a stuck one fails here, not at CI's time limit.
  globalTimeout: 15 * 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  // No retries: a test that fails once is a failure to look at. (The one flaky failure seen here,
  // a page that never hydrated right after start-up, was a server bug: a static file's response
  // took a concurrent page's CSP header; server/tests/it/security.rs reproduces and guards it.)
  retries: 0,
  // Two cores: the server and one browser per worker.
  workers: 2,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    video: "off",
    locale: "zh-CN",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: externalBaseUrl
    ? undefined
    : {
        command: JSON.stringify(serverBin),
        cwd: runDir,
        url: `${baseURL}/healthz`,
        timeout: 60_000,
        // Never test whatever else happens to listen on the port.
        reuseExistingServer: false,
        stdout: "pipe",
        stderr: "pipe",
        gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
        env: serverEnv(runDir, port),
      },
});
