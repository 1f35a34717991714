declare module 'cloudflare:test' {
  interface ProvidedEnv extends Cloudflare.Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
  export function inject(key: 'upstreamUrl' | 'secondUpstreamUrl' | 'secondUpstreamToken'): string;
}
declare module 'vitest' {
  export interface ProvidedContext {
    upstreamUrl: string;
    secondUpstreamUrl: string;
    secondUpstreamToken: string;
    sharedFixtures: boolean;
  }
}
export {};
