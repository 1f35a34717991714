// Starts the fake upstream on the port vitest.config.mjs chose and bound into the Worker.
import { startFakeUpstream } from './fake-upstream.mjs';
import { fixtureRoots, sharedRegistry } from './fixtures.mjs';

export default async function setup(project) {
  const upstream = await startFakeUpstream({ roots: fixtureRoots(), port: Number(process.env.FAKE_UPSTREAM_PORT) });
  project.provide('upstreamUrl', upstream.url);
  project.provide('sharedFixtures', sharedRegistry() !== undefined);
  return () => upstream.close();
}
