/** The keys a guardrail decision serialises on (README "Several processes"). */
export const lockKey = {
  /** Blast radius, counted per environment. */
  environment: (env: string) => `env:${env}`,
  /** Cooldown, per rule, action and entity. */
  cooldown: (rule: string, action: string, entity: string) => `cooldown:${rule}\u0000${action}\u0000${entity}`,
  /** Rate limit per target, which any environment's actions may share. */
  target: (target: string) => `target:${target}`,
  /** max_concurrent per rule. */
  rule: (rule: string) => `rule:${rule}`,
  /** One action's own transitions: approve, reject, expire, verify, claim. */
  action: (id: string) => `action:${id}`,
};
