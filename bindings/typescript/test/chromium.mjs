// How the tests launch Debian's Chromium (or $CHROMIUM) headless through playwright-core,
// with the flags that keep it off the network and quiet on these machines
// (shared/TOOLCHAIN.md). Kept free of imports so tests outside this folder can use it.

/** Options for playwright-core's `chromium.launch(…)`. */
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
};
