// axe-core on the quote page, a shared quote and the contract form: no serious or critical violations.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

test("the quote page has no serious accessibility violations", async ({ page }) => {
  await page.goto("/?basic=3&interop=8&months=12&invoice=1");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  expect(await seriousViolations(page)).toEqual([]);
  // With a field error showing.
  await page.getByLabel("购买时长（月）").fill("abc");
  await expect(page.locator("#months-errors")).not.toBeEmpty();
  expect(await seriousViolations(page)).toEqual([]);
});

test("a shared quote has no serious accessibility violations", async ({ page }) => {
  await page.goto("/?basic=0&interop=8&months=12");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  await page.getByTestId("save-quote").click();
  await page.waitForURL(/\/q\/[0-9a-f]{64}$/);
  expect(await seriousViolations(page)).toEqual([]);
});

test("the contract form, with its fulfilment card, has no serious accessibility violations", async ({ page }) => {
  await page.goto("/signin");
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  await page.getByLabel("用户名").fill("admin");
  await page.getByLabel("密码").fill("demo-admin-2026");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/contracts/);
  // The demo's approved contract (admin may record 开通), then a new draft with its line import.
  await page.locator("tr", { hasText: "演示·青禾医疗集团" }).getByRole("link").click();
  await expect(page.getByTestId("fulfilment-form")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.goto("/contracts/new");
  await expect(page.getByTestId("contract-form")).toHaveAttribute("data-interactive", "true", { timeout: 20_000 });
  expect(await seriousViolations(page)).toEqual([]);
});
