// Tokenizes every `.chaos` file of the repository with the extension's TextMate grammar,
// through vscode-textmate and vscode-oniguruma (the libraries VS Code itself uses), and
// checks the scopes against an independent reading of each file: comments, strings,
// interpolations, keywords, quantities and percentiles. Then a few exact cases.
//
// Run: `node test/grammar.test.js` in editors/vscode after `npm ci` (tests/editor_grammar.rs
// runs it from `cargo test`). Exits 1 with every mismatch listed.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const extension = path.resolve(__dirname, "..");
const repository = path.resolve(extension, "../..");
const grammarPath = path.join(extension, "syntaxes/chaos.tmLanguage.json");

// The keywords come from the grammar of the language, the one source (`kw_NAME` rules
// and the `boolean` rule), not from a list here.
function keywords() {
  const pest = fs.readFileSync(path.join(repository, "grammar/chaos.pest"), "utf8");
  const words = [...pest.matchAll(/^kw_\w+\s*=\s*@\{\s*"(\w+)"/gm)].map((m) => m[1]);
  if (words.length < 30) throw new Error(`only ${words.length} keyword rules found in grammar/chaos.pest`);
  return new Set(words);
}

// The units of quantities, from the language's own table (src/syntax/units.rs).
function units() {
  const table = fs.readFileSync(path.join(repository, "src/syntax/units.rs"), "utf8");
  const found = new Set([...table.matchAll(/^\s*unit\("([^"]+)"/gm)].map((m) => m[1]));
  if (found.size < 20) throw new Error(`only ${found.size} units found in src/syntax/units.rs`);
  return found;
}
const UNITS = units();

// Words that are keywords only where expected (docs/language.md §2.2) and names elsewhere.
const CONTEXTUAL = new Set(["checks", "allow_targets", "set"]);

function chaosFiles(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules" || entry.name === "target") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chaosFiles(full, out);
    else if (entry.name.endsWith(".chaos")) out.push(full);
  }
  return out;
}

async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
  const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }));
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) =>
      scopeName === "source.chaos" ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath) : null,
  });
  return registry.loadGrammar("source.chaos");
}

/** The scopes of every character of `text`: an array (per character offset) of scope lists. */
function scopesOf(grammar, text) {
  const scopes = new Array(text.length).fill(null);
  let stack = vsctm.INITIAL;
  let offset = 0;
  for (const line of text.split("\n")) {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) {
      for (let i = token.startIndex; i < Math.min(token.endIndex, line.length); i++) scopes[offset + i] = token.scopes;
    }
    stack = result.ruleStack;
    offset += line.length + 1;
  }
  return scopes;
}

/**
 * An independent reading of the text: which offsets are in comments (and doc comments),
 * strings, interpolations; and the words and numbers outside them.
 */
function read(text) {
  const kind = new Array(text.length).fill("code");
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("///", i) || text.startsWith("//", i)) {
      const doc = text.startsWith("///", i);
      const end = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
      for (let j = i; j < end; j++) kind[j] = doc ? "doc" : "comment";
      i = end;
    } else if (text.startsWith("/*", i)) {
      let depth = 0;
      const start = i;
      while (i < text.length) {
        if (text.startsWith("/*", i)) { depth++; i += 2; }
        else if (text.startsWith("*/", i)) { depth--; i += 2; if (depth === 0) break; }
        else i++;
      }
      for (let j = start; j < i; j++) kind[j] = "comment";
    } else if (text[i] === '"') {
      kind[i++] = "string";
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") {
        if (text[i] === "\\") {
          const valid = text.slice(i).match(/^\\(?:u\{[0-9A-Fa-f]{1,6}\}|["\\nt$])/);
          const length = valid ? valid[0].length : 2;
          for (let j = i; j < i + length; j++) kind[j] = valid ? "escape" : "bad-escape";
          i += length;
          continue;
        }
        if (text.startsWith("${", i)) {
          const end = text.indexOf("}", i);
          for (let j = i; j <= end; j++) kind[j] = "interpolation";
          i = end + 1;
          continue;
        }
        kind[i++] = "string";
      }
      if (i < text.length) kind[i++] = "string";
    } else i++;
  }
  return kind;
}

function has(scopes, prefix) {
  return scopes !== null && scopes.some((s) => s.startsWith(prefix));
}

function check(file, text, scopes, problems, counts, words) {
  const kinds = read(text);
  const where = (offset) => {
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return `${path.relative(repository, file)}:${line}:${offset - before.lastIndexOf("\n")}`;
  };
  const expect = (offset, prefix, what) => {
    if (!has(scopes[offset], prefix)) {
      problems.push(`${where(offset)}: ${what} is ${JSON.stringify(scopes[offset])}, expected ${prefix}`);
    }
  };
  for (let i = 0; i < text.length; i++) {
    if (/\s/.test(text[i])) continue;
    switch (kinds[i]) {
      case "doc": expect(i, "comment.line.documentation", "a `///` comment"); counts.doc++; break;
      case "comment": expect(i, "comment", "a comment"); counts.comment++; break;
      case "string": expect(i, "string.quoted.double", "a string"); counts.string++; break;
      case "escape": expect(i, "constant.character.escape", "an escape"); counts.escape++; break;
      case "bad-escape": expect(i, "invalid.illegal.escape", "an unknown escape"); break;
      case "interpolation": expect(i, "meta.interpolation", "an interpolation"); counts.interpolation++; break;
    }
  }
  // Words and numbers in code.
  for (const m of text.matchAll(/-?\d[\d_]*(?:\.\d[\d_]*)?(?:[A-Za-z%]+(?:\/[A-Za-z]+)?|\/[A-Za-z]+)?(?:\d[\d_]*[a-z]+)*|[A-Za-z_][A-Za-z0-9_]*(?:\.\d+)?/g)) {
    const at = m.index;
    if (kinds[at] !== "code") continue;
    const token = m[0];
    const previous = text.slice(0, at).match(/[A-Za-z0-9_.]$/);
    if (previous) continue; // the middle of something longer (`ns.name`, `1..2`)
    if (/^p\d+(\.\d+)?$/.test(token)) {
      expect(at, "constant.numeric.percentile", `percentile \`${token}\``);
      counts.percentile++;
    } else if (/^-?\d/.test(token)) {
      if (text.slice(at).match(/^-?\d[\d_]*\.\.-?\d/)) {
        expect(at, "constant.numeric.range", `range at \`${token}\``);
      } else if (/[A-Za-z%/]/.test(token)) {
        const unitAt = token.search(/[A-Za-z%/]/);
        const unit = token.slice(unitAt).match(/^(?:%|\/[A-Za-z]+|[A-Za-z]+(?:\/[A-Za-z]+)?)/)[0];
        if (UNITS.has(unit)) {
          expect(at, "constant.numeric.quantity", `quantity \`${token}\``);
          expect(at + unitAt, "keyword.other.unit", `the unit of \`${token}\``);
          counts.quantity++;
        } else {
          expect(at + unitAt, "invalid.illegal.unit", `the unknown unit of \`${token}\``);
        }
      } else {
        expect(at, "constant.numeric", `number \`${token}\``);
      }
    } else if (words.has(token)) {
      const afterDuring = /\bduring\s+$/.test(text.slice(Math.max(0, at - 20), at));
      if (token === "true" || token === "false") expect(at, "constant.language.boolean", `\`${token}\``);
      else if (afterDuring) expect(at, "constant.language.window", `window \`${token}\``);
      else if (!CONTEXTUAL.has(token)) expect(at, "keyword", `keyword \`${token}\``);
      counts.keyword++;
    }
  }
}

function exact(grammar, problems) {
  const cases = [
    ["at 0s latency(edge, delay: 1m30s) for 5s", [["at", "keyword.control"], ["1m30s", "constant.numeric.quantity"], ["latency", "support.function.fault"], ["for", "keyword.control"]]],
    ["latency(home, p99.9) <= 250ms", [["latency", "support.function.metric"], ["p99.9", "constant.numeric.percentile"], ["<=", "keyword.operator.comparison"]]],
    ["bandwidth(edge, rate: 5MB/s) for 1s", [["MB/s", "keyword.other.unit"], ["bandwidth", "support.function.fault"]]],
    ["cpu_stress(load: 50%)", [["50%", "constant.numeric.quantity"], ["%", "keyword.other.unit"]]],
    ["probe p = http(\"http://${host}:80/\\n\\u{1F600}\")", [["http(", "support.function.probe"], ["${", "punctuation.section.interpolation.begin"], ["host", "variable.other"], ["\\n", "constant.character.escape"], ["\\u{1F600}", "constant.character.escape"], ["http:", "string.quoted.double"]]],
    ["/* outer /* inner */ still comment */ const x = 1", [["still", "comment.block"], ["const", "keyword.other.declaration"]]],
    ["/// the doc\n// plain", [["the doc", "comment.line.documentation"], ["plain", "comment.line.double-slash"]]],
    ["warn availability(home) >= 99% during chaos", [["warn", "keyword.control"], ["chaos", "constant.language.window"], ["availability", "support.function.metric"]]],
    ["status: 200..299, ok: true", [["200..299", "constant.numeric.range"], ["true", "constant.language.boolean"]]],
  ];
  for (const [text, expectations] of cases) {
    const scopes = scopesOf(grammar, text);
    for (const [needle, scope] of expectations) {
      const at = text.indexOf(needle);
      if (!has(scopes[at], scope)) problems.push(`in \`${text}\`: \`${needle}\` is ${JSON.stringify(scopes[at])}, expected ${scope}`);
    }
  }
}

async function main() {
  const grammar = await loadGrammar();
  const words = keywords();
  const files = chaosFiles(repository);
  if (files.length < 50) throw new Error(`only ${files.length} .chaos files found under ${repository}`);
  const problems = [];
  const counts = { doc: 0, comment: 0, string: 0, escape: 0, interpolation: 0, quantity: 0, percentile: 0, keyword: 0 };
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8").replace(/\r\n/g, "\n").replace(/^\uFEFF/, "");
    check(file, text, scopesOf(grammar, text), problems, counts, words);
  }
  exact(grammar, problems);
  for (const [what, n] of Object.entries(counts)) {
    if (n === 0) problems.push(`no ${what} seen in ${files.length} files: the reading is wrong`);
  }
  if (problems.length > 0) {
    console.error(`${problems.length} scope problems:\n${problems.slice(0, 200).join("\n")}`);
    process.exit(1);
  }
  console.log(`grammar: ${files.length} files tokenized; characters and tokens checked: ${JSON.stringify(counts)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
