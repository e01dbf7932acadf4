// Drag and drop on the contract form (issue #14 point 1 and point 7's first three): files are
// dropped as real `DataTransfer` drop events on a new form, signed in as a demo partner.
// - the first drop saves the draft (the address becomes the contract's), the voucher uploads with
//   a progress bar and shows as a thumbnail; a userid sheet is checked in the browser, summarised
//   (a userid in both kinds is said to be) and uploaded by the same drop; a PDF goes into 其他附件;
// - a program renamed .png and a file over the server's limit are refused in the browser with no
//   request; the server refuses the disguised one again when sent straight to the route;
// - an upload in flight (throttled) is cancelled and nothing is stored;
// - a drop beside the zones does not navigate away (its default is prevented);
// - a userid with an invisible bad character is named (全角空格), not shown as “ ”.
import { type Page, expect, test } from "@playwright/test";
import { hydrated, signIn } from "./session";

const CORP = "ww69c04360d53da8b7";
/** A 1×1 PNG. */
const PNG_1PX =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString("base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").toString("base64");

/** A file made in the page: `head` (base64) then zeros up to `size` bytes (default: just head). */
type FileSpec = { name: string; type: string; head: string; size?: number };

/** Dispatches dragenter, dragover and drop carrying `files` on the element with `testId`. */
async function drop(page: Page, testId: string, files: FileSpec[]) {
  await page.getByTestId(testId).evaluate((zone, files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const head = Uint8Array.from(atob(f.head), (c) => c.charCodeAt(0));
      const bytes = new Uint8Array(Math.max(f.size ?? 0, head.length));
      bytes.set(head);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    for (const type of ["dragenter", "dragover", "drop"]) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, files);
}

/** Limits this page's upload speed to `bytesPerSecond` (-1: no limit), as DevTools does. */
async function throttleUploads(page: Page, bytesPerSecond: number) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  });
}

/** Every POST to an upload route from now on. */
function uploadPosts(page: Page): string[] {
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && /\/attachments$/.test(new URL(r.url()).pathname)) posts.push(r.url());
  });
  return posts;
}

async function newForm(page: Page) {
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  await expect(page.getByTestId("dropzone-voucher")).toBeVisible();
}

function csv(rows: string[]): string {
  return Buffer.from(["企业ID,UserID,类型", ...rows].join("\r\n"), "utf-8").toString("base64");
}

test("dropping files on a new form saves the draft and uploads each with progress, thumbnail and summary", async ({
  page,
}) => {
  await newForm(page);
  await page.locator('input[name="end_customer"]').fill("拖放测试客户");
  await page.locator('input[name="corp_id"]').fill(CORP);
  const posts = uploadPosts(page);

  // The voucher: the draft is saved by the drop, the page stays and takes the contract's address.
  const progress: number[] = [];
  await page.exposeFunction("sawProgress", (v: number) => progress.push(v));
  await page.evaluate(() => {
    new MutationObserver(() => {
      for (const p of document.querySelectorAll<HTMLProgressElement>(".upload-item progress")) {
        (window as unknown as { sawProgress: (v: number) => void }).sawProgress(p.value / p.max);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
  });
  // 2 MB/s up: a 3 MB voucher takes about a second and a half, so its progress can be seen.
  await throttleUploads(page, 2_000_000);
  await drop(page, "dropzone-voucher", [{ name: "付款截图.png", type: "image/png", head: PNG_1PX, size: 3_000_000 }]);
  await expect(page).toHaveURL(/\/contracts\/\d+$/);
  const voucher = page.getByTestId("stored-voucher");
  await expect(voucher).toContainText("付款截图.png", { timeout: 20_000 });
  await expect(voucher).toContainText("2.9 MB");
  const thumb = voucher.locator("img.thumb");
  await expect(thumb).toHaveAttribute("src", /\/attachments\/\d+\?inline=1$/);
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  expect(progress.some((v) => v > 0 && v < 1), `progress seen between 0 and 1: ${progress}`).toBeTruthy();
  await throttleUploads(page, -1);

  // The userid sheet: checked here, summarised (one userid in both kinds is said so), uploaded.
  await drop(page, "dropzone-userid_sheet", [
    {
      name: "userids.csv",
      type: "text/csv",
      head: csv([`${CORP},zhangsan,基础`, `${CORP},zhangsan,互通`, `${CORP},lisi,互通`]),
    },
  ]);
  const preview = page.getByTestId("sheet-preview");
  await expect(preview).toHaveAttribute("data-ok", "true");
  await expect(preview).toContainText("有效 userid 2 个（基础 1，互通 2");
  await expect(preview).toContainText("其中 1 个 userid 同时有基础和互通账号");
  await expect(page.getByTestId("stored-userid_sheet")).toContainText("userids.csv");

  // Two PDFs at once into 其他附件.
  await drop(page, "dropzone-other", [
    { name: "合同扫描件.pdf", type: "application/pdf", head: PDF },
    { name: "补充协议.pdf", type: "application/pdf", head: PDF },
  ]);
  const others = page.getByTestId("stored-other");
  await expect(others).toHaveCount(2);
  await expect(others.first().locator(".file-icon")).toHaveText("PDF");
  expect(posts.length, "one upload per file").toBe(4);

  // What was dropped is the contract's, after a reload too; removing one asks the server.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("stored-voucher")).toContainText("付款截图.png");
  await expect(page.getByTestId("stored-userid_sheet")).toContainText("userids.csv");
  await expect(page.getByTestId("stored-other")).toHaveCount(2);
  await page.getByTestId("stored-other").filter({ hasText: "补充协议.pdf" }).getByTestId("remove").click();
  await expect(page.getByTestId("stored-other")).toHaveCount(1);
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("stored-other")).toHaveCount(1);
  await expect(page.getByTestId("timeline")).toContainText("移除了其他附件“补充协议.pdf”");
});

test("a disguised file and one over the limit are refused in the browser with no request; the server refuses them too", async ({
  page,
}) => {
  await newForm(page);
  const posts = uploadPosts(page);
  const apiCalls: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") apiCalls.push(r.url());
  });
  // A Windows program named .png.
  const exe = Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00", "latin1").toString("base64");
  await drop(page, "dropzone-voucher", [{ name: "付款凭证.png", type: "image/png", head: exe }]);
  const refused = page.getByTestId("upload-item");
  await expect(refused).toHaveAttribute("data-state", "refused");
  await expect(refused).toContainText("付款凭证只接受 PNG / JPEG / PDF 文件");
  // Over the server's limit (20 MiB by default, as the zone says).
  await expect(page.getByTestId("dropzone-other")).toContainText("每个最大 20.0 MB");
  await drop(page, "dropzone-other", [
    { name: "大扫描件.pdf", type: "application/pdf", head: PDF, size: 21 * 1024 * 1024 },
  ]);
  const big = page.getByTestId("upload-item").filter({ hasText: "大扫描件.pdf" });
  await expect(big).toHaveAttribute("data-state", "refused");
  await expect(big).toContainText("文件过大：附件最大 20.0 MB");
  expect(posts, "no upload was sent").toEqual([]);
  expect(apiCalls, "not even the draft was saved").toEqual([]);
  await expect(page).toHaveURL(/\/contracts\/new$/);

  // Straight to the route, the server says the same.
  const drafts = await (await page.request.post("/api/contracts/list", { data: { filter: { status: "draft" } } })).json();
  const id = drafts.items[0].id;
  const res = await page.request.post(`/contracts/${id}/attachments`, {
    multipart: { kind: "voucher", file: { name: "付款凭证.png", mimeType: "image/png", buffer: Buffer.from(exe, "base64") } },
  });
  expect(res.status()).toBe(415);
  expect(await res.text()).toContain("付款凭证只接受 PNG / JPEG / PDF 文件");
});

test("an upload in flight can be cancelled and nothing is stored", async ({ page }) => {
  await signIn(page, "partner.a", "demo-partner-2026");
  const drafts = await (await page.request.post("/api/contracts/list", { data: { filter: { status: "draft" } } })).json();
  const id = drafts.items.find((c: { end_customer: string }) => c.end_customer === "演示·星河零售有限公司").id;
  const before = (await (await page.request.post("/api/contracts/get", { data: { id } })).json()).attachments.length;
  await page.goto(`/contracts/${id}`);
  await hydrated(page);
  await throttleUploads(page, 500_000);
  await drop(page, "dropzone-other", [{ name: "慢.pdf", type: "application/pdf", head: PDF, size: 8_000_000 }]);
  const item = page.getByTestId("upload-item");
  await expect(item).toHaveAttribute("data-state", "sending");
  await item.getByTestId("upload-cancel").click();
  await expect(item).toHaveAttribute("data-state", "cancelled");
  await expect(item).toContainText("已取消");
  await throttleUploads(page, -1);
  const after = (await (await page.request.post("/api/contracts/get", { data: { id } })).json()).attachments.length;
  expect(after).toBe(before);
  await expect(page.getByTestId("stored-other")).toHaveCount(0);
});

test("a drop beside the zones never navigates away, and a bad userid character is named", async ({ page }) => {
  await newForm(page);
  const prevented = await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(["x"], "stray.png", { type: "image/png" }));
    return ["dragover", "drop"].map((type) => {
      const ev = new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true });
      document.querySelector("h1")!.dispatchEvent(ev);
      return ev.defaultPrevented;
    });
  });
  expect(prevented).toEqual([true, true]);
  await expect(page).toHaveURL(/\/contracts\/new$/);

  await page.locator('input[name="corp_id"]').fill(CORP);
  await drop(page, "dropzone-userid_sheet", [
    { name: "bad.csv", type: "text/csv", head: csv([`${CORP},zhang\u3000san,互通`]) },
  ]);
  const preview = page.getByTestId("sheet-preview");
  await expect(preview).toHaveAttribute("data-ok", "false");
  await expect(preview).toContainText("中有全角空格");
  await expect(page.getByTestId("upload-item")).toHaveAttribute("data-state", "refused");
  await expect(page).toHaveURL(/\/contracts\/new$/);
});

test("on a 390-px phone the contract form fits the width, the lines as labelled cards", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, "partner.a", "demo-partner-2026");
  const drafts = await (await page.request.post("/api/contracts/list", { data: { filter: { status: "draft" } } })).json();
  for (const path of ["/contracts/new", `/contracts/${drafts.items[0].id}`]) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByTestId("dropzone-voucher")).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width}px wide`).toBeLessThanOrEqual(390);
    // A line is a card: its product select is as wide as the card, with its column's name beside it.
    const product = page.locator('select[name="lines[0].kind"]');
    const box = await product.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await expect(page.locator('tr[data-line="0"] td').nth(1)).toHaveAttribute("data-label", "产品名称");
  }
  await context.close();
});
