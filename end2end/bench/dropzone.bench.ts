// Drop-zone benchmark (issue #14, numbers for BENCHMARKS.md), against the real release server
// with the demo data in Debian's Chromium. Not a test: it measures and prints, it asserts nothing.
//
//   cd end2end && npx playwright test -c bench.config.ts dropzone   (BENCH_RUNS=5 by default)
//   (the same release server and environment as the browser tests: playwright.config.ts)
//
// 1. Sheet: from dropping a 10,000-row userid .xlsx on a new form's sheet zone to its summary on
//    the page (read and checked in the browser by the WASM reader; the upload is not waited for).
// 2. Upload: a 20 MiB voucher dropped on a saved form, from the drop to its stored card, and the
//    XMLHttpRequest's own time from send to load (MiB/s on loopback).
// Each figure is the median of the runs, with min and max.
import { test } from "@playwright/test";
import { hydrated, signIn } from "../tests/session";
import { drop, stats, when } from "./util";
import { useridXlsx } from "./xlsx";

const CORP = "ww69c04360d53da8b7";
const runs = Number(process.env.BENCH_RUNS) || 5;

test("dropzone: a 10,000-row sheet to its summary, a 20 MiB voucher to its card", async ({ browser }) => {
  test.setTimeout(runs * 120_000);
  const sheet = useridXlsx(CORP, 10_000).toString("base64");
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const sheetMs: number[] = [];
  const uploadMs: number[] = [];
  const xhrMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, "partner.a", "demo-partner-2026");
    await page.goto("/contracts/new");
    await hydrated(page);
    await page.locator('input[name="corp_id"]').fill(CORP);
    // 1. The sheet, to its summary.
    const t0 = await drop(page, "dropzone-userid_sheet", "userids.xlsx", "", sheet, 0);
    const t1 = await when(page, '[data-testid="sheet-preview"]');
    sheetMs.push(t1 - t0);
    await page.waitForSelector('[data-testid="stored-userid_sheet"]', { timeout: 120_000 });
    // 2. A 20 MiB voucher on the now saved form; the XHR's own time from send to load.
    await page.evaluate(() => {
      const send = XMLHttpRequest.prototype.send;
      (window as unknown as { xhr: number[] }).xhr = [];
      XMLHttpRequest.prototype.send = function (body) {
        const t = performance.now();
        this.addEventListener("load", () => (window as unknown as { xhr: number[] }).xhr.push(performance.now() - t));
        return send.call(this, body);
      };
    });
    const size = 20 * 1024 * 1024 - 1024;
    const u0 = await drop(page, "dropzone-voucher", "voucher.png", "image/png", png, size);
    const u1 = await when(page, '[data-testid="stored-voucher"]');
    uploadMs.push(u1 - u0);
    xhrMs.push((await page.evaluate(() => (window as unknown as { xhr: number[] }).xhr))[0]);
    await context.close();
  }
  const x = stats(xhrMs);
  console.log(
    JSON.stringify(
      {
        runs,
        sheet_10000_rows_drop_to_summary_ms: stats(sheetMs),
        voucher_20mib_drop_to_card_ms: stats(uploadMs),
        voucher_20mib_xhr_ms: x,
        voucher_20mib_xhr_mib_per_s: +((20 * 1024 * 1024 - 1024) / 1_048_576 / (x.median / 1000)).toFixed(1),
      },
      null,
      2,
    ),
  );
});
