// Typing is never lost (issue #14 point 9), signed in as a demo partner:
// - a save refused as stale (someone saved the contract after this page loaded it) opens a dialog
//   naming what changed on the server; applying puts the typing on the newer version, and the next
//   save keeps both;
// - leaving the form with unsaved changes asks first: a link inside the app (stay → nothing lost;
//   leave → the list) and the browser's own unload.
import { type Page, expect, test } from "@playwright/test";
import { hydrated, signIn } from "./session";

async function api(page: Page, fn: string, data: unknown) {
  const res = await page.request.post(`/api/${fn}`, { data });
  expect(res.ok(), `${fn}: ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.json();
}

/** A fresh draft contract of partner.a, a copy of the demo draft. */
async function freshDraft(page: Page, customer: string) {
  const drafts = await api(page, "contracts/list", { filter: { status: "draft" } });
  const template = drafts.items.find((c: { end_customer: string }) => c.end_customer === "演示·星河零售有限公司");
  const demo = await api(page, "contracts/get", { id: template.id });
  return api(page, "contracts/create", { draft: { ...demo.draft, end_customer: customer, payment_voucher: null } });
}

test("a stale save keeps the typing and applies it on the newer version", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  const c = await freshDraft(page, "并发修改客户");
  await page.goto(`/contracts/${c.id}`);
  await hydrated(page);

  // Meanwhile a colleague saves another corp name.
  await api(page, "contracts/save", { id: c.id, version: c.version, draft: { ...c.draft, corp_name: "同事改的企业名称" } });

  await page.locator("#remark").fill("我的备注：订单数量10人");
  await page.getByTestId("save").click();
  const dialog = page.getByTestId("stale-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("stale-theirs")).toContainText("购买企业的企业微信全称");
  await expect(page.locator("#remark")).toHaveValue("我的备注：订单数量10人");
  await dialog.getByTestId("stale-apply").click();
  await expect(dialog).toHaveCount(0);
  await expect(page.locator('input[name="corp_name"]')).toHaveValue("同事改的企业名称");
  await expect(page.locator("#remark")).toHaveValue("我的备注：订单数量10人");
  await page.getByTestId("save").click();
  await expect(page.getByTestId("notice")).toHaveText("已保存");
  const stored = await api(page, "contracts/get", { id: c.id });
  expect([stored.draft.corp_name, stored.draft.remark]).toEqual(["同事改的企业名称", "我的备注：订单数量10人"]);
});

test("leaving with unsaved changes asks first, by link and by unload", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  const c = await freshDraft(page, "离开确认客户");
  await page.goto(`/contracts/${c.id}`);
  await hydrated(page);
  // Nothing typed: the list link just goes.
  const back = page.getByRole("link", { name: "返回订单合同列表" });
  await back.click();
  await expect(page).toHaveURL(/\/contracts$/);
  await page.goto(`/contracts/${c.id}`);
  await hydrated(page);

  await page.locator("#remark").fill("还没保存的备注");
  const asked: string[] = [];
  page.once("dialog", (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await back.click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain("未保存的修改");
  await expect(page).toHaveURL(new RegExp(`/contracts/${c.id}$`));
  await expect(page.locator("#remark")).toHaveValue("还没保存的备注");

  page.once("dialog", (d) => void d.accept());
  await back.click();
  await expect(page).toHaveURL(/\/contracts$/);

  // The browser's own leaving (reload, close) asks too.
  await page.goto(`/contracts/${c.id}`);
  await hydrated(page);
  await page.locator("#remark").fill("又一次没保存");
  const kinds: string[] = [];
  page.on("dialog", (d) => {
    kinds.push(d.type());
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => kinds).toContain("beforeunload");
});
