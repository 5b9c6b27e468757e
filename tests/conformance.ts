// Every answer the API suites receive, checked against the OpenAPI document the app serves: its status is one
// the operation documents, its JSON body matches that response's schema, and the headers the document requires
// (or does not mention) are there (or not). The document and the server cannot disagree silently.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { createOpenApiDocument, type DocsSettings } from '../src/http/docs';

interface DocumentedResponse {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> }>>;
}

/** Headers whose presence the document states per response: one sent where undocumented is a disagreement. */
const STATED_HEADERS = ['retry-after', 'www-authenticate'];

/** What disagreed, by request: reported at the end of each test file (see helpers.ts). */
export const disagreements: string[] = [];

/** A JSON pointer into the document, as a URI fragment: `/` and `~` escaped, then {braces} percent-encoded. */
const pointer = (...segments: string[]): string =>
  segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

type Checker = ReturnType<typeof createChecker>;

/**
 * One checker per kind of document: the document depends only on the mode, anyHost and the budgets, and the test
 * helpers make hundreds of apps, each of which would otherwise build and compile it again.
 */
const checkers = new Map<string, Checker>();
function checkerFor(settings: DocsSettings): Checker {
  const { access, budgeted } = settings;
  const key = `${access.mode} ${access.mode === 'open' && access.anyHost} ${budgeted}`;
  let checker = checkers.get(key);
  if (checker === undefined) {
    checker = createChecker(settings);
    checkers.set(key, checker);
  }
  return checker;
}

function createChecker(settings: DocsSettings) {
  const document = createOpenApiDocument(settings) as unknown as Document;
  // Not strict: the document carries OpenAPI's own keywords (example, description) beside JSON Schema's.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi.json');
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    // A trailing slash too: Express's non-strict routing answers /saldo/1234567890/ as /saldo/1234567890.
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`),
  }));
  const validators = new Map<string, ValidateFunction>();

  return (
    method: string,
    url: string,
    status: number,
    headers: Record<string, unknown>,
    body: string,
  ): void => {
    const path = url.split('?')[0] ?? url;
    const template = templates.find(({ pattern }) => pattern.test(path))?.template;
    const operationMethod = method === 'HEAD' ? 'get' : method.toLowerCase();
    const operation = template === undefined ? undefined : document.paths[template]?.[operationMethod];
    // Unknown paths (404), other methods (405, OPTIONS) and the docs themselves are not operations.
    if (template === undefined || operation === undefined) return;
    const where = `${method} ${url} → ${status}`;
    const response = operation.responses[String(status)];
    if (response === undefined) {
      disagreements.push(`${where}: status not documented`);
      return;
    }
    for (const name of STATED_HEADERS) {
      const documented = Object.entries(response.headers ?? {}).find(([key]) => key.toLowerCase() === name);
      if (headers[name] !== undefined && documented === undefined) {
        disagreements.push(`${where}: sends ${name}, which the document does not state`);
      }
      if (headers[name] === undefined && documented?.[1].required === true) {
        disagreements.push(`${where}: the document requires ${name}, not sent`);
      }
    }
    if (method === 'HEAD') return;
    if (body === '') {
      if (response.content?.['application/json'] !== undefined) disagreements.push(`${where}: no body`);
      return;
    }
    if (response.content?.['application/json'] === undefined) {
      disagreements.push(`${where}: a body where the document has none`);
      return;
    }
    const ref = `openapi.json#/${pointer('paths', template, operationMethod, 'responses', String(status))}/content/application~1json/schema`;
    let validate = validators.get(ref);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: ref });
      validators.set(ref, validate);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      disagreements.push(`${where}: not JSON: ${body.slice(0, 80)}`);
      return;
    }
    if (!validate(json)) {
      disagreements.push(`${where}: ${ajv.errorsText(validate.errors)}; body ${body.slice(0, 200)}`);
    }
  };
}

/**
 * Makes `app` check each answer it sends against the document it serves (built from the same settings). Express
 * calls app.handle for every request, whether supertest or a listening server sends it.
 */
export function checkAnswers(app: Express, settings: DocsSettings): Express {
  const check = checkerFor(settings);
  const { handle } = app as unknown as {
    handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;
  };
  const patched = app as unknown as { handle: typeof handle };
  patched.handle = (req, res, next) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === 'string')
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') keep(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.once('finish', () => {
      check(
        req.method ?? 'GET',
        // originalUrl: under a mount Express leaves req.url stripped of the mount's path.
        (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/',
        res.statusCode,
        res.getHeaders(),
        Buffer.concat(chunks).toString('utf8'),
      );
    });
    handle.call(app, req, res, next);
  };
  return app;
}
