// The partner's order desk (issue #14 points 3 and 4), signed in as a demo partner:
// - an add-on for an enterprise with history shows its active accounts on the start date, with the
//   order they came from, and one click fills them in;
// - 负责人 is a picker among the organisation's partners.
import { expect, test } from "@playwright/test";
import { hydrated, signIn } from "./session";

test("an add-on for a corp ID with history suggests its active accounts, with the orders they came from", async ({
  page,
}) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  const nextYear = new Date().getUTCFullYear() + 1;
  await page.locator('select[name="order_type"]').selectOption("addon");
  // The demo's approved 演示·青禾医疗集团: 600 interop accounts for next year.
  await page.locator('input[name="corp_id"]').fill("ww69c04360d53da8b3");
  await page.locator('input[name="lines[0].service_start"]').fill(`${nextYear}-06-01`);
  await page.locator('input[name="lines[0].service_start"]').blur();
  const hint = page.getByTestId("active-accounts");
  await expect(hint).toContainText(`${nextYear}-06-01 有效的基础账号 0 个、互通账号 600 个`);
  await expect(hint).toContainText(/QYWXHT-\d+ × 600/);
  await hint.getByTestId("active-accounts-apply").click();
  await expect(page.locator('input[name="existing_interop"]')).toHaveValue("600");
  // The partner may type another number.
  await page.locator('input[name="existing_interop"]').fill("550");
  await expect(page.locator('input[name="existing_interop"]')).toHaveValue("550");
  // A renewal starts at position 1: no suggestion.
  await page.locator('select[name="order_type"]').selectOption("renewal");
  await expect(hint).toHaveCount(0);
});

test("负责人 is picked among the organisation's partners", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  const owner = page.locator("select#owner");
  await expect(owner).toBeVisible();
  // The creator by default; their colleague can take it over; another partner is not offered.
  await expect(owner.locator("option:checked")).toHaveText("甲渠道 · 王经理");
  const names = await owner.locator("option").allTextContents();
  expect(names).toContain("甲渠道 · 陈专员");
  expect(names).not.toContain("乙渠道 · 李经理");
  await owner.selectOption({ label: "甲渠道 · 陈专员" });
  await page.locator('input[name="end_customer"]').fill("负责人测试客户");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  await hydrated(page);
  await expect(page.locator("select#owner option:checked")).toHaveText("甲渠道 · 陈专员");
});

test("a fulfilled demo contract is renewed through 选择源单: lines, dates and userids prefilled", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  await page.locator('select[name="order_type"]').selectOption("renewal");
  await page.locator('select[name="source_order"]').selectOption("contract");
  const picker = page.getByTestId("source-picker");
  await picker.locator("#source-search").fill("南湖");
  const result = picker.getByTestId("source-pick").filter({ hasText: "演示·南湖连锁酒店" });
  await expect(result).toHaveCount(1);
  const text = (await result.textContent())!;
  const end = text.match(/到期 (\d{4}-\d{2}-\d{2})/)![1];
  await result.click();
  await expect(page.getByTestId("notice")).toContainText("40 个 userid");
  await expect(picker.getByTestId("source-chosen")).toContainText(`到期 ${end}`);
  await expect(page.locator('input[name="end_customer"]')).toHaveValue("演示·南湖连锁酒店");
  await expect(page.locator('input[name="corp_id"]')).toHaveValue("ww69c04360d53da8b6");
  await expect(page.locator('input[name="lines[0].quantity"]')).toHaveValue("40");
  const start = new Date(`${end}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() + 1);
  await expect(page.locator('input[name="lines[0].service_start"]')).toHaveValue(start.toISOString().slice(0, 10));
  // Saved, the source's 40 userids are this contract's userid sheet.
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId("stored-userid_sheet")).toContainText("续期自合同");
});
