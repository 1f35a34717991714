// Starts the fake upstreams on the ports vitest.config.mjs chose and bound into the Worker.
import { startFakeUpstream } from './fake-upstream.mjs';
import { fixtureRoots, sharedRegistry } from './fixtures.mjs';

export default async function setup(project) {
  const upstream = await startFakeUpstream({ roots: fixtureRoots(), port: Number(process.env.FAKE_UPSTREAM_PORT) });
  // The second upstream (UPSTREAMS' scope in vitest.config.mjs) wants its token, as a company's does.
  const second = await startFakeUpstream({
    roots: fixtureRoots(),
    port: Number(process.env.FAKE_UPSTREAM2_PORT),
    token: process.env.FAKE_UPSTREAM2_TOKEN,
  });
  project.provide('upstreamUrl', upstream.url);
  project.provide('secondUpstreamUrl', second.url);
  project.provide('secondUpstreamToken', process.env.FAKE_UPSTREAM2_TOKEN);
  project.provide('sharedFixtures', sharedRegistry() !== undefined);
  return async () => {
    await upstream.close();
    await second.close();
  };
}
