// The operator page (GET /admin/) and the demo page (GET /demo/) in a real browser: headless Chromium
// (Debian's `chromium`) driven by playwright-core (npm, pinned by scripts/browser-deps), against the real
// server (embedded broker, SQLite) on loopback. Signs in, watches a policy drain while a load runs, replays
// a dead letter from its button, claims on the demo page, and saves screenshots as artifacts.
// Usage: node pages_test.mjs SERVER_BINARY NODE_MODULES_DIR ARTIFACT_DIR
import {spawn, execFileSync} from "node:child_process";
import {createRequire} from "node:module";
import {mkdtempSync, mkdirSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";

const [serverBinary, modulesDir, artifacts] = process.argv.slice(2);
if (!serverBinary || !modulesDir || !artifacts) throw new Error("usage: pages_test.mjs SERVER NODE_MODULES ARTIFACTS");
const {chromium} = createRequire(resolve(modulesDir, "package.json"))("playwright-core");
mkdirSync(artifacts, {recursive: true});

const deadline = Date.now() + 240_000;  // the whole test; ctest's timeout is the outer bound
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}
async function until(what, probe, ms = 30_000) {
  const stop = Math.min(Date.now() + ms, deadline);
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > stop) throw new Error("timed out waiting for " + what);
    await sleep(100);
  }
}

// --- the server -------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), "coupon-browser-"));
const token = "browser-test-admin-token-" + process.pid;
const server = spawn(serverBinary, [], {
  env: {...process.env, COUPON_HTTP_ADDRESS: "127.0.0.1", COUPON_HTTP_PORT: "0",
        COUPON_SERVER_DATA_DIR: join(work, "data"), COUPON_DATABASE_URL: "", COUPON_KAFKA_BOOTSTRAP_SERVERS: "",
        COUPON_ADMIN_TOKEN: token, COUPON_ADMIN_TOKEN_FILE: "",
        COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS: "6000", COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS: "1000"},
  stdio: ["ignore", "pipe", "pipe"]});
let log = "";
server.stdout.on("data", (d) => { log += d; });
server.stderr.on("data", (d) => { log += d; });
let browser = null;
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (server.exitCode === null) {
    server.kill("SIGTERM");
    for (let i = 0; i < 150 && server.exitCode === null; i++) await sleep(100);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  rmSync(work, {recursive: true, force: true});
}

try {
  const port = await until("the server to be ready", async () =>
    log.includes("coupon-server ready") && Number(/HTTP listening on [^ ]*:(\d+)\n/.exec(log)?.[1]), 90_000);
  const base = `http://127.0.0.1:${port}`;
  console.log("server at " + base);
  const api = async (method, path, body, headers = {}) => {
    const r = await fetch(base + path, {method, headers: {"Content-Type": "application/json", ...headers},
                                        body: body === undefined ? undefined : JSON.stringify(body)});
    return {status: r.status, body: await r.json().catch(() => ({}))};
  };
  const admin = {Authorization: "Bearer " + token};
  const createPolicy = async (name, total) => {
    const r = await api("POST", "/api/coupon-policies",
                        {name, totalQuantity: total, discountType: "AMOUNT", discountValue: 3000}, admin);
    if (r.status !== 201) throw new Error("create policy: " + JSON.stringify(r));
    return r.body.id;
  };
  const sale = await createPolicy("flash sale", 1500);
  const spare = await createPolicy("replayed later", 10);

  browser = await chromium.launch({executablePath: process.env.COUPON_CHROMIUM || "/usr/bin/chromium",
                                   args: ["--no-sandbox", "--disable-dev-shm-usage"]});
  const context = await browser.newContext({viewport: {width: 1400, height: 1000}});
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  // --- sign in ----------------------------------------------------------------------------------------
  await page.goto(base + "/admin/");
  check(await page.locator("#login").isVisible(), "the operator page asks for the admin token");
  await page.fill("#token", "not-the-token");
  await page.click("#login-form button");
  await until("a refusal on the page", async () => (await page.textContent("#error")).length > 0);
  check(!(await page.locator("#app").isVisible()), "a wrong token does not sign in");
  await page.screenshot({path: join(artifacts, "operator-login.png")});
  await page.fill("#token", token);
  await page.click("#login-form button");
  await until("the signed-in page", async () => page.locator("#app").isVisible());
  await until("the sale's row", async () => (await page.locator(`tr[data-policy="${sale}"]`).count()) === 1);
  check((await page.textContent("#ready")) === "ready", "the node shows as ready");
  await until("the live stream", async () => (await page.textContent("#stream")) === "live", 10_000).catch(() => {});
  check((await page.textContent("#stream")) === "live", "the page follows GET /api/admin/overview/events");

  // --- a policy drains while a load runs ----------------------------------------------------------------
  // Paced (about 400 claims a second from new users) so the drain takes a few seconds on the page.
  let sent = 0, answered = 0;
  const load = (async () => {
    const claims = [];
    for (let user = 1; user <= 2400 && Date.now() < deadline; user++) {
      claims.push(api("POST", `/api/coupons/${user}`, {couponPolicyId: sale}, {Prefer: "respond-async"})
        .then((r) => { if (r.status < 500) answered++; }));
      sent++;
      if (user % 20 === 0) await sleep(50);
    }
    await Promise.all(claims);
  })();
  const left = () => page.textContent(`tr[data-policy="${sale}"] td.left`).then(Number);
  await until("the sale draining on the page", async () => { const n = await left(); return n > 0 && n < 1500; });
  await page.screenshot({path: join(artifacts, "operator-draining.png")});
  await until("the sale sold out on the page", async () => (await left()) === 0, 60_000);
  await load;
  await until("the sold-out time", async () =>
    (await page.textContent(`tr[data-policy="${sale}"] td:last-child`)).startsWith("after"), 5_000).catch(() => {});
  await sleep(1200);  // a few more snapshots: the outcome chart shows the sold-out answers
  await page.screenshot({path: join(artifacts, "operator-sold-out.png")});
  const saleNow = await api("GET", `/api/coupon-policies/${sale}`);
  check(saleNow.body.issuedQuantity === 1500, `exactly the stock issued (${saleNow.body.issuedQuantity} of 1500)`);
  check(answered === sent, `every claim answered below 500 (${answered} of ${sent})`);
  check(Number(await page.textContent(`tr[data-policy="${sale}"] td.issued`)) === 1500, "the page shows 1500 issued");

  // --- a dead letter, replayed from its button ---------------------------------------------------------
  // The database refuses this user's coupon (a trigger) until the test drops it: the request goes through
  // the retry topics to the DLT.
  const db = join(work, "data", "coupons.db");
  const sqlite = (sql) => execFileSync("sqlite3", ["-cmd", ".timeout 5000", db, sql]);
  sqlite("CREATE TRIGGER browser_refuse BEFORE INSERT ON coupon WHEN NEW.user_id = 4242 " +
         "BEGIN SELECT RAISE(ABORT, 'refused by the browser test'); END;");
  const claim = await api("POST", "/api/coupons/4242", {couponPolicyId: spare}, {Prefer: "respond-async"});
  check(claim.status === 202, "the claim to be dead-lettered was accepted");
  const requestId = claim.body.requestId;
  const row = page.locator("#dead-letters tbody tr", {hasText: requestId});
  await until("the dead letter on the page", async () => (await row.count()) === 1, 60_000);
  sqlite("DROP TRIGGER browser_refuse;");
  await page.screenshot({path: join(artifacts, "operator-dead-letter.png")});
  await row.locator("button.replay").click();
  await until("the replayed request issued", async () =>
    (await api("GET", `/api/coupon-requests/${requestId}`)).body.status === "ISSUED", 30_000);
  check(true, "the replay button issued the dead-lettered request");
  await until("the letter marked replayed", async () =>
    (await page.locator("#dead-letters tbody tr", {hasText: requestId}).locator("td").nth(6).textContent()).length > 0,
    10_000);
  await page.screenshot({path: join(artifacts, "operator-replayed.png")});

  // --- a paused policy shows as such, until resumed ----------------------------------------------------
  check((await api("POST", `/api/coupon-policies/${spare}/pause`, undefined, admin)).status === 200, "paused by the API");
  await until("the PAUSED mark on the page", async () =>
    (await page.textContent(`tr[data-policy="${spare}"]`)).includes("PAUSED"), 10_000);
  check((await api("POST", `/api/coupon-policies/${spare}/resume`, undefined, admin)).status === 200, "resumed by the API");
  await until("the PAUSED mark gone", async () =>
    !(await page.textContent(`tr[data-policy="${spare}"]`)).includes("PAUSED"), 10_000);
  check(true, "the page shows a pause and its end");

  // --- the demo page --------------------------------------------------------------------------------------
  const demo = await context.newPage();
  demo.on("pageerror", (e) => pageErrors.push(String(e)));
  await demo.goto(base + "/demo/");
  await demo.fill("#user", "777");
  await demo.fill("#policy", String(spare));
  await demo.click("#go");
  const outcome = await until("the demo's outcome", async () => demo.getAttribute("#outcome", "data-status"));
  check(outcome === "ISSUED", `the demo page shows the outcome (${outcome})`);
  await demo.screenshot({path: join(artifacts, "demo-issued.png")});
  await demo.click("#go");
  await until("the second claim's answer", async () =>
    (await demo.getAttribute("#outcome", "data-status")) === "ALREADY_ISSUED", 15_000);
  check(true, "a second claim on the demo page says the user already has it");
  const soldOutClaim = await (async () => {
    await demo.fill("#user", "90001");  // not one of the load's users
    await demo.fill("#policy", String(sale));
    await demo.click("#go");
    return until("the sold-out answer", async () =>
      (await demo.getAttribute("#outcome", "data-status")) === "SOLD_OUT" && "SOLD_OUT", 15_000);
  })();
  check(soldOutClaim === "SOLD_OUT", "the demo page shows a sold-out policy");

  check(pageErrors.length === 0, "no script error on either page" + (pageErrors.length ? ": " + pageErrors.join("; ") : ""));
} catch (e) {
  if (browser) {
    for (const [i, p] of browser.contexts().flatMap((c) => c.pages()).entries()) {
      await p.screenshot({path: join(artifacts, `failure-${i}.png`)}).catch(() => {});
    }
  }
  console.log("FAIL " + e.message + (e.cause ? " (" + e.cause + ")" : ""));
  failures++;
} finally {
  await cleanup();
}
if (failures > 0) {
  console.log("server log (last 4000 bytes):\n" + log.slice(-4000));
  process.exit(1);
}
console.log("browser: every check passed; screenshots in " + artifacts);
