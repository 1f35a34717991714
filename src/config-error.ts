// A setting the Worker cannot run with: the router answers 500 "misconfigured: …" (src/http/router.ts).
export class ConfigError extends Error {}
