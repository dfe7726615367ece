// A second host for a connector component: jco's transpiler turns it into JavaScript, Node runs
// it on jco's preview2 shim, and this script calls the contract the way the wasmtime host does.
//
// Usage: node run.mjs <component.wasm>, with CONNECTOR_CONFIG (a JSON list of [key, value]
// pairs) and PAGE_SIZE in the environment. Prints one JSON document: the description, the
// outbound hosts, test-connection, the fields, and every page of list-users.
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transpileBytes } from '@bytecodealliance/jco-transpile';

const here = dirname(fileURLToPath(import.meta.url));
const [componentPath] = process.argv.slice(2);
if (!componentPath) {
  console.error('usage: node run.mjs <component.wasm>');
  process.exit(2);
}
const config = JSON.parse(process.env.CONNECTOR_CONFIG ?? '[]');
const pageSize = Number(process.env.PAGE_SIZE ?? '0');

const { files } = await transpileBytes(await readFile(componentPath), {
  name: 'connector',
  map: { 'provisioning:connector/host': pathToFileURL(join(here, 'host.mjs')).href },
});
// Under node_modules so the generated code finds the shim by its package name.
const out = join(here, 'node_modules', '.transpiled', `${process.pid}-${Date.now()}`);
await mkdir(out, { recursive: true });
try {
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(out, name)), { recursive: true });
    await writeFile(join(out, name), bytes);
  }
  const component = await import(pathToFileURL(join(out, 'connector.js')).href);
  const api = component.connector ?? component['provisioning:connector/connector@0.1.0'];

  // A contract error arrives as a thrown ComponentError carrying the WIT `error` value.
  const call = (f) => {
    try {
      return { ok: f() ?? null };
    } catch (e) {
      if (e && 'payload' in e) return { err: e.payload };
      throw e;
    }
  };

  const report = { description: api.describe() };
  report.outboundHosts = call(() => api.outboundHosts(config));
  const session = api.Session.open(config);
  report.testConnection = call(() => session.testConnection());
  report.fields = call(() => session.getFields());
  report.pages = [];
  let token;
  for (;;) {
    const page = session.listUsers(token, pageSize);
    report.pages.push(page);
    if (page.nextPageToken === undefined || page.nextPageToken === null) break;
    token = page.nextPageToken;
    if (report.pages.length > 10000) throw new Error('the listing does not end');
  }
  const bigints = (_, v) => (typeof v === 'bigint' ? v.toString() : v === undefined ? null : v);
  process.stdout.write(JSON.stringify(report, bigints));
} finally {
  await rm(out, { recursive: true, force: true });
}
