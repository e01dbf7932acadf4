// Drop-zone benchmark (issue #14, numbers for BENCHMARKS.md), against the real release server
// with the demo data in Debian's Chromium. Not a test: it measures and prints, it asserts nothing.
//
//   cd end2end && npx playwright test -c bench.config.ts dropzone   (BENCH_RUNS=5 by default)
//   (the same release server and environment as the browser tests: playwright.config.ts)
//
// 1. Sheet: from dropping a 10,000-row userid .xlsx on a new form's sheet zone to its summary on
//    the page (read and checked in the browser by the WASM reader; the upload is not waited for).
// 2. Upload: a 20 MiB voucher dropped on a saved form, from the drop to its stored card, and the
//    XMLHttpRequest's own time from send to load (MiB/s on loopback).
// Each figure is the median of the runs, with min and max.
import { type Page, test } from "@playwright/test";
import * as zlib from "node:zlib";
import { hydrated, signIn } from "../tests/session";

const CORP = "ww69c04360d53da8b7";
const runs = Number(process.env.BENCH_RUNS) || 5;

/** A zip of `files` ([name, Buffer]) stored without compression: enough for an .xlsx. */
function zip(files: [string, Buffer][]): Buffer {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    locals.push(local, n, data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + data.length;
  }
  const size = central.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...central, end]);
}

/** A userid sheet (企业ID, UserID, 类型) of `rows` rows, as inline strings. */
function useridXlsx(rows: number): Buffer {
  const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
  const lines = [`<row r="1">${cell("A1", "企业ID")}${cell("B1", "UserID")}${cell("C1", "类型")}</row>`];
  for (let i = 0; i < rows; i++) {
    const r = i + 2;
    lines.push(`<row r="${r}">${cell(`A${r}`, CORP)}${cell(`B${r}`, `user${i}`)}${cell(`C${r}`, "互通")}</row>`);
  }
  const x = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`);
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  return zip([
    [
      "[Content_Types].xml",
      x(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
          "</Types>",
      ),
    ],
    [
      "_rels/.rels",
      x(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      "xl/workbook.xml",
      x(`<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="userid" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    ],
    [
      "xl/_rels/workbook.xml.rels",
      x(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ),
    ],
    ["xl/worksheets/sheet1.xml", x(`<worksheet ${ns}><sheetData>${lines.join("")}</sheetData></worksheet>`)],
  ]);
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

/** Drops a file built in the page from base64 `head` (+ zeros to `size`) on the zone; resolves with the drop time. */
async function drop(page: Page, zone: string, name: string, type: string, head: string, size: number): Promise<number> {
  return page.getByTestId(zone).evaluate(
    (el, [name, type, head, size]) => {
      const bytes = Uint8Array.from(atob(head), (c) => c.charCodeAt(0));
      const all = new Uint8Array(Math.max(size, bytes.length));
      all.set(bytes);
      const dt = new DataTransfer();
      dt.items.add(new File([all], name, { type }));
      const t0 = performance.now();
      for (const kind of ["dragenter", "dragover", "drop"]) {
        el.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
      return t0;
    },
    [name, type, head, size],
  );
}

/** performance.now() when `selector` first matches (polled every animation frame). */
function when(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    (selector) =>
      new Promise((resolve) => {
        const check = () => {
          if (document.querySelector(selector)) resolve(performance.now());
          else requestAnimationFrame(check);
        };
        check();
      }),
    selector,
  );
}

test("dropzone: a 10,000-row sheet to its summary, a 20 MiB voucher to its card", async ({ browser }) => {
  test.setTimeout(runs * 120_000);
  const sheet = useridXlsx(10_000).toString("base64");
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const sheetMs: number[] = [];
  const uploadMs: number[] = [];
  const xhrMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, "partner.a", "demo-partner-2026");
    await page.goto("/contracts/new");
    await hydrated(page);
    await page.locator('input[name="corp_id"]').fill(CORP);
    // 1. The sheet, to its summary.
    const t0 = await drop(page, "dropzone-userid_sheet", "userids.xlsx", "", sheet, 0);
    const t1 = await when(page, '[data-testid="sheet-preview"]');
    sheetMs.push(t1 - t0);
    await page.waitForSelector('[data-testid="stored-userid_sheet"]', { timeout: 120_000 });
    // 2. A 20 MiB voucher on the now saved form; the XHR's own time from send to load.
    await page.evaluate(() => {
      const send = XMLHttpRequest.prototype.send;
      (window as unknown as { xhr: number[] }).xhr = [];
      XMLHttpRequest.prototype.send = function (body) {
        const t = performance.now();
        this.addEventListener("load", () => (window as unknown as { xhr: number[] }).xhr.push(performance.now() - t));
        return send.call(this, body);
      };
    });
    const size = 20 * 1024 * 1024 - 1024;
    const u0 = await drop(page, "dropzone-voucher", "voucher.png", "image/png", png, size);
    const u1 = await when(page, '[data-testid="stored-voucher"]');
    uploadMs.push(u1 - u0);
    xhrMs.push((await page.evaluate(() => (window as unknown as { xhr: number[] }).xhr))[0]);
    await context.close();
  }
  const x = stats(xhrMs);
  console.log(
    JSON.stringify(
      {
        runs,
        sheet_10000_rows_drop_to_summary_ms: stats(sheetMs),
        voucher_20mib_drop_to_card_ms: stats(uploadMs),
        voucher_20mib_xhr_ms: x,
        voucher_20mib_xhr_mib_per_s: +((20 * 1024 * 1024 - 1024) / 1_048_576 / (x.median / 1000)).toFixed(1),
      },
      null,
      2,
    ),
  );
});
