// The browser half of `make bench` (issue #18, point 3), against the real release server with the
// demo data in Debian's Chromium. Not a test: it measures, writes JSON and asserts only that each
// measurement happened. scripts/bench-browser.py runs it and renders BENCHMARKS.md's rows.
//
//   cd end2end && npx playwright test -c bench.config.ts browser
//   BENCH_RUNS   runs per figure (default 5; each figure is the median over the runs)
//   BENCH_OUT    directory for the JSON results (default test-results/bench)
//   BENCH_SHEETJS  SheetJS's xlsx.full.min.js (scripts/bench-browser.py installs npm xlsx 0.18.5)
//
// 1. keystroke → total: 200 inputs into the quote's interop quantity, each at a random moment of a
//    frame; from the input event to the total's DOM change and to the animation frame after it,
//    p50/p95 per run, and the share of inputs whose update made the first frame after them.
// 2. slow phone: `/` with a cold cache under 4× CPU slowdown and DevTools' "Slow 4G" (562.5 ms
//    latency, 1.44 Mbit/s down, 675 kbit/s up): ms from navigation start to hydrated
//    (`<body data-hydrated>`), first contentful paint and bytes on the wire.
// 3. first load: bytes on the wire (headers + compressed bodies) per page, cold cache, by kind.
// 4. sheets: a 10,000- and a 100,000-row userid .xlsx as Excel writes them (shared strings,
//    deflate); ours: dropped on the form to its checked summary on the page (the reader's chunk
//    already loaded); SheetJS 0.18.5 in the same page: `XLSX.read` alone, and with `sheet_to_json`.
import { type Browser, type Page, devices, expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { hydrated, signIn } from "../tests/session";
import { drop, stats, when } from "./util";
import { useridXlsx } from "./xlsx";

const CORP = "ww69c04360d53da8b7";
const runs = Number(process.env.BENCH_RUNS) || 5;
const out = process.env.BENCH_OUT || path.join(__dirname, "..", "test-results", "bench");
const sheetjs = process.env.BENCH_SHEETJS || path.join(__dirname, "..", ".bench", "node_modules", "xlsx", "dist", "xlsx.full.min.js");

function write(name: string, value: unknown) {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(value, null, 2));
  console.log(name, JSON.stringify(value));
}

/** The q-quantile (nearest rank) of `xs`. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

test("keystroke to updated total", async ({ browser }) => {
  type Run = { dom_p50: number; dom_p95: number; paint_p50: number; paint_p95: number; next_frame: number };
  const perRun: Run[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/?basic=0&interop=1&months=12");
    await hydrated(page);
    // Per input: ms to the total's DOM change, ms to the frame after it, and how many frames began
    // from the keystroke to that one, it included (1: the update was in the first frame after it). Each input comes at a
    // random moment of the frame, as a person's keystroke does.
    const samples: [number, number, number][] = await page.evaluate(async () => {
      let frames = 0;
      let counting = true;
      const tick = () => {
        frames++;
        if (counting) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const input = document.getElementById("interop") as HTMLInputElement;
      const result: [number, number, number][] = [];
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, Math.random() * 17));
        const changed = new Promise<[number, number, number]>((resolve) => {
          const observer = new MutationObserver(() => {
            observer.disconnect();
            const mutated = performance.now();
            requestAnimationFrame(() => resolve([mutated, performance.now(), frames]));
          });
          observer.observe(document.querySelector(".quote-result")!, { subtree: true, childList: true, characterData: true });
        });
        const f0 = frames;
        const t0 = performance.now();
        input.value = String(2 + i * 7);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        const [mutated, painted, f1] = await changed;
        result.push([mutated - t0, painted - t0, f1 - f0]);
      }
      counting = false;
      return result;
    });
    expect(samples).toHaveLength(200);
    const dom = samples.map((p) => p[0]);
    const paint = samples.map((p) => p[1]);
    perRun.push({
      dom_p50: quantile(dom, 0.5),
      dom_p95: quantile(dom, 0.95),
      paint_p50: quantile(paint, 0.5),
      paint_p95: quantile(paint, 0.95),
      next_frame: samples.filter((p) => p[2] <= 1).length / samples.length,
    });
    await context.close();
  }
  const m = (k: keyof Run) => stats(perRun.map((r) => r[k]));
  write("keystroke", {
    runs,
    inputs: 200,
    dom_p50: m("dom_p50"),
    dom_p95: m("dom_p95"),
    paint_p50: m("paint_p50"),
    paint_p95: m("paint_p95"),
    next_frame_share: m("next_frame"),
  });
});

/** Loads `url` in `page` with CDP watching: bytes on the wire per kind, once hydrated and idle. */
async function weighed(page: Page, url: string, throttle?: { cpu: number; latency: number; down: number; up: number }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  if (throttle) {
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle.cpu });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: throttle.latency,
      downloadThroughput: throttle.down,
      uploadThroughput: throttle.up,
    });
  }
  const types = new Map<string, string>();
  const bytes: Record<string, number> = {};
  cdp.on("Network.responseReceived", (e) =>
    types.set(e.requestId, new URL(e.response.url).pathname.endsWith(".wasm") ? "wasm" : e.type),
  );
  cdp.on("Network.loadingFinished", (e) => {
    const kind = (types.get(e.requestId) || "Other").toLowerCase();
    bytes[kind] = (bytes[kind] || 0) + e.encodedDataLength;
  });
  // When the app marks the body hydrated, in the page's own clock (ms since navigation start).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === "true") {
        (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
  });
  await page.goto(url, { timeout: 120_000 });
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 120_000 });
  await page.waitForLoadState("networkidle", { timeout: 120_000 });
  const timing = await page.evaluate(() => ({
    hydrated: (window as unknown as { hydratedAt: number }).hydratedAt,
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    dom_content_loaded: performance.getEntriesByType("navigation").map((n) => (n as PerformanceNavigationTiming).domContentLoadedEventEnd)[0],
  }));
  if (throttle) await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  await cdp.detach();
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return { ...timing, bytes, total };
}

test("the quote page on a slow phone, cold cache", async ({ browser }) => {
  test.setTimeout(runs * 120_000);
  // Chrome DevTools' "Slow 4G" preset, and its 4× CPU slowdown.
  const slow4g = { cpu: 4, latency: 562.5, down: (1.6e6 / 8) * 0.9, up: (750e3 / 8) * 0.9 };
  const samples = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN" });
    const page = await context.newPage();
    samples.push(await weighed(page, "/", slow4g));
    await context.close();
  }
  write("slow_phone", {
    runs,
    conditions: "Pixel 7 viewport, 4x CPU slowdown, DevTools Slow 4G (562.5 ms, 1.44 Mbit/s down, 675 kbit/s up), cold cache",
    hydrated_ms: stats(samples.map((s) => s.hydrated)),
    fcp_ms: stats(samples.map((s) => s.fcp ?? 0)),
    dom_content_loaded_ms: stats(samples.map((s) => s.dom_content_loaded)),
    bytes: samples[0].total,
  });
});

/** A fresh context, signed in as `user` (or not), with a cold cache. `bypassCSP`: to add SheetJS. */
async function pageAs(browser: Browser, user?: [string, string], bypassCSP = false): Promise<Page> {
  const context = await browser.newContext({ locale: "zh-CN", bypassCSP });
  const page = await context.newPage();
  if (user) await signIn(page, ...user);
  return page;
}

test("first-load bytes per page", async ({ browser }) => {
  test.setTimeout(5 * 60_000);
  const partner: [string, string] = ["partner.a", "demo-partner-2026"];
  const pages: [string, [string, string] | undefined][] = [
    ["/", undefined],
    ["/signin", undefined],
    ["/contracts", partner],
    ["/contracts/new", partner],
    ["/approvals", ["approver1", "demo-approver-2026"]],
    ["/admin", ["admin", "demo-admin-2026"]],
  ];
  const result: Record<string, { total: number; bytes: Record<string, number> }> = {};
  for (const [url, user] of pages) {
    const page = await pageAs(browser, user);
    const w = await weighed(page, url);
    result[url] = { total: w.total, bytes: w.bytes };
    await page.context().close();
  }
  write("first_load", result);
});

test("reading a userid sheet: ours with its checks against SheetJS", async ({ browser }) => {
  test.setTimeout(runs * 4 * 60_000);
  expect(fs.existsSync(sheetjs), `SheetJS at ${sheetjs} (scripts/bench-browser.py installs it)`).toBeTruthy();
  const result: Record<string, unknown> = {};
  const warm = useridXlsx(CORP, 3, true);
  const warmSheet = warm.toString("base64");
  for (const rows of [10_000, 100_000]) {
    const file = useridXlsx(CORP, rows, true);
    const b64 = file.toString("base64");
    const ours: number[] = [];
    const parse: number[] = [];
    const parseRows: number[] = [];
    for (let run = 0; run < runs; run++) {
      const page = await pageAs(browser, ["partner.a", "demo-partner-2026"], true);
      await page.goto("/contracts/new");
      await hydrated(page);
      await page.locator('input[name="corp_id"]').fill(CORP);
      // Load the reader's chunk first (a small sheet through 导入明细, which keeps nothing of it),
      // so what is timed is the reading, as SheetJS's already loaded script is.
      await page.locator("#lines-import-file").setInputFiles({ name: "warm.xlsx", mimeType: "", buffer: warm });
      await page.getByTestId("lines-import").waitFor();
      const t0 = await drop(page, "dropzone-userid_sheet", "userids.xlsx", "", b64, 0);
      const t1 = await when(page, '[data-testid="sheet-preview"]');
      const summary = await page.getByTestId("sheet-preview").innerText();
      expect(summary, "the sheet was read whole").toContain(String(rows));
      await expect(page.getByTestId("sheet-preview"), "the sheet has no errors").toHaveAttribute("data-ok", "true");
      ours.push(t1 - t0);
      await page.addScriptTag({ path: sheetjs });
      const [p, pr] = await page.evaluate(
        ([b64, rows, warm]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const X = (window as unknown as { XLSX: any }).XLSX;
          // Warm, as our reader is (its chunk loaded, a small sheet read): one small sheet first.
          X.utils.sheet_to_json(X.read(Uint8Array.from(atob(warm), (c) => c.charCodeAt(0)), { type: "array" }).Sheets.userid);
          let t = performance.now();
          X.read(bytes, { type: "array" });
          const parseMs = performance.now() - t;
          t = performance.now();
          const wb = X.read(bytes, { type: "array" });
          const table = X.utils.sheet_to_json(wb.Sheets[wb.SheetNames[0]], { header: 1 });
          const withRows = performance.now() - t;
          if (table.length !== rows + 1) throw new Error(`SheetJS read ${table.length} rows`);
          return [parseMs, withRows];
        },
        [b64, rows, warmSheet] as [string, number, string],
      );
      parse.push(p);
      parseRows.push(pr);
      await page.context().close();
    }
    const o = stats(ours);
    const s = stats(parse);
    result[String(rows)] = {
      file_bytes: file.length,
      ours_read_and_checked_ms: o,
      sheetjs_parse_ms: s,
      sheetjs_parse_and_rows_ms: stats(parseRows),
      ratio_ours_to_sheetjs_parse: +(o.median / s.median).toFixed(2),
    };
  }
  write("sheets", { runs, ...result });
});
