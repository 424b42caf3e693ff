// Runs the `script:` of an actions/github-script step as that action does (an async
// function of `require`, `context` and `github`), against a recording stand-in for
// the GitHub API whose pull request already has the comments given, and prints every
// call the script made, as JSON, on stdout.
// Usage: node github-script.cjs SCRIPT_FILE EXISTING_COMMENTS_JSON
"use strict";
const fs = require("node:fs");

const [scriptFile, existingJson] = process.argv.slice(2);
const existing = JSON.parse(existingJson);
const calls = [];
const record = (name, result) => async (params) => {
  calls.push({ call: name, params });
  return result;
};
const github = {
  paginate: async (method, params) => {
    calls.push({ call: "paginate", params });
    return method === github.rest.issues.listComments ? existing : [];
  },
  rest: {
    issues: {
      listComments: record("listComments", { data: existing }),
      createComment: record("createComment", { data: { id: 1 } }),
      updateComment: record("updateComment", { data: {} }),
    },
  },
};
const context = {
  repo: { owner: "team", repo: "service" },
  payload: { pull_request: { number: 7 } },
};
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const script = new AsyncFunction("require", "context", "github", fs.readFileSync(scriptFile, "utf8"));
script(require, context, github).then(
  () => console.log(JSON.stringify(calls)),
  (error) => {
    console.error(`the script failed: ${error.stack}`);
    process.exit(1);
  },
);
