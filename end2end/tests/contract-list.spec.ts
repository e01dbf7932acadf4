// The contract list as a tool (issue #14, point 6), on a server of its own (fresh demo data, so
// no other test's contracts change the rows between the list and its export):
// - as the demo partner: filter the list with the plain GET form (search, order type, created
//   date, sort), the state is in the URL and survives a reload (form and rows), the totals are
//   above the table; export the filtered list and read the downloaded .xlsx back: its rows are
//   the list's rows, in the same order, with the totals as numbers;
// - a bad date range is named on the page;
// - on a 390×844 phone the list fits the width (stacked rows) and axe-core finds nothing.
import AxeBuilder from "@axe-core/playwright";
import { type Page, expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { type OwnServer, signedIn, startOwnServer } from "./own-server";
import { hydrated } from "./session";

const PARTNER = ["partner.a", "demo-partner-2026"] as const;

let server: OwnServer;
test.beforeEach(async ({}, testInfo) => {
  server = await startOwnServer(testInfo.title.slice(0, 20).replace(/\W+/g, "-"));
});
test.afterEach(async () => {
  await server?.stop();
});

/** Today in Beijing, `2026-12-05`. */
function beijingToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** One file of a .xlsx (a zip), found through the zip's central directory. */
function unzipEntry(zip: Buffer, name: string): Buffer {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("not a zip");
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entryName = zip.toString("utf8", at + 46, at + 46 + nameLen);
    if (entryName === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 8 ? zlib.inflateRawSync(data) : data;
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} not in the zip`);
}

/** The first worksheet's cells by row, as text (inline strings) or number text. */
function sheetRows(xlsx: Buffer): string[][] {
  const xml = unzipEntry(xlsx, "xl/worksheets/sheet1.xml").toString("utf8");
  const unescape = (s: string) =>
    s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
  const column = (ref: string) => ref.replace(/\d+/g, "").charCodeAt(0) - 65;
  const rows: string[][] = [];
  for (const row of xml.match(/<row[^>]*>[\s\S]*?<\/row>/g) ?? []) {
    const cells: string[] = [];
    for (const c of row.match(/<c [^>]*?(?:\/>|>[\s\S]*?<\/c>)/g) ?? []) {
      const ref = /r="([A-Z]+\d+)"/.exec(c)![1];
      const text = /<t[^>]*>([\s\S]*?)<\/t>/.exec(c)?.[1] ?? /<v>([\s\S]*?)<\/v>/.exec(c)?.[1] ?? "";
      cells[column(ref)] = unescape(text);
    }
    rows.push(Array.from(cells, (v) => v ?? ""));
  }
  return rows;
}

/** The list's rows as shown: document number, end customer, amount. */
async function listedRows(page: Page): Promise<{ number: string; customer: string; amount: string }[]> {
  return page.getByTestId("list-row").evaluateAll((rows) =>
    rows.map((r) => {
      const cells = Array.from(r.querySelectorAll("td"), (td) => td.textContent?.trim() ?? "");
      return { number: cells[0], customer: cells[1], amount: cells[6] };
    }),
  );
}

test("the partner filters the list, the URL keeps it through a reload, and the export holds the same rows", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const { context, page } = await signedIn(browser, server, ...PARTNER);
  await page.goto("/contracts");
  await hydrated(page);
  const everything = await listedRows(page);
  expect(everything.length).toBeGreaterThanOrEqual(5);

  // Filter with the form: text, order type, a created date range, and a sort.
  await page.getByLabel("搜索").fill("演示");
  await page.getByLabel("订单类型").selectOption("new");
  await page.getByLabel("创建日期（北京时间） · 起").fill(beijingToday());
  await page.getByLabel("创建日期（北京时间） · 止").fill(beijingToday());
  await page.getByLabel("排序").selectOption("total_desc");
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page).toHaveURL(/order_type=new/);
  const url = new URL(page.url());
  expect(url.searchParams.get("q")).toBe("演示");
  expect(url.searchParams.get("sort")).toBe("total_desc");
  expect(url.searchParams.get("created_from")).toBe(beijingToday());
  await hydrated(page);
  const filtered = await listedRows(page);
  expect(filtered.length).toBe(everything.length);
  const amounts = filtered.map((r) => Number(r.amount.replace(/,/g, "")));
  expect(amounts, "highest total first").toEqual([...amounts].sort((a, b) => b - a));
  const totals = page.getByTestId("list-totals");
  await expect(totals).toContainText(`共 ${filtered.length} 份合同`);

  // Reload: the form and the rows come back from the URL alone.
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("搜索")).toHaveValue("演示");
  await expect(page.getByLabel("订单类型")).toHaveValue("new");
  await expect(page.getByLabel("排序")).toHaveValue("total_desc");
  await expect(page.getByLabel("创建日期（北京时间） · 起")).toHaveValue(beijingToday());
  expect(await listedRows(page)).toEqual(filtered);

  // A narrower filter: the rejected one only; the export carries it.
  await page.getByLabel("状态").selectOption("rejected");
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page).toHaveURL(/status=rejected/);
  await hydrated(page);
  await expect(page.getByTestId("list-row")).toHaveCount(1);
  await page.goBack();
  await expect(page).not.toHaveURL(/status=rejected/);
  await hydrated(page);
  expect(await listedRows(page), "back: the previous filter").toEqual(filtered);

  // Export what is listed and read the file back.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("list-export").click()]);
  expect(download.suggestedFilename()).toMatch(/^合同列表-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const rows = sheetRows(fs.readFileSync((await download.path())!));
  expect(rows[0].slice(0, 3)).toEqual(["单据编号", "最终用户", "企业名称"]);
  const exported = rows.slice(1).map((r) => ({
    number: r[0] || "（草稿）",
    customer: r[1],
    amount: r[8] === "" ? "—" : Number(r[8]).toLocaleString("en-US", { minimumFractionDigits: 2 }),
  }));
  expect(exported).toEqual(filtered);
  expect(Number(await totals.getAttribute("data-count"))).toBe(exported.length);
  await context.close();
});

test("a date range that ends before it starts is named on the page", async ({ browser }) => {
  const { context, page } = await signedIn(browser, server, ...PARTNER);
  await page.goto("/contracts?updated_from=2026-12-31&updated_to=2026-12-01");
  await hydrated(page);
  await expect(page.getByTestId("list-error")).toContainText("更新日期的开始日期 2026-12-31 晚于结束日期 2026-12-01");
  await context.close();
});

test("on a 390×844 phone the list fits the width and axe-core finds nothing", async ({ browser }) => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  const { context, page } = await signedIn(browser, server, ...PARTNER, phone);
  await page.goto("/contracts?sort=number_asc");
  await hydrated(page);
  await expect(page.getByTestId("list-row").first()).toBeVisible();
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, `the list is ${scroll}px wide in a ${client}px screen`).toBeLessThanOrEqual(client);
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  await context.close();
});
