// axe-core on the quote page and on a shared quote: no serious or critical violations.
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
