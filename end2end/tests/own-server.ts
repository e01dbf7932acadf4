// A release server of a test's own, with a fresh SQLite database and the demo data: for journeys
// whose counts must not see other tests' contracts (the approvers' inbox badges). The same binary,
// site and settings as the shared server of playwright.config.ts, on a free port.
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { serverBin, serverEnv } from "./server-env";
import { signIn } from "./session";

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
export async function startOwnServer(name: string, env: Record<string, string> = {}): Promise<OwnServer> {
  const port = await freePort();
  const dir = path.join(__dirname, "..", ".tmp", process.env.E2E_RUN_ID || "own", `${name}-${port}`);
  fs.mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(serverBin, [], {
    cwd: dir,
    env: {
      ...process.env,
      ...serverEnv(dir, port),
      // The outbox writes the notifications: poll often so a test does not wait for the default.
      OUTBOX_POLL_MS: "100",
      RUST_LOG: process.env.RUST_LOG || "warn",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return running(child, `http://127.0.0.1:${port}`, "/healthz", 60_000);
}

/**
 * The WeCom license API stand-in (`server wecom-standin`) on a free port, once its page answers:
 * point a server's `WECOM_API_BASE` at `baseURL`.
 */
export async function startWecomStandIn(): Promise<OwnServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(serverBin, ["wecom-standin", "--addr", `127.0.0.1:${port}`], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return running(child, `http://127.0.0.1:${port}`, "/", 30_000);
}

/** Waits until `child` answers `probe` on `baseURL` (at most `patienceMs`); then the handle. */
async function running(child: ChildProcess, baseURL: string, probe: string, patienceMs: number): Promise<OwnServer> {
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d.toString()));
  const deadline = Date.now() + patienceMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${baseURL} exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${baseURL}${probe}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${baseURL} did not answer ${probe} within ${patienceMs / 1000} s: ${stderr}`);
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
  await signIn(page, username, password);
  return { context, page };
}
