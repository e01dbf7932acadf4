// The customer's quote journeys (issue #5) against the real release server.
import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

/** Waits until the WASM has hydrated the page (the app marks <body data-hydrated>). */
async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
}

async function quoteEightInterop(page: Page) {
  await page.goto("/");
  await hydrated(page);
  await page.getByLabel("基础账号数量").fill("0");
  await page.getByLabel("互通账号数量").fill("8");
  await page.getByLabel("购买时长（月）").fill("12");
  await expect(page.getByTestId("quote-total")).toHaveText("¥370.00");
}

/** The SQLite file the server under test uses (see playwright.config.ts), or E2E_DATABASE_PATH. */
function databasePath(): string {
  return (
    process.env.E2E_DATABASE_PATH ||
    path.join(__dirname, "..", ".tmp", process.env.E2E_RUN_ID || "", "e2e.db")
  );
}

test("8 interop accounts for 12 months cost 370.00 in two bands", async ({ page }) => {
  await quoteEightInterop(page);
  const rows = page.getByTestId("bands-interop").getByTestId("band-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText("1–5");
  await expect(rows.nth(0)).toContainText("250.00");
  await expect(rows.nth(1)).toContainText("6–8");
  await expect(rows.nth(1)).toContainText("120.00");
  await expect(page.getByTestId("average-interop")).toHaveText("¥46.25");
  await expect(page.getByTestId("marginal-interop")).toHaveText("¥40.00");
  await expect(page.getByTestId("tier-chart-interop").locator("svg title")).toHaveCount(1);
});

test("changing the term re-prices in the browser without any request", async ({ page }) => {
  await quoteEightInterop(page);
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.getByLabel("购买时长（月）").fill("24");
  await expect(page.getByTestId("quote-total")).toHaveText("¥740.00");
  await page.getByTestId("months-36").click();
  await expect(page.getByTestId("quote-total")).toHaveText("¥1,110.00");
  await page.getByLabel(/需要开票/).check();
  await expect(page.getByTestId("quote-tax")).toHaveText("¥66.60");
  expect(requests, "no network request while quoting").toEqual([]);
});

test("accounts above 10000 show the negotiated part and a way to ask for a price", async ({ page }) => {
  await page.goto("/?basic=10500&interop=0&months=12&order_type=new");
  await expect(page.getByTestId("quote-negotiated")).toContainText("500");
  await expect(page.getByTestId("ask-price")).toHaveAttribute("href", /^mailto:/);
});

test("a saved quote opens read-only from its link in a fresh browser, and prints on one page", async ({
  page,
  browser,
}, testInfo) => {
  await quoteEightInterop(page);
  await page.getByTestId("save-quote").click();
  await page.waitForURL(/\/q\/[0-9a-f]{64}$/);
  const link = page.url();

  const fresh = await browser.newContext();
  const shared = await fresh.newPage();
  await shared.goto(link);
  await expect(shared.getByTestId("saved-quote")).toContainText("¥370.00");
  await expect(shared.getByTestId("price-book-version")).toContainText("2022-05-16");
  await expect(shared.getByTestId("validity")).toContainText("有效期至");
  await expect(shared.locator("input")).toHaveCount(0);

  await shared.emulateMedia({ media: "print" });
  await expect(shared.locator(".site-header")).toBeHidden();
  await expect(shared.getByTestId("print")).toBeHidden();
  const shot = testInfo.outputPath("saved-quote-print.png");
  await shared.screenshot({ path: shot, fullPage: true });
  await testInfo.attach("saved quote, print media", { path: shot, contentType: "image/png" });
  const pdf = await shared.pdf({ format: "A4" });
  await testInfo.attach("saved quote.pdf", { body: pdf, contentType: "application/pdf" });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
  expect(pages, "the printed quote fits one page").toBe(1);
  await fresh.close();
});

test("an expired quote says so and offers today's prices with the same inputs", async ({ page }) => {
  await quoteEightInterop(page);
  await page.getByTestId("save-quote").click();
  await page.waitForURL(/\/q\/[0-9a-f]{64}$/);
  const token = page.url().split("/q/")[1];
  // Through the database the real server reads: no mock.
  execFileSync("sqlite3", [
    databasePath(),
    `UPDATE saved_quotes SET expires_at = '2000-01-01 00:00:00+00:00' WHERE token = '${token}'`,
  ]);
  await page.reload();
  await expect(page.getByTestId("quote-expired")).toContainText("此报价已过期");
  await page.getByTestId("requote").click();
  await expect(page).toHaveURL(/interop=8/);
  await expect(page.getByTestId("quote-total")).toHaveText("¥370.00");
});

test("English is a switch away and is remembered on reload", async ({ page }) => {
  await page.goto("/?basic=0&interop=8&months=12");
  await page.getByTestId("lang-switch").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("WeCom interface license quote");
  await expect(page.getByTestId("quote-total")).toHaveText("CNY 370.00");
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("WeCom interface license quote");
  await page.getByLabel("Term (months)").fill("6");
  await expect(page.locator("#months-errors")).toContainText("A new purchase needs at least 12 months");
});

test("without JavaScript the page still quotes and saves", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.getByTestId("quote-total")).toHaveText("¥45.00");
  await page.getByLabel("基础账号数量").fill("0");
  await page.getByLabel("互通账号数量").fill("8");
  await page.getByRole("button", { name: "计算报价" }).click();
  await expect(page).toHaveURL(/interop=8/);
  await expect(page.getByTestId("quote-total")).toHaveText("¥370.00");
  await page.getByTestId("save-quote").click();
  await expect(page).toHaveURL(/\/q\/[0-9a-f]{64}$/);
  await expect(page.getByTestId("saved-quote")).toContainText("¥370.00");
  await context.close();
});

test("the quote works from the keyboard alone", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.getByLabel("基础账号数量").focus();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("0");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("互通账号数量")).toBeFocused();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("8");
  await expect(page.getByTestId("quote-total")).toHaveText("¥370.00");
});
