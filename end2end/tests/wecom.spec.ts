// Fulfilment through WeCom's license API (issue #17), on a server of its own pointed at the WeCom
// stand-in (`server wecom-standin`): an admin orders the demo's approved 演示·青禾医疗集团
// (600 interop accounts, a userid sheet of 600) with 向企业微信下单; the page waits for the payment
// in WeCom with WeCom's price beside ours; the order is paid on the stand-in's own page; the page
// then shows every userid activated with its code and expiry date, and the contract 已开通 with
// WeCom's order ID.
import { expect, test } from "@playwright/test";
import { type OwnServer, signedIn, startOwnServer, startWecomStandIn } from "./own-server";
import { hydrated } from "./session";

test("an admin fulfils an approved contract through WeCom's license API and sees each userid's result", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const wecom: OwnServer = await startWecomStandIn();
  const server = await startOwnServer("wecom", {
    WECOM_API_BASE: wecom.baseURL,
    // The stand-in's default provider (`server wecom-standin` without WECOM_PROVIDER_*).
    WECOM_PROVIDER_CORPID: "wwstandinprovider0001",
    WECOM_PROVIDER_SECRET: "standin-secret",
    WECOM_BUYER_USERID: "buyer.demo",
    WECOM_POLL_MS: "300",
    WECOM_POLL_CAP_SECS: "1",
  });
  try {
    const { page } = await signedIn(browser, server, "admin", "demo-admin-2026");
    await page.locator("tr", { hasText: "演示·青禾医疗集团" }).getByRole("link").click();
    await hydrated(page);
    await expect(page.getByTestId("contract-status")).toHaveText("已通过");
    const card = page.getByTestId("wecom-job");
    await expect(card).toBeVisible();
    await card.getByTestId("wecom-start").click();

    // Ordered: waiting for the payment in WeCom, WeCom's price beside ours (600 interop for a
    // year: 5 × 50 + 195 × 40 + 300 × 30 + 100 × 20 = ¥19,050.00 ours, ¥30,000.00 at the
    // stand-in's flat price, so it is flagged).
    await expect(card.getByTestId("wecom-state")).toHaveAttribute("data-state", "awaiting_payment", { timeout: 20_000 });
    await expect(card.getByTestId("wecom-state")).toHaveText("等待在企业微信支付");
    const orderId = (await card.getByTestId("wecom-order").textContent())?.trim() ?? "";
    expect(orderId).toMatch(/^OI\w+/);
    await expect(card.getByTestId("wecom-price")).toContainText("¥30000.00", { timeout: 10_000 });
    await expect(card.getByTestId("wecom-price-differs")).toBeVisible();
    // While the job has the contract, 开通 is not typed by hand.
    await expect(page.getByTestId("fulfilment-form")).toHaveCount(0);

    // The provider pays the order in WeCom (here: the stand-in's page).
    const wecomPage = await page.context().newPage();
    await wecomPage.goto(`${wecom.baseURL}/`);
    await expect(wecomPage.locator("body")).toContainText(orderId);
    await wecomPage.locator(`form[action="/standin/orders/${orderId}/pay"]`).getByRole("button").click();
    await expect(wecomPage.locator("body")).toContainText("已支付");
    await wecomPage.close();

    // Activated, one by one in WeCom's batches; the page follows by itself.
    await expect(card.getByTestId("wecom-state")).toHaveAttribute("data-state", "done", { timeout: 60_000 });
    await expect(card.getByTestId("wecom-counts")).toContainText("已激活 600");
    // None failed or left; all 600 under the fold, each with its code and expiry day.
    await expect(card.getByTestId("wecom-open")).toHaveCount(0);
    await card.getByTestId("wecom-all").locator("summary").click();
    const all = card.getByTestId("wecom-accounts");
    await expect(all.locator("li")).toHaveCount(600);
    await expect(all.locator('li[data-state="active"]')).toHaveCount(600);
    await expect(all.locator('li[data-userid="qinghe001"]')).toHaveText(
      /^qinghe001 · 互通账号 · 已激活 · \w{20} · 到期 \d{4}-\d{2}-\d{2}$/,
    );

    // 已开通, with WeCom's order ID, recorded by the job.
    await expect(page.getByTestId("contract-status")).toHaveText("已开通", { timeout: 10_000 });
    await expect(page.getByTestId("wecom-order-id")).toHaveText(orderId);
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId("contract-status")).toHaveText("已开通");
    await expect(page.getByTestId("api-expiry-date")).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
    await page.screenshot({ path: "test-results/wecom-fulfilled.png", fullPage: false });
  } finally {
    await server.stop();
    await wecom.stop();
  }
});
