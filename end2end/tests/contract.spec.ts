// The partner's order journey (issues #3 and #5 item 6) against the real release server with the
// demo data (WLD_DEMO=1 in playwright.config.ts): a saved quote becomes an order contract, the
// shared rules flag a bad corp ID in the browser without a request, the draft survives a reload,
// is submitted, and approver1 approves level 1; an admin records 开通 (fulfilment) on an approved one.
import { expect, test } from "@playwright/test";
import { hydrated, signIn } from "./session";

/** A 1×1 PNG: the payment voucher. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

test("a partner turns a saved quote into an order, fixes the corp ID, saves, reloads, submits; approver1 approves", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const partnerContext = await browser.newContext();
  const page = await partnerContext.newPage();
  await signIn(page, "partner.a", "demo-partner-2026");

  // A quote: 8 interop accounts for 12 months (¥370.00), saved to its share link.
  await page.goto("/?basic=0&interop=8&months=12&order_type=new");
  await hydrated(page);
  await page.getByTestId("save-quote").click();
  await expect(page).toHaveURL(/\/q\/[0-9a-f]{64}$/);
  await page.getByTestId("start-order").click();
  await expect(page).toHaveURL(/\/contracts\/new\?quote=[0-9a-f]{64}$/);
  await hydrated(page);
  await expect(page.getByTestId("from-quote")).toBeVisible();
  await expect(page.locator('input[name="lines[0].quantity"]')).toHaveValue("8");
  await expect(page.getByTestId("grand-total")).toHaveText("¥370.00");

  // A bad corp ID: the shared rules answer in the browser, no request is sent.
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  const corpId = page.locator('input[name="corp_id"]');
  await corpId.fill("ww12");
  const corpProblems = page.locator('[data-problems-for="corp_id"]');
  await expect(corpProblems.locator(".field-error")).toHaveCount(1);
  await expect(corpId).toHaveAttribute("aria-invalid", "true");
  // More quantity re-prices at once, too.
  await page.locator('input[name="lines[0].quantity"]').fill("10");
  await expect(page.getByTestId("grand-total")).toHaveText("¥450.00");
  expect(requests, "no request while validating and pricing").toEqual([]);

  await corpId.fill("ww69c04360d53da8b7");
  await expect(corpProblems.locator(".field-error")).toHaveCount(0);
  await page.locator('input[name="end_customer"]').fill("雪碧算术");
  await page.locator('input[name="corp_name"]').fill("雪碧算术");
  await page.locator('select[name="crm_type"]').selectOption("on_premise");
  await page.locator('select[name="payment_method"]').selectOption("bank_transfer");
  await page.locator('select[name="installed_app"]').selectOption("灵当CRM");
  await page.locator('select[name="lines[0].invoice"]').selectOption("no");
  await page.locator("#remark").fill("订单数量10人，实际购买10人");

  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  const contractUrl = page.url();

  // A reload shows what was saved; typing then reloading offers the unsaved input back.
  await page.reload();
  await hydrated(page);
  await expect(page.locator('input[name="corp_id"]')).toHaveValue("ww69c04360d53da8b7");
  await expect(page.getByTestId("grand-total")).toHaveText("¥450.00");
  await page.locator('input[name="lines[0].description"]').fill("暂存测试");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("stash-offer")).toBeVisible();
  await page.getByTestId("stash-restore").click();
  await expect(page.locator('input[name="lines[0].description"]')).toHaveValue("暂存测试");

  // The voucher, then submit.
  await page.locator("#upload-voucher").setInputFiles({ name: "voucher.png", mimeType: "image/png", buffer: PNG });
  await expect(page.getByTestId("stored-voucher")).toContainText("voucher.png");
  await page.getByTestId("submit").click();
  await expect(page.getByTestId("contract-status")).toHaveText("审批中（第1级）");
  await expect(page.getByTestId("document-number")).toHaveText(/^QYWXHT-\d+$/);
  await partnerContext.close();

  // approver1 approves level 1.
  const approverContext = await browser.newContext();
  const approver = await approverContext.newPage();
  await signIn(approver, "approver1", "demo-approver-2026");
  await approver.goto(contractUrl);
  await hydrated(approver);
  await expect(approver.getByTestId("approval-steps")).toBeVisible();
  await approver.locator("#decision-reason").fill("同意");
  await approver.getByTestId("approve").click();
  // The decision panel moves on (to the next contract waiting, or the inbox); this one is at level 2.
  await expect(approver).toHaveURL(/done=approve/);
  await approver.goto(contractUrl);
  await hydrated(approver);
  await expect(approver.getByTestId("contract-status")).toHaveText("审批中（第2级）");
  await expect(approver.getByTestId("timeline")).toContainText("同意");
  await approverContext.close();
});

test("the userid sheet is read and checked in the browser before upload", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  await page.locator('input[name="corp_id"]').fill("ww69c04360d53da8b7");
  await expect(page.getByTestId("sheet-template")).toHaveAttribute("href", "/templates/userid-sheet.xlsx");
  // Excel's CSV: a good row, a duplicate (ignoring case), a bad userid and another corp's row.
  const csv = [
    "企业ID,UserID,类型",
    "ww69c04360d53da8b7,zhangsan,互通",
    "ww69c04360d53da8b7,ZhangSan,互通",
    "ww69c04360d53da8b7,-bad,基础",
    "ww0000000000000000,lisi,基础",
  ].join("\r\n");
  const uploads: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") uploads.push(r.url());
  });
  await page.locator("#upload-userid_sheet").setInputFiles({
    name: "userids.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv, "utf-8"),
  });
  const preview = page.getByTestId("sheet-preview");
  await expect(preview).toBeVisible();
  await expect(preview).toHaveAttribute("data-ok", "false");
  await expect(preview).toContainText("userids.csv");
  await expect(preview.locator(".field-error").first()).toBeVisible();
  expect(uploads, "nothing is sent while the sheet is checked").toEqual([]);
});

test("an admin records 开通 on an approved contract; the dates are checked in the browser first", async ({ page }) => {
  await signIn(page, "admin", "demo-admin-2026");
  await hydrated(page);
  // The demo's fully approved contract.
  await page.locator("tr", { hasText: "演示·青禾医疗集团" }).getByRole("link").click();
  await expect(page.getByTestId("contract-status")).toHaveText("已通过");
  // The voucher the partner uploaded shows by its file name, not just its number.
  await expect(page.getByTestId("stored-voucher")).toContainText("付款凭证（演示）.pdf");
  const card = page.getByTestId("fulfilment-form");
  await expect(card).toBeVisible();
  await card.getByLabel("企业微信订单号").fill("WX-ORDER-2027-0001");
  await card.getByLabel("开通日期").fill("2027-01-02");
  await card.getByLabel("企业微信API接口到期日").fill("2027-01-01");

  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.url());
  });
  await card.getByTestId("fulfil").click();
  await expect(card.locator('[data-problems-for="api_expiry_date"] [data-code="before_activation"]')).toContainText(
    "不能早于开通日期",
  );
  expect(posts, "the shared rule refuses it without a request").toEqual([]);

  await card.getByLabel("企业微信API接口到期日").fill("2027-12-31");
  await card.getByTestId("fulfil").click();
  await expect(page.getByTestId("contract-status")).toHaveText("已开通");
  await expect(page.getByTestId("notice")).toHaveText("已记录开通");
  await expect(page.getByTestId("fulfilment-form")).toHaveCount(0);
  await expect(page.getByTestId("wecom-order-id")).toHaveText("WX-ORDER-2027-0001");
  await expect(page.getByTestId("timeline").locator('li[data-action="fulfilled"]')).toHaveCount(1);

  // Recorded, not just shown: a reload reads it back from the server.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("contract-status")).toHaveText("已开通");
  await expect(page.getByTestId("activation-date")).toHaveText("2027-01-02");
  await expect(page.getByTestId("api-expiry-date")).toHaveText("2027-12-31");
});

test("导入明细: lines come from a sheet read in the browser; a sheet with a bad row imports nothing", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.url());
  });
  const quantity = (i: number) => page.locator(`input[name="lines[${i}].quantity"]`);
  const rows = page.locator("table.contract-lines tbody tr");
  await expect(rows).toHaveCount(1);
  await quantity(0).fill("3");
  const sheet = (name: string, lines: string[]) => ({
    name,
    mimeType: "text/csv",
    buffer: Buffer.from(["产品名称,数量,服务开始日期,月数,服务到期日,描述", ...lines].join("\r\n"), "utf-8"),
  });

  // Row 3 has a quantity that is not a whole number: nothing is imported, the row is named.
  await page
    .locator("#lines-import-file")
    .setInputFiles(sheet("bad-lines.csv", ["企业微信互通接口,8,2027-01-01,12,,首年", "基础,1.5,2027-01-01,12,,"]));
  const report = page.getByTestId("lines-import");
  await expect(report).toHaveAttribute("data-ok", "false");
  await expect(report).toContainText("bad-lines.csv");
  await expect(report.locator('[data-code="line_quantity_invalid"]')).toContainText("第3行");
  await expect(rows).toHaveCount(1);
  await expect(quantity(0)).toHaveValue("3");

  // The fixed sheet: its two lines follow the one already typed.
  await page
    .locator("#lines-import-file")
    .setInputFiles(sheet("lines.csv", ["企业微信互通接口,8,2027-01-01,12,,首年", "基础,10,2027/1/1,,2027-12-31,"]));
  await expect(report).toHaveAttribute("data-ok", "true");
  await expect(report).toContainText("导入 2 行明细");
  await expect(rows).toHaveCount(3);
  await expect(quantity(1)).toHaveValue("8");
  await expect(page.locator('input[name="lines[1].service_end"]')).toHaveValue("2027-12-31");
  await expect(page.locator('input[name="lines[1].description"]')).toHaveValue("首年");
  await expect(quantity(2)).toHaveValue("10");
  expect(posts, "the sheet is read in the browser; nothing is sent").toEqual([]);

  // 清空 asks first; one blank row stays.
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("lines-clear").click();
  await expect(rows).toHaveCount(1);
  await expect(quantity(0)).toHaveValue("");
});
