// The approver's desk (issue #15) with the three demo approvers, each test on a server of its own
// (fresh database with the demo data) so the inbox badges count only its contracts:
// - a submitted contract waits in approver1's inbox only (badge 1), then approver2's, then
//   approver3's, never in one before its turn; approval by keyboard alone; after a decision the
//   page moves on;
// - a level-2 rejection with its reason reaches the owner's bell and the top of the contract; the
//   owner fixes and resubmits; round 2 starts at level 1; the timeline shows both rounds;
// - a withdrawn contract leaves every inbox;
// - on a 390×844 phone the inbox and the decision page do not scroll sideways and approving works;
//   axe-core finds nothing on either.
import AxeBuilder from "@axe-core/playwright";
import { type Page, expect, test } from "@playwright/test";
import { type OwnServer, signedIn, startOwnServer } from "./own-server";
import { hydrated } from "./session";

const PARTNER = ["partner.a", "demo-partner-2026"] as const;
const APPROVER = (n: number) => [`approver${n}`, "demo-approver-2026"] as const;

/** A 1×1 PNG: the payment voucher. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A server function answer, failing the test with the server's words. */
async function api(page: Page, fn: string, data: unknown) {
  const res = await page.request.post(`/api/${fn}`, { data });
  expect(res.ok(), `${fn}: ${res.status()} ${await res.text()}`).toBeTruthy();
  return res.json();
}

/**
 * As the signed-in partner: a complete contract for `customer` (the demo draft's fields), its
 * voucher uploaded, submitted. The form's own journey is contract.spec.ts; here it is the setup.
 */
async function submitContract(page: Page, customer: string): Promise<{ id: number; number: string; url: string }> {
  const drafts = await api(page, "contracts/list", { filter: { status: "draft" } });
  const template = drafts.items.find((c: { end_customer: string }) => c.end_customer === "演示·星河零售有限公司");
  const demo = await api(page, "contracts/get", { id: template.id });
  const draft = { ...demo.draft, end_customer: customer, payment_voucher: null };
  const created = await api(page, "contracts/create", { draft });
  const upload = await page.request.post(`/contracts/${created.id}/attachments`, {
    multipart: { kind: "voucher", file: { name: "付款凭证.png", mimeType: "image/png", buffer: PNG } },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const attachment = await upload.json();
  draft.payment_voucher = attachment.id;
  const submitted = await api(page, "contracts/submit", {
    id: created.id,
    version: attachment.contract_version,
    draft,
  });
  return { id: created.id, number: submitted.document_number, url: `/contracts/${created.id}` };
}

/** The inbox badge's number (0 when there is none), once the page is interactive. */
async function inboxBadge(page: Page): Promise<number> {
  const badge = page.getByTestId("inbox-count");
  return (await badge.count()) === 0 ? 0 : Number(await badge.textContent());
}

/** The contracts listed as waiting in the inbox page. */
async function waitingIds(page: Page): Promise<number[]> {
  await page.goto("/approvals");
  await hydrated(page);
  await expect(page.getByTestId("inbox")).toBeVisible();
  const rows = page.getByTestId("inbox-row");
  const ids = await rows.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute("data-contract"))));
  return ids;
}

let server: OwnServer;
test.beforeEach(async ({}, testInfo) => {
  server = await startOwnServer(testInfo.title.slice(0, 20).replace(/\W+/g, "-"));
});
test.afterEach(async () => {
  await server?.stop();
});

test("three levels in turn, a level-2 rejection reaches the owner, round 2 starts at level 1, a withdrawal empties every inbox", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const partner = await signedIn(browser, server, ...PARTNER);
  const ap = [1, 2, 3].map(() => null as null | Awaited<ReturnType<typeof signedIn>>);
  for (const n of [1, 2, 3]) ap[n - 1] = await signedIn(browser, server, ...APPROVER(n));
  const [a1, a2, a3] = ap.map((a) => a!.page);

  // Before: approver1 has nothing; approver2 has the demo's two contracts at level 2.
  for (const p of [a1, a2, a3]) {
    await p.goto("/approvals");
    await hydrated(p);
  }
  expect(await inboxBadge(a1)).toBe(0);
  const a2Before = await inboxBadge(a2);
  const a3Before = await inboxBadge(a3);

  const c = await submitContract(partner.page, "桌面测试·三级审批");

  // The tab regaining focus reads the count again: approver1's badge is 1, the others unchanged.
  await a1.evaluate(() => window.dispatchEvent(new Event("focus")));
  await expect(a1.getByTestId("inbox-count")).toHaveText("1");
  expect(await waitingIds(a1)).toEqual([c.id]);
  expect(await waitingIds(a2)).not.toContain(c.id);
  expect(await waitingIds(a3)).not.toContain(c.id);
  expect(await inboxBadge(a2)).toBe(a2Before);
  expect(await inboxBadge(a3)).toBe(a3Before);

  // approver1 opens it from the inbox and approves with the keyboard only.
  await a1.goto("/approvals");
  await hydrated(a1);
  await a1.getByTestId("inbox-row").getByRole("link", { name: c.number }).click();
  await expect(a1).toHaveURL(new RegExp(`/contracts/${c.id}$`));
  await hydrated(a1);
  const decision = a1.getByTestId("decision");
  await expect(decision).toContainText("第1级 / 共3级");
  await expect(decision.getByTestId("decision-total")).not.toHaveText("—");
  await expect(decision.getByTestId("voucher-image")).toBeVisible();
  const approve = decision.getByTestId("approve");
  let reached = false;
  for (let i = 0; i < 120 && !reached; i++) {
    await a1.keyboard.press("Tab");
    reached = await approve.evaluate((b) => b === document.activeElement);
  }
  expect(reached, "Tab reaches the approve button").toBe(true);
  await a1.keyboard.press("Enter");
  // No other contract waits for approver1: back to the inbox, which says what was done.
  await expect(a1).toHaveURL(/\/approvals\?done=approve/);
  await expect(a1.getByTestId("inbox-done")).toContainText(c.number);
  await expect(a1.getByTestId("inbox-empty")).toBeVisible();
  await expect(a1.getByTestId("inbox-count")).toHaveCount(0);

  // Level 2's turn: approver2's inbox has it; approver3's still not.
  expect(await waitingIds(a2)).toContain(c.id);
  await expect(a2.getByTestId("inbox-count")).toHaveText(String(a2Before + 1));
  expect(await waitingIds(a3)).not.toContain(c.id);

  // approver2 rejects: without a reason the page refuses and puts the cursor in the reason field.
  await a2.goto(c.url);
  await hydrated(a2);
  await expect(a2.getByTestId("decision")).toContainText("第2级 / 共3级");
  await a2.getByTestId("reject").click();
  await expect(a2.getByTestId("decision-problem")).toBeVisible();
  await expect(a2.locator("#decision-reason")).toBeFocused();
  const reason = "桌面测试：数量与付款凭证不一致";
  await a2.locator("#decision-reason").fill(reason);
  await a2.getByTestId("reject").click();
  // The demo's level-2 contracts still wait for approver2: straight to the oldest of them.
  await expect(a2).toHaveURL(/\/contracts\/\d+\?done=reject/);
  expect(a2.url()).not.toContain(`/contracts/${c.id}?`);
  await hydrated(a2);
  await expect(a2.getByTestId("decision-after")).toContainText(c.number);
  await expect(a2.getByTestId("decision")).toBeVisible();

  // The owner's bell, the notification in words, the reason at the top of the contract.
  const p = partner.page;
  await p.goto("/contracts");
  await hydrated(p);
  // The outbox writes the notification after the rejection commits: the tab coming back to the
  // front reads the count again.
  await expect(async () => {
    await p.evaluate(() => window.dispatchEvent(new Event("focus")));
    await expect(p.getByTestId("unread-count")).toBeVisible({ timeout: 1_000 });
  }).toPass();
  await p.getByTestId("bell").click();
  await expect(p).toHaveURL(/\/notifications$/);
  await hydrated(p);
  // (The demo's own rejected contract has told partner.a before: this one names the reason.)
  const rejected = p.locator('[data-testid="notification"][data-kind="contract.rejected"]', { hasText: reason });
  await expect(rejected).toContainText(reason);
  await rejected.getByRole("link").click();
  await expect(p).toHaveURL(new RegExp(`/contracts/${c.id}$`));
  await hydrated(p);
  await expect(p.getByTestId("rejected-banner")).toContainText(reason);
  await expect(p.getByTestId("rejected-banner")).toContainText("第2级");

  // The owner fixes and resubmits: round 2 starts at level 1.
  await p.locator("#remark").fill("已核对付款凭证金额，重新提交");
  await p.getByTestId("submit").click();
  await expect(p.getByTestId("contract-status")).toHaveText("审批中（第1级）");
  await expect(p.getByTestId("rejected-banner")).toHaveCount(0);
  const timeline = p.getByTestId("timeline");
  await expect(timeline.locator('li[data-action="submitted"]')).toHaveCount(2);
  await expect(timeline.locator('li[data-action="approved"]')).toHaveCount(1);
  await expect(timeline.locator('li[data-action="rejected"]')).toContainText(reason);
  expect(await waitingIds(a1)).toEqual([c.id]);
  expect(await waitingIds(a2)).not.toContain(c.id);

  // Round 2: levels 1 and 2 approve (as their decision pages would); then it waits for approver3
  // alone, who did not see it before its turn.
  for (const a of [a1, a2]) {
    const now = await api(a, "contracts/get", { id: c.id });
    await api(a, "contracts/approve", { id: c.id, version: now.version, comment: "第二轮同意" });
  }
  expect(await waitingIds(a3)).toEqual([c.id]);
  await expect(a3.getByTestId("inbox-count")).toHaveText(String(a3Before + 1));
  for (const a of [a1, a2]) expect(await waitingIds(a)).not.toContain(c.id);

  // The owner withdraws it at level 3: it leaves every inbox.
  await p.reload();
  await hydrated(p);
  await expect(p.getByTestId("contract-status")).toHaveText("审批中（第3级）");
  await p.getByTestId("withdraw").click();
  await expect(p.getByTestId("contract-status")).toHaveText("已撤回");
  for (const page of [a1, a2, a3]) expect(await waitingIds(page)).not.toContain(c.id);
  await expect(a3.getByTestId("inbox-count")).toHaveCount(a3Before > 0 ? 1 : 0);

  for (const s of [partner, ...ap]) await s!.context.close();
});

test("on a 390×844 phone the inbox and the decision page fit, axe-core finds nothing, and approving works", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const partner = await signedIn(browser, server, ...PARTNER);
  const c = await submitContract(partner.page, "桌面测试·手机审批");
  await partner.context.close();

  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  const { context, page } = await signedIn(browser, server, ...APPROVER(1), phone);
  const noSidewaysScroll = async (where: string) => {
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(scroll, `${where}: page is ${scroll}px wide in a ${client}px screen`).toBeLessThanOrEqual(client);
  };
  const axeClean = async (where: string) => {
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), where).toEqual(
      [],
    );
  };

  await page.goto("/approvals");
  await hydrated(page);
  await expect(page.getByTestId("inbox-row")).toHaveCount(1);
  await noSidewaysScroll("inbox");
  await axeClean("inbox");

  await page.getByTestId("inbox-row").getByRole("link", { name: c.number }).tap();
  await expect(page).toHaveURL(new RegExp(`/contracts/${c.id}$`));
  await hydrated(page);
  await expect(page.getByTestId("decision")).toBeVisible();
  await noSidewaysScroll("decision page");
  await axeClean("decision page");
  const approve = page.getByTestId("approve");
  const box = await approve.boundingBox();
  expect(box && box.height >= 44, `approve is ${box?.height}px tall: a thumb's target`).toBe(true);
  await approve.tap();
  await expect(page).toHaveURL(/\/approvals\?done=approve/);
  await expect(page.getByTestId("inbox-empty")).toBeVisible();
  await noSidewaysScroll("inbox after approving");
  await context.close();
});

test("renewals falling due: the demo's fulfilled contract is listed, one click starts its renewal prefilled, its userids become the renewal's sheet", async ({
  browser,
}) => {
  const { context, page } = await signedIn(browser, server, ...PARTNER);
  await page.getByTestId("nav-renewals").click();
  await expect(page).toHaveURL(/\/renewals$/);
  await hydrated(page);
  const row = page.locator('[data-testid="renewal-row"]', { hasText: "演示·南湖连锁酒店" });
  await expect(row).toContainText("20 天");
  // The 7-day window does not reach it; 90 does.
  await page.locator('a[data-days="7"]').click();
  await expect(page).toHaveURL(/days=7/);
  await expect(page.getByTestId("renewals-empty")).toBeVisible();
  await page.locator('a[data-days="90"]').click();
  await expect(row).toBeVisible();
  const expiry = (await row.locator('td[data-label="API接口到期日"]').textContent())!.trim();
  await row.getByTestId("start-renewal").click();
  await expect(page).toHaveURL(/\/contracts\/new\?renew=\d+$/);
  await hydrated(page);
  await expect(page.getByTestId("from-renewal")).toContainText("续期自 QYWXHT-");
  await expect(page.locator('input[name="end_customer"]')).toHaveValue("演示·南湖连锁酒店");
  await expect(page.locator('select[name="order_type"]')).toHaveValue("renewal");
  const start = new Date(`${expiry}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() + 1);
  await expect(page.locator('input[name="lines[0].service_start"]')).toHaveValue(start.toISOString().slice(0, 10));
  await expect(page.locator('input[name="lines[0].quantity"]')).toHaveValue("40");
  // Its 40 userids become this contract's userid sheet when it is first saved.
  await expect(page.getByTestId("renewal-userids")).toContainText("40 个 UserID");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId("stored-userid_sheet")).toContainText("续期自合同");
  await context.close();
});
