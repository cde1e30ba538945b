// Parses Mermaid files with the real Mermaid parser (the one GitHub renders with), in Node.
// Not part of `make test` (it needs Node and npm packages):
//   mkdir /tmp/mmd && cd /tmp/mmd && npm install mermaid@11 jsdom@24
//   cp scripts/check_mermaid.mjs /tmp/mmd/ && node /tmp/mmd/check_mermaid.mjs diagrams/*/*.mmd
// Prints OK or FAIL per file; exits 1 if any fails.
import { JSDOM } from 'jsdom';
import fs from 'fs';
const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
let bad = 0;
for (const f of process.argv.slice(2)) {
  const text = fs.readFileSync(f, 'utf8');
  try { const r = await mermaid.parse(text); console.log('OK', f, JSON.stringify(r)); }
  catch (e) { bad++; console.log('FAIL', f, String(e.message || e).slice(0, 600)); }
}
process.exit(bad ? 1 : 0);
