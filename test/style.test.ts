/**
 * No function over about 80 lines (issue 12): every function, method, constructor, accessor and
 * function expression in lib/, tasks/ and scripts/ (parsed with the TypeScript compiler API;
 * generated code lives elsewhere) has at most MAX_FUNCTION_LINES lines, from its first line to
 * its last. A longer one is named with its file and line, so it can be split.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const MAX_FUNCTION_LINES = 80;
const FOLDERS = ["lib", "tasks", "scripts"];

/**
 * Functions allowed over the limit, each "file:name" (none today: the sealed demo's was split
 * into its steps). An entry whose file exists but whose function is no longer long fails the test.
 */
const KNOWN_LONG: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [full] : [];
  });
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name !== undefined) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return "(anonymous)";
}

/** Every function-like node longer than the limit: "file:line name (N lines)". */
export function longFunctions(files: readonly string[], limit = MAX_FUNCTION_LINES): { key: string; where: string }[] {
  const found: { key: string; where: string }[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && (node as ts.Node & { body?: ts.Node }).body !== undefined) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > limit) {
          const relative = path.relative(ROOT, file);
          const name = functionName(node, source);
          found.push({ key: `${relative}:${name}`, where: `${relative}:${first + 1} ${name} (${lines} lines)` });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe("code style: short functions (test/style.test.ts)", () => {
  const files = FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)));

  it(`finds every function over the limit (a ${MAX_FUNCTION_LINES + 1}-line function is caught, an ${MAX_FUNCTION_LINES}-line one is not)`, () => {
    const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "zkballot-style-"));
    try {
      const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join("\n");
      const file = path.join(dir, "sample.ts");
      fs.writeFileSync(file, `export function long() {\n${body(MAX_FUNCTION_LINES + 1)}\n}\nexport const fine = () => {\n${body(MAX_FUNCTION_LINES)}\n};\nclass K {\n  method() {\n${body(MAX_FUNCTION_LINES + 5)}\n  }\n}\n`);
      expect(longFunctions([file]).map((f) => f.where.replace(/^.*sample\.ts/, "sample.ts"))).to.deep.equal([`sample.ts:1 long (${MAX_FUNCTION_LINES + 1} lines)`, `sample.ts:${2 * MAX_FUNCTION_LINES + 3} method (${MAX_FUNCTION_LINES + 5} lines)`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines in ${FOLDERS.join("/, ")}/`, () => {
    const long = longFunctions(files);
    const unexpected = long.filter((f) => !KNOWN_LONG.includes(f.key)).map((f) => f.where);
    expect(unexpected, `functions over ${MAX_FUNCTION_LINES} lines: split them\n  ${unexpected.join("\n  ")}\n`).to.deep.equal([]);
    const stale = KNOWN_LONG.filter((key) => fs.existsSync(path.join(ROOT, key.split(":")[0])) && !long.some((f) => f.key === key));
    expect(stale, "KNOWN_LONG entries that are no longer long: remove them").to.deep.equal([]);
  });
});
