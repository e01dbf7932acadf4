// Where the release server and its built site are, and the environment a test server runs with:
// shared by playwright.config.ts (the run's shared server) and own-server.ts (a test's own).
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..", "..");
// cargo puts binaries under CARGO_TARGET_DIR when it is set (relative to the repo root if relative).
const targetDir = path.resolve(repoRoot, process.env.CARGO_TARGET_DIR || "target");
export const serverBin = path.resolve(repoRoot, process.env.E2E_SERVER_BIN || path.join(targetDir, "release", "server"));
// cargo-leptos' `site-root = "target/site"` is relative to the workspace, not to CARGO_TARGET_DIR.
export const siteRoot = path.resolve(repoRoot, process.env.E2E_SITE_ROOT || path.join("target", "site"));

/** The environment of a server on `port` with its database and files in `dir`, with demo data. */
export function serverEnv(dir: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: `sqlite://${path.join(dir, "e2e.db")}?mode=rwc`,
    DATA_DIR: dir,
    LEPTOS_SITE_ROOT: siteRoot,
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_OUTPUT_NAME: "wecom_license_desk",
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_ENV: "PROD",
    WLD_DEMO: "1",
    RUST_LOG: process.env.RUST_LOG || "info,sqlx=warn,sea_orm=warn",
  };
}
