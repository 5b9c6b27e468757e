// Security headers: the few that matter for JSON answers on every response, helmet's full set for the HTML pages.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * For a JSON API (OWASP's REST Security Cheat Sheet): a browser may neither sniff an answer into HTML or script,
 * nor frame it. helmet's dozen other headers are about pages a browser renders; setting them on every answer
 * cost about a tenth of GET /saldo's throughput (BENCHMARKS.md), so they go with /docs alone.
 */
export const apiSecurityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  // What frame-ancestors says, for browsers too old to know it; and no other site may embed an answer as a resource.
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

/**
 * helmet's full set, for Swagger UI and the OpenAPI document. Plain HTTP here (TLS belongs to the proxy in front):
 * upgrading requests or pinning HTTPS would break /docs when the server is reached on a LAN address, so those two
 * are the proxy's to set.
 */
export const pageSecurityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  strictTransportSecurity: false,
});
