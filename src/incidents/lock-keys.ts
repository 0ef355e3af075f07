/** The keys incidents' decisions serialise on across processes (README "Several processes"). */
export const lockKey = {
  /** One live incident per grouping key. */
  group: (key: string) => `group:${key}`,
};
