import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateMeter } from "../../src/progress/meter.js";

describe("the rate meter", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it("measures the speed since it was made and the time left at it", () => {
    const meter = new RateMeter(500);
    vi.setSystemTime(1_002_000);
    expect(meter.read(300, 1000)).toEqual({ perSecond: 150, etaSeconds: 700 / 150 });
  });

  it("reads at most once every interval, unless forced", () => {
    const meter = new RateMeter(500);
    vi.setSystemTime(1_001_000);
    expect(meter.read(10, 100)).not.toBeNull();
    vi.setSystemTime(1_001_499);
    expect(meter.read(20, 100)).toBeNull();
    expect(meter.read(20, 100, true)).not.toBeNull();
    vi.setSystemTime(1_001_998);
    expect(meter.read(30, 100)).toBeNull();
    vi.setSystemTime(1_001_999);
    expect(meter.read(30, 100)).not.toBeNull();
  });

  it("has no speed before time has passed, or a floor on that time when given one", () => {
    expect(new RateMeter(500).read(10, 100)).toEqual({ perSecond: 0, etaSeconds: null });
    expect(new RateMeter(500, 0.001).read(10, 100)).toEqual({ perSecond: 10_000, etaSeconds: 0.009 });
    vi.setSystemTime(1_003_000);
    expect(new RateMeter(500, 0.001).read(0, 100)).toEqual({ perSecond: 0, etaSeconds: null });
  });

  it("says no time is left once the count passes its total", () => {
    const meter = new RateMeter(0);
    vi.setSystemTime(1_001_000);
    expect(meter.read(120, 100)?.etaSeconds).toBe(0);
  });
});
