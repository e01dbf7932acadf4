// The public quote page (`/`) in a real browser against the release server: the optimized WASM
// must load and hydrate, and then every keystroke re-prices in the browser with the shared engine.
import { test as base, expect, type Page } from "@playwright/test";
import { signIn } from "./session";

type Problems = { errors: string[] };

// Every test fails on an uncaught page error, a console error (CSP violations are reported there)
// or a failed request for the page's own assets.
const test = base.extend<Problems>({
  errors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      // The site has no favicon yet; the browser asking for one is not the page's fault.
      const favicon = (url: string) => new URL(url).pathname === "/favicon.ico";
      page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" && !favicon(m.location().url || "http://x/")) {
          errors.push(`console error: ${m.text()} (${m.location().url})`);
        }
      });
      page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
      page.on("response", (r) => {
        if (r.status() >= 400 && !favicon(r.url())) errors.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      await use(errors);
      expect(errors, "the page reported errors").toEqual([]);
    },
    { auto: true },
  ],
});

/** Opens `/` and waits until the WASM has loaded and hydrated the page. */
async function openHydrated(page: Page, path = "/") {
  const wasm = page.waitForResponse((r) => r.url().endsWith(".wasm") && r.ok());
  await page.goto(path);
  await wasm;
  // Set by the `frontend` crate right after `hydrate_body` returns: only the real WASM can set it.
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  // Typing may only change the page through the WASM: a reload would drop this marker.
  await page.evaluate(() => ((window as unknown as { e2eMarker: string }).e2eMarker = "same document"));
}

async function stillSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe("same document");
}

/** Fills a field once hydration has wired its input handler (the quote form hydrates inside a
 *  Suspense, a moment after the document does), retrying until `check` passes. */
async function fillUntil(page: Page, values: Record<string, string>, check: () => Promise<void>) {
  await expect(async () => {
    for (const [field, value] of Object.entries(values)) {
      await page.locator(`input#${field}`).fill(value);
    }
    await check();
  }).toPass({ timeout: 15_000, intervals: [100, 250, 500, 1000] });
}

test("8 interop accounts for 12 months cost 370.00 in two bands, priced in the browser", async ({ page, errors }) => {
  await openHydrated(page);
  const total = page.getByTestId("quote-total");
  // The default example (10 basic, 12 months) is rendered by the server.
  await expect(total).toHaveText("¥45.00");

  await page.locator("select#order_type").selectOption("new");
  await fillUntil(page, { basic: "0", interop: "8", months: "12", existing_basic: "0", existing_interop: "0" }, () =>
    expect(total).toHaveText("¥370.00", { timeout: 1_000 }),
  );

  await expect(page.getByTestId("bands-basic")).toHaveCount(0);
  const interop = page.getByTestId("bands-interop");
  await expect(interop).toHaveCount(1);
  await expect(interop.getByTestId("band-row")).toHaveCount(2);
  await expect(page.getByTestId("band-row")).toHaveCount(2);
  await expect(page.getByTestId("quote-subtotal")).toHaveText("¥370.00");
  await expect(page.getByTestId("quote-tax")).toHaveText("¥0.00");
  await stillSameDocument(page);
  expect(errors).toEqual([]);
});

test("invalid input shows the engine's message next to the field", async ({ page }) => {
  await openHydrated(page);
  const total = page.getByTestId("quote-total");
  await fillUntil(page, { basic: "0", interop: "8", months: "12" }, () =>
    expect(total).toHaveText("¥370.00", { timeout: 1_000 }),
  );

  // No accounts at all: the message sits by the basic-accounts field.
  await page.locator("input#interop").fill("0");
  await expect(page.locator("#basic-errors")).toHaveText("请填写基础账号或互通账号的数量");
  await expect(page.locator("input#basic")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("quote-pending")).toBeVisible();
  await expect(total).toHaveCount(0);

  // A zero-month term: the engine's range message sits by the months field.
  await page.locator("input#interop").fill("8");
  await expect(total).toHaveText("¥370.00");
  await page.locator("input#months").fill("0");
  await expect(page.locator("#months-errors")).toHaveText("购买时长应为 1 到 60 个整月");
  await expect(page.locator("input#months")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#basic-errors")).toHaveText("");
  await expect(total).toHaveCount(0);

  // Fixing it brings the quote back without a round trip.
  await page.locator("input#months").fill("12");
  await expect(total).toHaveText("¥370.00");
  await expect(page.locator("#months-errors")).toHaveText("");
  await expect(page.locator("input#months")).toHaveAttribute("aria-invalid", "false");
  await stillSameDocument(page);
});

test("without JavaScript the server renders the same quote from the query string", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto("/?basic=0&interop=8&months=12&order_type=new&existing_basic=0&existing_interop=0");
  expect(response?.status()).toBe(200);
  await expect(page.getByTestId("quote-total")).toHaveText("¥370.00");
  await expect(page.getByTestId("band-row")).toHaveCount(2);
  await context.close();
});

test("a first load of / fetches only the quote page's own WASM, which leaves the server's HTML alone until something is typed", async ({ page }) => {
  const wasm: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname);
  });
  await openHydrated(page, "/?basic=10&interop=1234&months=24&order_type=new&invoice=1");
  await expect(page.locator("#quote-calculator[data-live]")).toHaveCount(1);
  expect(wasm).toEqual(["/pkg/quote_island_bg.wasm"]);
  // Nothing changed, so nothing was written: the server's nodes are still there.
  const marked = await page.evaluate(() => {
    const el = document.querySelector("[data-testid=quote-total]") as HTMLElement & { e2e?: boolean };
    el.e2e = true;
    return true;
  });
  expect(marked).toBe(true);
  await page.locator("input#existing_basic").focus();
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => (document.querySelector("[data-testid=quote-total]") as { e2e?: boolean }).e2e)).toBe(true);
  // Typing re-renders the answer in place.
  await page.locator("input#interop").fill("8");
  await expect(page.getByTestId("quote-total")).not.toHaveText("¥85,955.40");
  await page.getByTestId("months-12").click();
  await expect(page.locator("input#months")).toHaveValue("12");
  await expect(page.getByTestId("months-12")).toHaveAttribute("aria-current", "true");
  await expect(page.getByTestId("months-24")).not.toHaveAttribute("aria-current", /.*/);
  await expect(page.getByTestId("months-36")).toHaveAttribute("href", /interop=8&months=36/);
  await page.locator("select#order_type").selectOption("renewal");
  await expect(page.locator("input#existing_basic")).toBeDisabled();
  await page.locator("select#order_type").selectOption("new");
  await expect(page.locator("input#existing_basic")).toBeEnabled();
  await stillSameDocument(page);
});

test("inside the app, / is rendered by the app's bundle and prices as live", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.evaluate(() => ((window as unknown as { e2eMarker: string }).e2eMarker = "same document"));
  // The brand link is a client-side navigation within the app.
  await page.locator("a.brand").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator("#quote-calculator[data-live]")).toHaveCount(1);
  await page.locator("select#order_type").selectOption("new");
  await fillUntil(page, { basic: "0", interop: "8", months: "12", existing_basic: "0", existing_interop: "0" }, () =>
    expect(page.getByTestId("quote-total")).toHaveText("¥370.00", { timeout: 1_000 }),
  );
  await expect(page.getByTestId("band-row")).toHaveCount(2);
  await stillSameDocument(page);
});
