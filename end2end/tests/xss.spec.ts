// Stored markup stays text in the hydrated app (issue #12, point 1): partner.a types markup into
// every free-text field of a new contract and saves; after a reload (the server's HTML, then
// hydration) no planted element exists, the `meta` refresh sent nobody anywhere, nothing failed to
// hydrate, and every field shows exactly what was typed — also for the admin opening it, in the
// contract list, and with JavaScript off. server/tests/it/stored_markup.rs pins the server's HTML of
// every page; this pins what the browser makes of it.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { hydrated, signIn } from "./session";

const MARKUP = `</textarea><h1 id="inj">INJECTED</h1><meta http-equiv="refresh" content="0;url=/x"><script>alert(1)</script>"'<b>`;
/** Order numbers are at most 100 characters. */
const SHORT_MARKUP = `</textarea><h1 id="inj">X</h1><meta http-equiv="refresh" content="0;url=/x">`;

/** The text fields filled with markup, by their `name`. */
const FIELDS: Record<string, string> = {
  end_customer: MARKUP,
  corp_name: MARKUP,
  "lines[0].description": MARKUP,
  "source_order.order_number": SHORT_MARKUP,
};

/** Records the page's top-level navigations and console errors (a hydration mismatch logs one). */
function watch(page: Page) {
  const navigations: string[] = [];
  const errors: string[] = [];
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  page.on("console", (m) => {
    // A missing favicon and the like are not this test's business.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { navigations, errors };
}

/** Nothing planted, nobody sent away (a `0;url=/x` refresh would have fired by now). */
async function expectInert(page: Page, url: string) {
  await page.waitForTimeout(1_500);
  await expect(page.locator("#inj")).toHaveCount(0);
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  expect(page.url()).toBe(url);
}

/** Every field shows exactly what was typed. */
async function expectFieldsShowTheText(page: Page) {
  await expect(page.locator("#remark")).toHaveValue(MARKUP);
  for (const [name, value] of Object.entries(FIELDS)) {
    await expect(page.locator(`input[name="${name}"]`)).toHaveValue(value);
  }
}

async function openAs(browser: Browser, username: string, password: string, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, username, password);
  const seen = watch(page);
  await page.goto(url);
  await hydrated(page);
  return { context, page, seen };
}

test("markup typed into a contract's fields is saved and shown as text, after a reload and to the admin", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const partner = await openAs(browser, "partner.a", "demo-partner-2026", "/contracts/new");
  const { page, seen } = partner;
  await page.locator('select[name="source_order"]').selectOption("external");
  for (const [name, value] of Object.entries(FIELDS)) {
    await page.locator(`input[name="${name}"]`).fill(value);
  }
  await page.locator("#remark").fill(MARKUP);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  const contractUrl = page.url();

  // The saved contract from the server: its HTML, then hydration.
  seen.navigations.length = 0;
  seen.errors.length = 0;
  await page.reload();
  await hydrated(page);
  await expectInert(page, contractUrl);
  await expectFieldsShowTheText(page);
  expect(seen.navigations, "only the reload itself").toEqual([contractUrl]);
  expect(seen.errors, "no hydration error, no script run").toEqual([]);

  // Typing more keeps working after hydration: the field is live, not a dead copy.
  await page.locator("#remark").fill(`${MARKUP} 2`);
  await page.getByTestId("save").click();
  await expect(page.getByTestId("notice")).toHaveText("已保存");
  await page.reload();
  await hydrated(page);
  await expect(page.locator("#remark")).toHaveValue(`${MARKUP} 2`);
  await page.locator("#remark").fill(MARKUP);
  await page.getByTestId("save").click();
  await expect(page.getByTestId("notice")).toHaveText("已保存");
  await partner.context.close();

  // The admin opens it: straight from its address, then from the list (rendered in the browser).
  const admin = await openAs(browser, "admin", "demo-admin-2026", contractUrl);
  await expectInert(admin.page, contractUrl);
  await expectFieldsShowTheText(admin.page);
  expect(admin.seen.errors).toEqual([]);
  await admin.page.goto("/contracts");
  await hydrated(admin.page);
  await expectInert(admin.page, new URL("/contracts", contractUrl).toString());
  const row = admin.page.locator("tr", { hasText: "INJECTED" }).first();
  await expect(row).toContainText(MARKUP);
  await row.getByRole("link").first().click();
  await expect(admin.page).toHaveURL(contractUrl);
  await hydrated(admin.page);
  await expectInert(admin.page, contractUrl);
  await expectFieldsShowTheText(admin.page);
  expect(admin.seen.errors).toEqual([]);
  await admin.context.close();
});

test("with JavaScript off the saved remark shows as typed and plants nothing", async ({ browser }) => {
  // Signed in with JavaScript on (the sign-in form works without it too, see server/tests/it/ui.rs).
  const setup = await browser.newContext();
  const page = await setup.newPage();
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  await page.locator("#remark").fill(MARKUP);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  const contractUrl = page.url();
  const cookies = await setup.cookies();
  await setup.close();

  const noJs = await browser.newContext({ javaScriptEnabled: false });
  await noJs.addCookies(cookies);
  const plain = await noJs.newPage();
  await plain.goto(contractUrl);
  await expectInert(plain, contractUrl);
  await expect(plain.locator("#remark")).toHaveValue(MARKUP);
  await noJs.close();
});
