// `NEW_USER_PASSWORD=... node scripts/create-user.mjs <name> [email] [registry-url]`: creates a user on a
// registry (sign-up off or not) and prints a token for it. ADMIN_TOKEN as for the backfill script.
const [name, email, url = `http://127.0.0.1:${process.env.PORT || 8787}/`] = process.argv.slice(2);
const password = process.env.NEW_USER_PASSWORD;
if (!name || !password) {
  console.error('usage: NEW_USER_PASSWORD=... node scripts/create-user.mjs <name> [email] [registry-url]');
  process.exit(2);
}
const res = await fetch(new URL('-/admin/users', url), {
  method: 'POST',
  headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN || 'local'}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name, password, ...(email ? { email } : {}) }),
});
const body = await res.json();
if (!res.ok) {
  console.error(`could not create ${name} (${res.status}): ${body.error}`);
  process.exit(1);
}
console.log(`created ${name}; token: ${body.token}`);
console.log(`npm config set //${new URL(url).host}/:_authToken ${body.token}`);
