// The VS Code side of chaosc: starts `chaosc lsp` (the program named by the setting
// `chaosc.path`) and connects it to the editor through vscode-languageclient. Everything
// the language offers (diagnostics, hover, completion, navigation, formatting, quick
// fixes) comes from the server; highlighting and snippets are in the manifest.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function serverOptions() {
  const configured = vscode.workspace.getConfiguration("chaosc").get("path");
  const command = typeof configured === "string" && configured.trim() !== "" ? configured.trim() : "chaosc";
  // Started directly, never through a shell; `--stdio` is added by the transport.
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  return { run, debug: run };
}

function clientOptions() {
  return {
    documentSelector: [
      { scheme: "file", language: "chaos" },
      { scheme: "untitled", language: "chaos" },
    ],
    synchronize: {
      // Imported files that change on disk are read again on the next edit.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.chaos"),
    },
  };
}

async function start() {
  client = new LanguageClient("chaosc", "chaosc language server", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (error) {
    const path = vscode.workspace.getConfiguration("chaosc").get("path");
    vscode.window.showErrorMessage(
      `chaosc: could not start \`${path} lsp\` (${error}). Set \`chaosc.path\` to the chaosc program.`
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("chaosc.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("chaosc.path")) {
        await stop();
        await start();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
