/** A count's speed since a meter was made, and the seconds left at that speed. */
export interface MeterReading {
  /** Units (rows, bytes) a second. */
  perSecond: number;
  /** Seconds left until the total at this speed; null before there is a speed. */
  etaSeconds: number | null;
}

/**
 * Measures how fast a count moves towards its total, and throttles the readings: at most one
 * every `intervalMs`, and always one when forced (the last). `minSeconds` is the shortest time
 * a speed is measured over; at 0, there is no speed until a millisecond has passed.
 */
export class RateMeter {
  private readonly start = Date.now();
  private last = 0;

  constructor(
    private readonly intervalMs = 500,
    private readonly minSeconds = 0,
  ) {}

  /** The speed of `done` of `total`, or null when the last reading is under `intervalMs` old and `force` is not set. */
  read(done: number, total: number, force = false): MeterReading | null {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return null;
    this.last = now;
    const seconds = Math.max(this.minSeconds, (now - this.start) / 1000);
    const perSecond = seconds > 0 ? done / seconds : 0;
    return { perSecond, etaSeconds: perSecond > 0 ? Math.max(0, total - done) / perSecond : null };
  }
}
