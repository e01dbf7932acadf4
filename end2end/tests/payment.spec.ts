// Payment from the contract page (issue #14 points 5 and 7), on a server of its own (the customer's
// upload changes the demo draft):
// - the partner's 付款 card shows the two ways to pay as the admin set them (the demo's: the seed's
//   bank account, a stand-in WeChat code), a value is copied, a payment link is made and copied;
// - the customer opens it in a fresh browser (no account): the app's page, styled by the app's
//   stylesheet, with no CSP violation; switches to English; fits a 390 px phone; axe finds nothing;
// - with JavaScript off, the customer uploads the voucher through the plain form;
// - the partner sees the voucher on the contract and the link's upload; revokes it; the link
//   answers 410.
import AxeBuilder from "@axe-core/playwright";
import { type Page, expect, test } from "@playwright/test";
import { signedIn, startOwnServer } from "./own-server";
import { hydrated } from "./session";

/** A 1×1 PNG: the payment voucher. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** Console errors and CSP violations of a page (an inline style blocked by our CSP shows in both). */
async function watchCsp(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return problems;
}

async function noSidewaysScroll(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, "no horizontal scroll at 390 px").toBeLessThanOrEqual(390);
}

test("a partner sends a payment link; the customer pays without an account and without JavaScript; the partner sees the voucher and revokes the link", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const server = await startOwnServer("payment");
  try {
    const { context, page } = await signedIn(browser, server, "partner.a", "demo-partner-2026", {
      permissions: ["clipboard-read", "clipboard-write"],
    });
    const list = await page.request.post("/api/contracts/list", { data: { filter: { status: "draft" } } });
    expect(list.ok(), await list.text()).toBeTruthy();
    const draft = (await list.json()).items.find(
      (c: { end_customer: string }) => c.end_customer === "演示·星河零售有限公司",
    );
    const contractUrl = `/contracts/${draft.id}`;
    await page.goto(contractUrl);
    await hydrated(page);

    // The ways to pay, as the seed shows them.
    const card = page.getByTestId("payment-card");
    const wechat = card.getByTestId("pay-wechat");
    await expect(wechat).toContainText("微信扫码付款");
    await expect(wechat).toContainText("不提供发票");
    await expect(wechat).toContainText("企业微信");
    await expect(wechat.locator("img.pay-qr")).toBeVisible();
    const bank = card.getByTestId("pay-bank");
    for (const value of ["上海灵当信息科技有限公司", "31001518000050010918", "中国建设银行股份有限公司上海黄浦支行", "105290070006"]) {
      await expect(bank).toContainText(value);
    }
    // The card is rendered in the browser once its data is in: a button shown is a button that works.
    const copyNumber = bank.getByRole("button", { name: "复制账号" });
    await copyNumber.click();
    await expect(copyNumber).toHaveText("已复制");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("31001518000050010918");

    // The customer's link: 3 days, its expiry in Beijing time, the full address to copy.
    await card.getByLabel("有效期（天，1–30）").fill("3");
    await card.getByTestId("create-payment-link").click();
    const created = card.getByTestId("payment-link-created");
    await expect(created).toContainText("有效 3 天");
    await expect(created).toContainText("北京时间");
    const url = (await created.getByTestId("payment-link-url").textContent()) ?? "";
    expect(url).toMatch(new RegExp(`^${server.baseURL}/pay/[0-9a-f]{64}$`));
    await created.getByRole("button", { name: "复制付款链接" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    const links = card.getByTestId("payment-link");
    await expect(links).toHaveCount(1);
    await expect(links.first().getByTestId("payment-link-state")).toHaveText("有效");
    await card.screenshot({ path: test.info().outputPath("payment-card-1280.png") });

    // The customer, in a browser of their own: the app's page, styled, no CSP violation.
    const customer = await browser.newContext({ locale: "zh-CN" });
    const pay = await customer.newPage();
    const problems = await watchCsp(pay);
    const opened = await pay.goto(url);
    expect(opened?.status()).toBe(200);
    await expect(pay.getByRole("heading", { level: 1 })).toContainText("付款");
    expect(await pay.evaluate(() => getComputedStyle(document.querySelector(".site-header")!).display)).toBe("flex");
    expect(await pay.evaluate(() => getComputedStyle(document.querySelector(".pay-card")!).borderTopStyle)).toBe("solid");
    await expect(pay.locator("#pay-wechat img.pay-qr")).toBeVisible();
    await expect(pay.getByLabel("付款凭证文件")).toBeVisible();
    await pay.getByTestId("lang-switch").click();
    await expect(pay).toHaveURL(url);
    await expect(pay.locator("html")).toHaveAttribute("lang", "en");
    await expect(pay.getByRole("heading", { name: "Way 1: scan with WeChat" })).toBeVisible();
    await expect(pay.getByText("(Beijing time)")).toBeVisible();
    await pay.screenshot({ path: test.info().outputPath("payment-page-en-1280.png"), fullPage: true });
    await pay.setViewportSize({ width: 390, height: 844 });
    await noSidewaysScroll(pay);
    await pay.screenshot({ path: test.info().outputPath("payment-page-en-390.png"), fullPage: true });
    const axe = await new AxeBuilder({ page: pay }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    expect(problems).toEqual([]);
    await customer.close();

    // Without JavaScript, on a phone: the plain form takes the voucher and answers with the page.
    const nojs = await browser.newContext({
      javaScriptEnabled: false,
      locale: "zh-CN",
      viewport: { width: 390, height: 844 },
    });
    const plain = await nojs.newPage();
    await plain.goto(url);
    await noSidewaysScroll(plain);
    await plain.getByLabel("付款凭证文件").setInputFiles({ name: "回单.png", mimeType: "image/png", buffer: PNG });
    await plain.getByRole("button", { name: "上传凭证" }).click();
    await expect(plain.getByTestId("voucher-received")).toContainText("回单.png");
    await noSidewaysScroll(plain);
    await plain.screenshot({ path: test.info().outputPath("payment-page-nojs-390.png"), fullPage: true });
    await nojs.close();

    // Back on the contract: the customer's voucher, the link's upload; revoke it.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId("stored-voucher")).toContainText("回单.png");
    await expect(links.first().getByTestId("payment-link-uploads")).toHaveText("已上传凭证 1 份");
    page.once("dialog", (d) => d.accept());
    await links.first().getByTestId("revoke-payment-link").click();
    await expect(links.first().getByTestId("payment-link-state")).toContainText("已撤销");
    const gone = await page.request.get(url);
    expect(gone.status()).toBe(410);
    await context.close();
  } finally {
    await server.stop();
  }
});
