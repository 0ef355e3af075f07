/** The demo stream's shape: fixed, so every `npm start` shows the same story. */
export interface DemoOptions {
  hosts: number;
  /** Simulated day length in steps. */
  dayLength: number;
  /** Clean steps published at start, back-dated one step a second, so detectors have history. */
  backfillSteps: number;
  /** Step of the first fault; then a fault every `faultEvery` steps, one host in turn, lasting `faultLength`. */
  firstFault: number;
  faultEvery: number;
  faultLength: number;
  seed: number;
}

// 10 minutes of clean history, then the first fault 30 s after start: detections within a minute.
export const DEFAULT_DEMO: DemoOptions = { hosts: 12, dayLength: 600, backfillSteps: 600, firstFault: 630, faultEvery: 90, faultLength: 20, seed: 7 };
