/**
 * Which route answers a method, HEAD included. RFC 9110 §9.3.2: "The HEAD method is identical to
 * GET except that the server MUST NOT send content in the response", and a server SHOULD send the
 * same header fields as for GET; node:http already drops the body of a HEAD answer (the headers,
 * content-length included, stay). So HEAD runs the GET handler wherever no HEAD route exists:
 * `curl -I`, `wget --spider` and load-balancer health checks get the GET status, not 405.
 */

/** The route for `method` on one path, HEAD falling back to GET; undefined when neither exists. */
export function routeForMethod<R>(byMethod: ReadonlyMap<string, R>, method: string): R | undefined {
  return byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
}

/** The `Allow` header of a 405 (RFC 9110 §10.2.1): the path's methods, HEAD listed wherever GET is. */
export function allowedMethods(byMethod: ReadonlyMap<string, unknown>): string[] {
  const methods = [...byMethod.keys()];
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
  return methods;
}
