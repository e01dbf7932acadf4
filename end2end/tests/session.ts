// Shared steps of the signed-in journeys (contract.spec.ts, xss.spec.ts).
import { expect, type Page } from "@playwright/test";

/** Waits until the WASM has hydrated the page (the app marks <body data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  // A form rendered with its data (the contract form, the admin's settings) marks itself
  // interactive from its own effect, which may run after the page's: wait for every one.
  await expect(page.locator('[data-interactive="false"]')).toHaveCount(0, { timeout: 20_000 });
}

export async function signIn(page: Page, username: string, password: string) {
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/contracts/);
}
