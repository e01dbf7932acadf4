// A release server of a test's own, with a fresh SQLite database and the demo data: for journeys
// whose counts must not see other tests' contracts (the approvers' inbox badges). The same binary,
// site and settings as the shared server of playwright.config.ts, on a free port.
import { type Browser, type BrowserContext, type Page, expect } from "@playwright/test";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { hydrated } from "./session";

const repoRoot = path.resolve(__dirname, "..", "..");
const targetDir = path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || "target");
const serverBin = path.resolve(repoRoot, process.env.E2E_SERVER_BIN || path.join(targetDir, "release", "server"));
const siteRoot = path.resolve(repoRoot, process.env.E2E_SITE_ROOT || path.join("target", "site"));

export interface OwnServer {
  baseURL: string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server; resolves once `/healthz` answers (the demo data is in by then). */
export async function startOwnServer(name: string): Promise<OwnServer> {
  const port = await freePort();
  const dir = path.join(__dirname, "..", ".tmp", process.env.E2E_RUN_ID || "own", `${name}-${port}`);
  fs.mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(serverBin, [], {
    cwd: dir,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${path.join(dir, "e2e.db")}?mode=rwc`,
      DATA_DIR: dir,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_OUTPUT_NAME: "wecom_license_desk",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_ENV: "PROD",
      WLD_DEMO: "1",
      // The outbox writes the notifications: poll often so a test does not wait for the default.
      OUTBOX_POLL_MS: "100",
      RUST_LOG: process.env.RUST_LOG || "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d.toString()));
  const baseURL = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${baseURL}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not answer /healthz within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseURL,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A browser context on `server`, signed in as `username`. */
export async function signedIn(
  browser: Browser,
  server: OwnServer,
  username: string,
  password: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ...options, baseURL: server.baseURL, locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/contracts/);
  return { context, page };
}
