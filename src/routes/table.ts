// Every endpoint of the registry, in one table grouped like the README's sections: method, path (a Hono
// pattern, or a kind of package path from the one grammar in src/packages/names.ts), who may call it,
// the body it may carry, and its handler. src/http/router.ts serves it.
import { at, under, type Route } from '../http/router';
import { forward } from '../upstream/client';
import { adminCreateUser, backfill, reshard } from './admin';
import { getPolicy, putPolicy } from './policy';
import { beginWebLogin, loginPage, loginSubmit, pollWebLogin } from './web-login';
import {
  createTokenForm,
  myPage,
  revokeTokenForm,
  twoFactorForm,
  userPage,
  webLoginPage,
  webLoginSubmit,
  webLogout,
} from './account-pages';
import { homePage, htmlOnly, packagePage, parsePackagePage, searchPage } from './pages';
import { readTags } from './dist-tags';
import { parseDownloadsPath, parseVersionsPath, serveDownloads, serveVersionDownloads } from './downloads';
import { deleteDistTag, deletePackage, deleteTarball, putDistTag, putPackage, putRevision } from './local-writes';
import { readManifest, readPackument, readTarball } from './package-reads';
import { serveAttestations } from './attestations';
import { serveKeys } from './keys';
import { serveSearch } from './search';
import { couchLogin, createOwnToken, listOwnTokens, logout, revokeOwnToken, showUser, whoami } from './users';

const READ = ['GET', 'HEAD'] as const;
const anyone = { access: 'anyone' } as const;
const reader = { access: 'reader' } as const;
const user = { access: 'user' } as const;

export const routes: readonly Route[] = [
  // Pages for people: only requests that prefer HTML (src/routes/pages.ts), each gating itself.
  at(READ, '/', anyone, homePage, htmlOnly),
  at(READ, '/search', anyone, searchPage, htmlOnly),
  at(READ, '/package/*', anyone, packagePage, parsePackagePage),
  at(['GET'], '/-/web/login', anyone, webLoginPage),
  at(['POST'], '/-/web/login', anyone, webLoginSubmit),
  at(['POST'], '/-/web/logout', anyone, webLogout),
  at(['GET'], '/~', anyone, myPage),
  at(['GET'], '/:user{~[^/]+}', anyone, userPage),
  at(['POST'], '/:user{~[^/]+}/tokens', anyone, createTokenForm),
  at(['POST'], '/:user{~[^/]+}/tokens/revoke', anyone, revokeTokenForm),
  at(['POST'], '/:user{~[^/]+}/two-factor', anyone, twoFactorForm),

  // How it serves: packuments, manifests and tarballs, mirrored or local; search; audits.
  at(READ, '/-/ping', anyone, () => Response.json({})),
  under(READ, 'packument', reader, readPackument),
  under(READ, 'manifest', reader, readManifest),
  under(READ, 'tarball', reader, readTarball),
  at(READ, '/-/v1/search', reader, serveSearch),
  at(READ, '/-/npm/v1/keys', reader, serveKeys),
  at(READ, '/-/npm/v1/attestations/*', reader, serveAttestations),
  ...['/-/npm/v1/security/advisories/bulk', '/-/npm/v1/security/audits/quick'].map((path) =>
    at(['POST'], path, { ...reader, body: 'audit' }, (ctx) => forward(ctx.cfg, ctx.req, path)),
  ),

  // Accounts and tokens.
  at(['POST'], '/-/v1/login', anyone, beginWebLogin),
  at(['GET'], '/-/v1/done/:id', anyone, pollWebLogin),
  at(['GET'], '/-/login/:id', anyone, loginPage),
  at(['POST'], '/-/login/:id', anyone, loginSubmit),
  at(['PUT'], '/-/user/*', anyone, couchLogin),
  at(READ, '/-/user/:id{org\\.couchdb\\.user:.+}', user, showUser),
  at(READ, '/-/whoami', user, whoami),
  at(['DELETE'], '/-/user/token/*', user, logout),
  at(READ, '/-/npm/v1/tokens', user, listOwnTokens),
  at(['POST'], '/-/npm/v1/tokens', { access: 'writer', what: 'create tokens' }, createOwnToken),
  at(['DELETE'], '/-/npm/v1/tokens/token/:key', { access: 'writer', what: 'revoke tokens' }, revokeOwnToken),

  // Local packages: publish and deprecate (PUT /<name>), unpublish and owners (-rev), dist-tags.
  under(['PUT'], 'packument', { access: 'maintainer', body: 'publish' }, putPackage),
  under(['PUT'], 'revision', { access: 'maintainer', body: 'document' }, putRevision),
  under(['DELETE'], 'revision', { access: 'maintainer' }, deletePackage),
  under(['DELETE'], 'tarball-revision', { access: 'maintainer' }, deleteTarball),
  under(['GET'], 'dist-tags', reader, readTags),
  under(['PUT'], 'dist-tag', { access: 'maintainer' }, putDistTag),
  under(['DELETE'], 'dist-tag', { access: 'maintainer' }, deleteDistTag),

  // Download counts. `downloads` and `versions` are package names too: other paths under them are theirs.
  at(READ, '/downloads/*', reader, serveDownloads, (ctx) => parseDownloadsPath(ctx.url.pathname)),
  at(READ, '/versions/*', reader, serveVersionDownloads, (ctx) => parseVersionsPath(ctx.url.pathname)),
  at(['POST'], '/-/admin/downloads/backfill', { access: 'admin', what: 'backfill' }, backfill),
  at(['POST'], '/-/admin/downloads/reshard', { access: 'admin', what: 'resharding' }, reshard),

  // Administration.
  at(['POST'], '/-/admin/users', { access: 'admin', what: 'user administration' }, adminCreateUser),
  at(['GET'], '/-/admin/policy', { access: 'admin', what: 'the policy' }, getPolicy),
  at(['PUT'], '/-/admin/policy', { access: 'admin', what: 'the policy', body: 'document' }, putPolicy),
];
