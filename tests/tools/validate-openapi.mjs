// Validates an OpenAPI document read from stdin; a child process because the validator is ESM-only and
// jest runs the suites as CommonJS. Prints {"valid": boolean, "errors": ...}.
import { Validator } from '@seriousme/openapi-schema-validator';

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(input));
console.log(
  JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }),
);
