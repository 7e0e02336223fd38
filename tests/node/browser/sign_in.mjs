// Signing in as a person does: the dashboard's front door, the e-mail form, the link read
// from MAIL_DIR, the "Sign in" button, the dashboard signed in, sign-out.
//
// Arguments: { base, email, mailDir }.
// Result: { frontDoor, sent, confirmPage, who, cookie, signedOut, afterSignOut }.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { scenario, screenshot } from './lib.mjs';

/** The sign-in link in the newest .eml to `email` in `dir`, once one is there. */
async function linkFromMail(dir, email) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    let names = [];
    try { names = (await readdir(dir)).filter((n) => n.endsWith('.eml')); } catch (e) { names = []; }
    for (const name of names) {
      const raw = await readFile(path.join(dir, name), 'utf8');
      if (!raw.toLowerCase().includes(email.toLowerCase())) continue;
      // Quoted-printable soft line breaks and escapes, as a mail client undoes them.
      const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      const match = text.match(/https?:\/\/[^\s"<>]+\/auth\/email\/confirm\?token=[A-Za-z0-9_]+/);
      if (match) return match[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no sign-in mail to ${email} in ${dir}`);
}

scenario(async (t) => {
  const { base, email, mailDir } = t.args;
  const context = await t.newContext();
  const page = await context.newPage();

  await page.goto(`${base}/`);
  // The access panel is shown by the page's script once it knows nobody is signed in:
  // wait for it (a missing link fails here, after the timeout) before counting.
  await page.locator('#sign-in-panel').waitFor();
  const frontDoor = {
    signInLink: await page.getByRole('link', { name: 'Sign in with your e-mail or council account' }).count(),
    tokenSummary: await page.locator('#token-details summary').innerText(),
    tokenBoxVisible: await page.locator('#token-input').isVisible(),
  };
  await page.getByRole('link', { name: 'Sign in with your e-mail or council account' }).click();
  await page.waitForURL(`${base}/auth/sign-in`);
  await page.getByLabel('Your work e-mail address').fill(email);
  await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
  const sent = await page.locator('h1').innerText();
  await screenshot(page, 'sign-in-sent.png');

  const link = await linkFromMail(mailDir, email);
  await page.goto(link);
  const confirmPage = {
    heading: await page.locator('h1').innerText(),
    cookiesBefore: (await context.cookies()).map((c) => c.name),
  };
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  await page.locator('#who strong').waitFor();
  const who = await page.locator('#who').innerText();
  await screenshot(page, 'signed-in.png');
  const cookie = (await context.cookies()).find((c) => c.name === 'pmf_session') || null;

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/auth\/sign-in\?signed_out=1$/);
  const signedOut = await page.locator('.notice').innerText();
  await page.goto(`${base}/`);
  await page.locator('#access').waitFor();
  const afterSignOut = {
    accessShown: await page.locator('#access').isVisible(),
    cookies: (await context.cookies()).map((c) => c.name),
  };
  return {
    frontDoor,
    sent,
    confirmPage,
    who,
    cookie: cookie && { httpOnly: cookie.httpOnly, sameSite: cookie.sameSite, path: cookie.path },
    signedOut,
    afterSignOut,
  };
});
