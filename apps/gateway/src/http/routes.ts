/** The gateway's routes and their methods, for answering 405 with an accurate `Allow` header. */
const ROUTES: { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/api\/scim\/((users|groups)\/)?\.search\/?$/i, methods: ['POST'] },
  { pattern: /^\/api\/scim\/users\/?$/i, methods: ['GET', 'POST'] },
  { pattern: /^\/api\/scim\/users\/[^/]+\/?$/i, methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/api\/scim\/groups\/?$/i, methods: ['GET', 'POST'] },
  { pattern: /^\/api\/scim\/groups\/[^/]+\/?$/i, methods: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { pattern: /^\/api\/scim\/bulk\/?$/i, methods: ['POST'] },
  { pattern: /^\/api\/scim\/(serviceproviderconfig|schemas|resourcetypes)(\/[^/]+)?\/?$/i, methods: ['GET'] },
  { pattern: /^\/health(\/(live|ready))?\/?$/i, methods: ['GET'] },
  { pattern: /^\/metrics\/?$/i, methods: ['GET'] },
];

export function allowedMethods(path: string): string[] {
  return ROUTES.find((route) => route.pattern.test(path))?.methods ?? [];
}
