// Spreadsheets for the browser benchmarks, built in Node with no dependency: a minimal .xlsx
// (the parts Excel needs and nothing else) around a userid sheet (企业ID, UserID, 类型).
import * as zlib from "node:zlib";

/** A zip of `files` ([name, bytes]); `deflate` compresses each entry as Excel does. */
export function zip(files: [string, Buffer][], deflate = false): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = Buffer.from(name);
    const crc = zlib.crc32(data);
    const body = deflate ? zlib.deflateRawSync(data, { level: 6 }) : data;
    const method = deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    locals.push(local, n, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, n);
    offset += 30 + n.length + body.length;
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

const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`);
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const CT = "application/vnd.openxmlformats-officedocument.spreadsheetml";

/**
 * A userid sheet of `rows` rows for `corp`: every userid distinct, each an interop (互通) account.
 *
 * `excel: false` writes inline strings in a stored zip (small sheets, quick to build); `excel:
 * true` writes what Excel writes: a shared-strings table and deflated parts, the only way 100,000
 * rows stay under the reader's 10 MiB file limit.
 */
export function useridXlsx(corp: string, rows: number, excel = false): Buffer {
  const header = ["企业ID", "UserID", "类型"];
  const strings: string[] = [];
  const index = new Map<string, number>();
  const cell = (ref: string, text: string) => {
    if (!excel) return `<c r="${ref}" t="inlineStr"><is><t>${escape(text)}</t></is></c>`;
    let i = index.get(text);
    if (i === undefined) {
      i = strings.push(text) - 1;
      index.set(text, i);
    }
    return `<c r="${ref}" t="s"><v>${i}</v></c>`;
  };
  const lines = [`<row r="1">${header.map((h, i) => cell(`${"ABC"[i]}1`, h)).join("")}</row>`];
  for (let i = 0; i < rows; i++) {
    const r = i + 2;
    lines.push(`<row r="${r}">${cell(`A${r}`, corp)}${cell(`B${r}`, `user${i}`)}${cell(`C${r}`, "互通")}</row>`);
  }
  const parts: [string, Buffer][] = [
    [
      "[Content_Types].xml",
      xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
          `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT}.worksheet+xml"/>` +
          (excel ? `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/>` : "") +
          "</Types>",
      ),
    ],
    [
      "_rels/.rels",
      xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      "xl/workbook.xml",
      xml(`<workbook ${NS} xmlns:r="${REL}"><sheets><sheet name="userid" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    ],
    [
      "xl/_rels/workbook.xml.rels",
      xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
          (excel ? `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>` : "") +
          "</Relationships>",
      ),
    ],
    ["xl/worksheets/sheet1.xml", xml(`<worksheet ${NS}><sheetData>${lines.join("")}</sheetData></worksheet>`)],
  ];
  if (excel) {
    const sst = strings.map((s) => `<si><t>${escape(s)}</t></si>`).join("");
    parts.push([
      "xl/sharedStrings.xml",
      xml(`<sst ${NS} count="${rows * 3 + 3}" uniqueCount="${strings.length}">${sst}</sst>`),
    ]);
  }
  return zip(parts, excel);
}
