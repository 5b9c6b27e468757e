// Turns a request part into a typed value, or a 400 whose remark names the field and its rule.
import type { z } from 'zod';
import { InvalidRequest } from '../domain/errors';

export function validate<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // The first issue is the one to fix first; listing every issue would bury it.
  throw new InvalidRequest(result.error.issues[0]?.message ?? 'data tidak valid');
}
