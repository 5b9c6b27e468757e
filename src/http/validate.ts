// Turns a request part into a typed value, or a 400 whose remark names every field it breaks and the rule.
import type { z } from 'zod';
import { InvalidRequest } from '../domain/errors';

export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // Every broken rule at once, so a client fixes its request in one round, not one field per round.
  const remarks = new Set(result.error.issues.map((issue) => issue.message));
  throw new InvalidRequest(remarks.size === 0 ? 'data tidak valid' : [...remarks].join('; '));
}
