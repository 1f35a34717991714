// Provenance (sigstore bundles, the shape of GET /-/npm/v1/attestations/<name>@<version>) kept in R2:
// a mirrored version's as fetched from its upstream on first request, so it verifies while the upstream
// is down; a local version's as `npm publish --provenance` sent it.

export function attestationsKey(name: string, version: string): string {
  return `attestations/${name}/${version}.json`;
}

export async function readAttestations(bucket: R2Bucket, name: string, version: string): Promise<string | undefined> {
  const o = await bucket.get(attestationsKey(name, version));
  return o ? o.text() : undefined;
}

export async function writeAttestations(bucket: R2Bucket, name: string, version: string, json: string): Promise<void> {
  await bucket.put(attestationsKey(name, version), json, { httpMetadata: { contentType: 'application/json' } });
}
