// Shared steps of the signed-in journeys (contract.spec.ts, xss.spec.ts).
import { expect, type Page } from "@playwright/test";

/** Waits until the WASM has hydrated the page (the app marks <body data-hydrated>). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1, { timeout: 20_000 });
  // A contract page's form is rendered with its data: wait for the form's own effect as well.
  const form = page.getByTestId("contract-form");
  if ((await form.count()) > 0) await expect(form).toHaveAttribute("data-interactive", "true");
}

export async function signIn(page: Page, username: string, password: string) {
  await page.goto("/signin");
  await hydrated(page);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/contracts/);
}
