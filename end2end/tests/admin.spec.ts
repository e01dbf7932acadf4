// The admin console (issue #16), on a server of its own (it changes prices and settings for
// everyone):
// - the admin creates an organisation and a partner; the partner signs in with the one-time
//   temporary password, is asked on every page to set their own first and does; deactivating them ends their open session;
// - an invalid tier table is refused in the browser with the domain's message, and by the server
//   when sent directly; a price book effective today changes the quote page's total for
//   8 interop × 12 months, while a contract priced before keeps its total;
// - new bank details and a QR image appear on a payment link's page.
import { type Page, expect, test } from "@playwright/test";
import { signedIn, startOwnServer } from "./own-server";
import { hydrated } from "./session";

/** A 1×1 PNG: the WeChat QR code. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

async function quoteTotal(page: Page): Promise<string> {
  await page.goto("/?basic=0&interop=8&months=12&order_type=new&existing_basic=0&existing_interop=0");
  const total = page.getByTestId("quote-total");
  await expect(total).toBeVisible();
  return (await total.textContent())?.trim() ?? "";
}

test("the admin keeps users, the price book and the payment settings in the app", async ({ browser }) => {
  test.setTimeout(240_000);
  const server = await startOwnServer("admin");
  try {
    const { page } = await signedIn(browser, server, "admin", "demo-admin-2026");
    page.on("dialog", (d) => d.accept());

    // --- users: an organisation, a partner with a temporary password ------------------------------
    await page.getByTestId("nav-admin").click();
    await expect(page).toHaveURL(/\/admin/);
    await hydrated(page);
    await page.getByTestId("org-name").fill("新锐渠道伙伴");
    await page.getByTestId("org-create").click();
    await expect(page.getByTestId("new-organisation-select").locator("option", { hasText: "新锐渠道伙伴" })).toHaveCount(1);
    await page.getByTestId("new-username").fill("xinrui.li");
    await page.getByTestId("new-display-name").fill("李新锐");
    await page.getByTestId("new-role").selectOption("partner");
    await page.getByTestId("new-organisation-select").selectOption({ label: "新锐渠道伙伴" });
    await page.getByTestId("user-create").click();
    const temp = (await page.getByTestId("temp-password").textContent())?.trim() ?? "";
    expect(temp).toMatch(/^\w{4}-\w{4}-\w{4}$/);

    // The partner signs in with it and is sent to choose their own password first.
    const partner = await browser.newContext({ baseURL: server.baseURL, locale: "zh-CN" });
    const p = await partner.newPage();
    await p.goto("/signin");
    await hydrated(p);
    await p.getByLabel("用户名").fill("xinrui.li");
    await p.getByLabel("密码").fill(temp);
    await p.getByRole("button", { name: "登录" }).click();
    // Signed in, every page first asks for their own password.
    await expect(p).toHaveURL(/\/contracts/);
    const first = p.getByTestId("must-change-first");
    await expect(first).toBeVisible();
    await first.getByRole("link").click();
    await expect(p).toHaveURL(/change=password/);
    await expect(p.getByTestId("must-change")).toBeVisible();
    const refused = await p.request.post("/api/contracts/list", { data: { filter: {} } });
    expect(refused.status(), "nothing else until the password is changed").toBe(403);
    await hydrated(p);
    await p.getByTestId("pw-current").fill(temp);
    await p.getByTestId("pw-new").fill("xinrui-own-pass-1");
    await p.getByTestId("pw-repeat").fill("xinrui-own-pass-1");
    await p.getByTestId("pw-submit").click();
    await expect(p).toHaveURL(/\/contracts/);
    const allowed = await p.request.post("/api/contracts/list", { data: { filter: {} } });
    expect(allowed.status()).toBe(200);

    // Deactivated: the partner's open session ends at once.
    await page.reload();
    await hydrated(page);
    const row = page.locator('[data-testid=user-row][data-username="xinrui.li"]');
    await row.getByTestId("user-toggle-active").click();
    await expect(row.getByTestId("user-status")).toContainText("停用");
    const after = await p.request.post("/api/contracts/list", { data: { filter: {} } });
    expect(after.status(), "the deactivated partner's session is gone").toBe(401);
    await p.reload();
    await expect(p.getByRole("link", { name: "登录" }).first()).toBeVisible();
    await partner.close();

    // --- price book: the domain's rule in the browser and on the server ---------------------------
    const list = await page.request.post("/api/contracts/list", { data: { filter: {} } });
    const pending = (await list.json()).items.find(
      (c: { end_customer: string }) => c.end_customer === "演示·远山教育科技",
    );
    const pendingBefore = await (await page.request.post("/api/contracts/get", { data: { id: pending.id } })).json();
    expect(await quoteTotal(page)).toBe("¥370.00");

    await page.goto("/admin?section=price-book");
    await hydrated(page);
    await page.getByTestId("price-book-new").click();
    const editor = page.getByTestId("price-book-editor");
    const tiers = editor.getByTestId("tier-row");
    // A gap between tiers 1 and 2: the domain's message, before anything is sent.
    await tiers.nth(1).getByTestId("tier-from").fill("8");
    const problems = page.getByTestId("price-book-problems");
    await expect(problems).toContainText("阶梯");
    const domainMessage = (await problems.textContent()) ?? "";
    // Sent directly, the server refuses the same table with the same rule.
    const pageData = await (await page.request.post("/api/admin/price_books", { data: {} })).json();
    const current = pageData.versions.find((v: { in_effect: boolean }) => v.in_effect).book;
    const broken = structuredClone(current);
    broken.version = "直接提交";
    broken.effective_from = pageData.today;
    broken.tiers[1].from = 8;
    const direct = await page.request.post("/api/admin/save_price_book", { data: { id: null, book: broken } });
    expect(direct.status()).toBe(422);
    const directJson = await direct.json();
    expect(directJson.problems.map((x: { code: string }) => x.code)).toContain("tiers_not_contiguous");
    expect(domainMessage).toContain(directJson.problems.find((x: { code: string }) => x.code === "tiers_not_contiguous").zh);

    // Fixed, and the first tier's interop price raised to ¥55: the preview shows the change.
    await tiers.nth(1).getByTestId("tier-from").fill("6");
    await tiers.nth(0).getByTestId("tier-interop").fill("55");
    await expect(problems).toHaveCount(0);
    await expect(page.getByTestId("price-book-preview")).toContainText("370.00");
    await expect(page.getByTestId("price-book-preview")).toContainText("395.00");
    await page.getByTestId("pb-version").fill("2026-新价");
    await page.getByTestId("price-book-save").click();
    await expect(page.locator('[data-testid=price-book-version][data-version="2026-新价"]')).toBeVisible();

    // The quote page prices with it at once; the contract priced before keeps its total.
    expect(await quoteTotal(page)).toBe("¥395.00");
    const pendingAfter = await (await page.request.post("/api/contracts/get", { data: { id: pending.id } })).json();
    expect(pendingAfter.total).toBe(pendingBefore.total);
    expect(pendingAfter.price_book_version).toBe("2022-05-16");
    await page.goto(`/contracts/${pending.id}`);
    await hydrated(page);
    await expect(page.getByTestId("grand-total")).toContainText(pendingBefore.total.replace(/\B(?=(\d{3})+(?!\d))/g, ","));

    // --- settings: bank details and the QR code on the customer's payment page --------------------
    await page.goto("/admin?section=settings");
    await hydrated(page);
    await page.getByTestId("set-bank-account-name").fill("新锐科技有限公司");
    await page.getByTestId("set-bank-account-number").fill("6222 0000 1111 2222");
    await page.getByTestId("set-bank-name").fill("招商银行上海分行");
    await page.getByTestId("set-bank-code").fill("308290003020");
    await page.getByTestId("settings-save").click();
    await expect(page.getByTestId("settings-saved")).toBeVisible();
    await page.getByTestId("qr-upload").setInputFiles({ name: "qr.png", mimeType: "image/png", buffer: PNG });
    await page.getByTestId("qr-submit").click();
    await expect(page).toHaveURL(/qr=saved/);
    await expect(page.getByTestId("qr-image")).toBeVisible();
    const qrSrc = (await page.getByTestId("qr-image").getAttribute("src")) ?? "";
    expect(qrSrc).toContain("/settings/wechat-qr?v=");

    const draft = (await list.json()).items.find((c: { end_customer: string }) => c.end_customer === "演示·星河零售有限公司");
    const link = await page.request.post("/api/payment/create_link", { data: { contract_id: draft.id } });
    expect(link.ok(), await link.text()).toBeTruthy();
    const customer = await browser.newContext({ baseURL: server.baseURL, locale: "zh-CN" });
    const c = await customer.newPage();
    await c.goto((await link.json()).url);
    for (const value of ["新锐科技有限公司", "6222 0000 1111 2222", "招商银行上海分行", "308290003020"]) {
      await expect(c.locator("body")).toContainText(value);
    }
    const qr = c.locator(`img[src="${qrSrc}"]`);
    await expect(qr).toBeVisible();
    expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await customer.close();
  } finally {
    await server.stop();
  }
});
