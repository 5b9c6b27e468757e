// The system error code of a failure (ENOENT, EROFS, ENOSPC, ELOCKED, a PostgreSQL SQLSTATE, ...): enough to
// decide what to do and to name the failure in a remark without exposing paths or internals.
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'tanpa kode';
}
