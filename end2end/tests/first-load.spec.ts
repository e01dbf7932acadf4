// The quote page's first load: every file a customer's browser fetches for `/` (HTML, CSS, JS,
// WASM), weighed compressed. A first load of `/` gets the quote page's own small WASM
// (`quote_island_bg.wasm`: the calculator's wiring, `app::routes::quote::hydrate_island`), not the
// app's; the signed-in pages are WASM chunks of the app's bundle (`cargo leptos build --split`),
// fetched only when a page needs them.
//
// Issue #18 targets 250 KB compressed for this page (a 2 s start on a slow phone), and this test
// holds it to that. The app's own main module alone is ~290 KB compressed, which is why `/` does
// not load it.
//
// Sizes are deterministic for a given build, so this is a budget check, not a timing assertion.
// Each file is weighed with brotli at quality 11 (what the release build precompresses with) from
// its uncompressed bytes; the size as transferred to this browser is logged beside it.
import { expect, test, type APIRequestContext } from "@playwright/test";
import * as zlib from "node:zlib";

/// Issue #18's target for the quote page's first load.
const TARGET_BYTES = 250 * 1000;

type Fetched = { url: string; kind: string; transferred: number; encoding: string };

function kindOf(url: string, contentType: string): string {
  const path = new URL(url).pathname;
  if (path.endsWith(".wasm")) return "wasm";
  if (path.endsWith(".js") || contentType.includes("javascript")) return "js";
  if (path.endsWith(".css") || contentType.includes("css")) return "css";
  if (contentType.includes("html")) return "html";
  return "other";
}

async function brotliSize(request: APIRequestContext, url: string): Promise<number> {
  const res = await request.get(url, { headers: { "accept-encoding": "identity" } });
  expect(res.ok(), `${url} answers`).toBeTruthy();
  const raw = await res.body();
  return zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }).length;
}

/// Loads `path` in a fresh page and lists what it fetched once hydrated and idle.
async function firstLoad(page: import("@playwright/test").Page, path: string): Promise<Fetched[]> {
  const fetched: Promise<Fetched | null>[] = [];
  page.on("requestfinished", (req) => {
    fetched.push(
      (async () => {
        const res = await req.response();
        if (!res) return null;
        const sizes = await req.sizes();
        const headers = await res.allHeaders();
        return {
          url: req.url(),
          kind: kindOf(req.url(), headers["content-type"] ?? ""),
          transferred: sizes.responseBodySize,
          encoding: headers["content-encoding"] ?? "identity",
        };
      })(),
    );
  });
  await page.goto(path);
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  await page.waitForLoadState("networkidle");
  return (await Promise.all(fetched)).filter((f): f is Fetched => f !== null);
}

test("the quote page's first load is its own WASM module and stays under 250 KB compressed", async ({ page, request }, testInfo) => {
  const files = (await firstLoad(page, "/")).filter((f) => f.kind !== "other");
  const weighed = [];
  for (const f of files) weighed.push({ ...f, brotli: await brotliSize(request, f.url) });
  const total = weighed.reduce((sum, f) => sum + f.brotli, 0);
  const report = { total_brotli: total, target: TARGET_BYTES, files: weighed };
  console.log("first load of /", JSON.stringify(report));
  await testInfo.attach("first-load.json", { body: JSON.stringify(report, null, 2), contentType: "application/json" });

  const wasm = weighed.filter((f) => f.kind === "wasm");
  expect(wasm.map((f) => new URL(f.url).pathname), "only the quote page's own WASM module").toEqual([
    "/pkg/quote_island_bg.wasm",
  ]);
  expect(weighed.some((f) => f.kind === "html")).toBeTruthy();
  expect(total, "first load of / in bytes, brotli (see first-load.json)").toBeLessThan(TARGET_BYTES);
});

test("a signed-in page fetches its own WASM chunk", async ({ page }) => {
  const files = await firstLoad(page, "/signin");
  const chunks = files.filter((f) => f.kind === "wasm" && !f.url.endsWith("/wecom_license_desk.wasm"));
  expect(chunks.length, "the sign-in page's chunk").toBeGreaterThan(0);
  // And the page works: the form is there and hydrated.
  await expect(page.getByLabel("用户名")).toBeVisible();
});
