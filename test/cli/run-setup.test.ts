import { afterEach, describe, expect, it, vi } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { interruptible } from "../../src/cli/run-setup.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function io(): CliIO & { err: () => string } {
  let err = "";
  return { argv: [], cwd: "/", env: {}, stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, err: () => err };
}

describe("interruptible: the signal handling apply and audit share", () => {
  it("a first Ctrl-C aborts with the signal's name; a second leaves at once, exit 130, saying what the command does next", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const out = io();
    const before = process.listenerCount("SIGINT");
    const result = await interruptible(out, "`intern audit` again starts a new rerun", async (signal) => {
      expect(process.listenerCount("SIGINT")).toBe(before + 1);
      process.emit("SIGINT", "SIGINT");
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe("SIGINT");
      expect(exit).not.toHaveBeenCalled();
      process.emit("SIGTERM", "SIGTERM");
      expect(exit).toHaveBeenCalledWith(130);
      return 7;
    });
    expect(result).toBe(7);
    expect(out.err()).toBe("\nSIGTERM again: leaving without waiting for running jobs to stop; `intern audit` again starts a new rerun\n");
    // The listeners are gone once the body settles, even when it throws.
    expect(process.listenerCount("SIGINT")).toBe(before);
    await expect(interruptible(out, "x", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
