/**
 * JSON Schema validation (ajv) of the files the library reads: election specs, the build
 * manifest, deployment records. A schema states the shape once; the first violation ajv finds is
 * translated into the field it concerns, the value found there and a sentence that says what
 * the field must be, so each reader can word its own ZkBallotError around it.
 *
 * Each (sub)schema may carry `problems`: for ajv keywords ("type", "minItems", "pattern", ...) the
 * sentence to show when that keyword fails, with the key "*" for any other keyword. Without one,
 * the schema's `description`, then ajv's own message, is used. Pure JavaScript, no Node built-in,
 * but ajv compiles each schema into code with `new Function`: a page whose Content-Security-Policy
 * has no 'unsafe-eval' (the web app's) cannot run a validator, so modules that hold schemas
 * (electionSpec, artifacts, deployments) are for Node, and the browser-safe core and chain readers
 * do not import this module.
 */
import type { default as Ajv, AnySchema, ErrorObject, ValidateFunction } from "ajv";

/** One schema violation, ready to be worded: `${field} ${problem}`. */
export interface SchemaViolation {
  /** Where, as a path: "title", "options[1]", "setup.kind"; "" for the document itself. */
  field: string;
  /** The value found there (undefined for a missing field). */
  value: unknown;
  /** What the field must be, for instance "must be a non-empty string". */
  problem: string;
  /** The ajv keyword that failed ("type", "required", "additionalProperties", ...). */
  keyword: string;
}

export type SchemaProblems = Partial<Record<string, string>>;

// ajv is loaded, and each schema compiled, on first use, not at import: every command-line process
// imports modules that hold schemas (deployments, artifacts, election specs) and checks one file
// or two, and compiling every schema at load cost about 80 ms of CPU per process (2 cores, Node 20).
let sharedAjv: Ajv | undefined;
function ajv(): Ajv {
  if (sharedAjv === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { default: AjvClass } = require("ajv") as typeof import("ajv");
    sharedAjv = new AjvClass({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
    sharedAjv.addKeyword({ keyword: "problems", schemaType: "object" });
  }
  return sharedAjv;
}

/** "/options/1" -> "options[1]", "/setup/kind" -> "setup.kind". */
function fieldOf(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === "" ? part : `${path}.${part}`), "");
}

function join(parent: string, child: string): string {
  return parent === "" ? child : `${parent}.${child}`;
}

function problemOf(schema: { problems?: SchemaProblems; description?: string } | undefined, keyword: string, fallback: string): string {
  return schema?.problems?.[keyword] ?? schema?.problems?.["*"] ?? schema?.description ?? fallback;
}

/** The first ajv error, as a SchemaViolation. */
export function toViolation(error: ErrorObject): SchemaViolation {
  const parent = error.parentSchema as { problems?: SchemaProblems; description?: string; properties?: Record<string, { problems?: SchemaProblems; description?: string }> } | undefined;
  const at = fieldOf(error.instancePath);
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const property = parent?.properties?.[missing];
    const what = property?.description;
    return { field: join(at, missing), value: undefined, problem: what === undefined ? "is missing" : `is missing (it ${what})`, keyword: "required" };
  }
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(parent?.properties ?? {});
    return { field: join(at, extra), value: (error.data as Record<string, unknown>)[extra], problem: `is not a known field (known: ${known.join(", ")})`, keyword: "additionalProperties" };
  }
  return { field: at, value: error.data, problem: problemOf(parent, error.keyword, error.message ?? `fails ${error.keyword}`), keyword: error.keyword };
}

/** A value for a message: arrays by their length where the rule was about it, strings quoted, long values cut. */
export function describeValue(violation: SchemaViolation): string {
  const { value, keyword } = violation;
  if (Array.isArray(value) && (keyword === "minItems" || keyword === "maxItems")) return String(value.length);
  const text = value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export interface Validator<T> {
  /** Undefined when `data` has the schema's shape (and is then a T), else the first violation. */
  (data: unknown): SchemaViolation | undefined;
  readonly guard: (data: unknown) => data is T;
}

/** Compiles a schema once, on its first use; the result answers with the first violation, or undefined. */
export function compileValidator<T>(schema: AnySchema): Validator<T> {
  let compiled: ValidateFunction<T> | undefined;
  const validate = (data: unknown): data is T => {
    if (compiled === undefined) {
      const fresh: ValidateFunction<T> = ajv().compile<T>(schema);
      compiled = fresh;
    }
    return compiled(data);
  };
  const check = (data: unknown): SchemaViolation | undefined => {
    if (validate(data)) return undefined;
    const [first] = compiled?.errors ?? [];
    return first === undefined ? { field: "", value: data, problem: "does not have the expected shape", keyword: "schema" } : toViolation(first);
  };
  return Object.assign(check, { guard: validate });
}
