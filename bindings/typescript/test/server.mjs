// A chinwag-server process on loopback that a test can stop and start again on the same
// address with the same database (CHINWAG_SERVER_BIN names the binary).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class TestServer {
  /** `extra`: more flags, e.g. ["--cors-origin", "http://127.0.0.1:5000"]. `dir`: where the
   * database and files live (kept by `close()`); a fresh temporary folder if not given.
   * `listen`: the address (default 127.0.0.1 on a free port). */
  constructor(extra = [], { dir, listen = "127.0.0.1:0" } = {}) {
    this.bin = process.env.CHINWAG_SERVER_BIN;
    if (!this.bin) throw new Error("set CHINWAG_SERVER_BIN to the chinwag-server binary");
    this.keepDir = dir !== undefined;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), "chinwag-js-"));
    mkdirSync(this.dir, { recursive: true });
    this.notifyKey = `js-${process.pid}-${Date.now()}`;
    this.extra = extra;
    this.listen = listen;
    this.child = null;
  }

  get url() {
    return `http://${this.listen}`;
  }

  /** Starts the server (on the address it had before, after a stop) and waits for it. */
  async start() {
    const addrFile = join(this.dir, "addr");
    rmSync(addrFile, { force: true });
    this.child = spawn(
      this.bin,
      ["--listen", this.listen, "--db", join(this.dir, "chat.db"), "--files", join(this.dir, "files"),
        "--notify-key", this.notifyKey, "--addr-file", addrFile, ...this.extra],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, RUST_LOG: "warn" } },
    );
    for (let i = 0; i < 200 && !existsSync(addrFile); i++) await sleep(50);
    if (!existsSync(addrFile)) throw new Error("chinwag-server did not start");
    this.listen = readFileSync(addrFile, "utf8").trim();
  }

  /** Kills the server at once (SIGKILL: no goodbye to the clients). */
  async stop() {
    if (!this.child) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
    this.child = null;
  }

  /** Posts a backend notification to user `to`; returns the HTTP status. */
  async notify(to, kind) {
    const response = await fetch(`${this.url}/notification?type=unicast&to=${to}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-notify-key": this.notifyKey },
      body: JSON.stringify({ notificationType: kind, content: { from: "backend" } }),
    });
    return response.status;
  }

  async close() {
    await this.stop();
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
