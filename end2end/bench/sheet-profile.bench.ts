// Where the browser's time goes when a 100,000-row userid sheet is dropped on the contract form:
// a CPU profile (Chrome DevTools protocol) of one drop, summed by script (each WASM chunk) and by
// function. Not part of `make bench`; run it alone against a release build:
//
//   cd end2end && npx playwright test -c bench.config.ts sheet-profile
//
// The release WASM is stripped, so functions show as `wasm-function[N]`. For names, build the
// front with `CARGO_PROFILE_WASM_RELEASE_STRIP=none scripts/build-release.sh --frontend-only`:
// wasm-opt then fails on the unstripped modules, but the un-optimised ones it leaves in
// `target/site/pkg` (no precompressed copies) load and profile with their names.
import { test } from "@playwright/test";
import { hydrated, signIn } from "../tests/session";
import { drop, when } from "./util";
import { useridXlsx } from "./xlsx";

const CORP = "ww69c04360d53da8b7";

type Node = { id: number; callFrame: { url: string; functionName: string } };

test("profile: reading a 100,000-row userid sheet", async ({ browser }) => {
  test.setTimeout(5 * 60_000);
  const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
  await signIn(page, "partner.a", "demo-partner-2026");
  await page.goto("/contracts/new");
  await hydrated(page);
  await page.locator('input[name="corp_id"]').fill(CORP);
  // The reader's chunk loaded first, as in browser.bench.ts.
  await page.locator("#lines-import-file").setInputFiles({ name: "warm.xlsx", mimeType: "", buffer: useridXlsx(CORP, 3, true) });
  await page.getByTestId("lines-import").waitFor();
  const b64 = useridXlsx(CORP, 100_000, true).toString("base64");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const t0 = await drop(page, "dropzone-userid_sheet", "userids.xlsx", "", b64, 0);
  const t1 = await when(page, '[data-testid="sheet-preview"]');
  const { profile } = await cdp.send("Profiler.stop");
  const nodes = new Map<number, Node>(profile.nodes.map((n: Node) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byScript = new Map<string, number>();
  profile.samples.forEach((id: number, i: number) => {
    const { url, functionName } = nodes.get(id)!.callFrame;
    const script = url.split("/").pop() || "(browser)";
    const ms = (profile.timeDeltas[i] || 0) / 1000;
    byScript.set(script, (byScript.get(script) || 0) + ms);
    byFunction.set(`${script} ${functionName}`, (byFunction.get(`${script} ${functionName}`) || 0) + ms);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v.toFixed(1).padStart(7)} ms  ${k}`).join("\n");
  // The profile also holds building the file in the page, before the drop.
  console.log(`drop → summary: ${(t1 - t0).toFixed(1)} ms\n\nby script:\n${top(byScript, 12)}\n\nby function:\n${top(byFunction, 40)}`);
});
