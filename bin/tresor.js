#!/usr/bin/env node
// dist/bundle/tresor.mjs is dist/ in one file (npm run build:server): a daemon starts a
// good deal faster from one module than from a hundred and sixty.
import { main } from '../dist/bundle/tresor.mjs';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tresor: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
