import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ALL_CONTROLLERS as CONTROLLERS } from '#src/app.module.js';
import { PUBLIC_KEY, ROLES_KEY, SERVICE_KEY } from '#src/common/decorators.js';
import type { Role } from '#src/common/request-context.js';
import { DicomwebController } from '#src/modules/imaging/dicomweb.controller.js';
import { DICOMWEB_READ_TEMPLATES } from '#src/modules/imaging/dicomweb-routes.js';

export interface RouteInfo {
  key: string;
  method: string;
  path: string;
  roles: Role[] | undefined;
  /** the people the route admits: its roles, or none on a route for the gateway's service account alone */
  admits: Role[];
  isPublic: boolean;
  /** `Controller.method`, to find the route's parameter metadata */
  handler: string;
}

const join = (...parts: string[]) =>
  `/${parts
    .map((p) => p.replace(/^\/|\/$/g, ''))
    .filter(Boolean)
    .join('/')}`;

/** Every HTTP route of the API, read from the controllers' own metadata. */
export function allRoutes(): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const controller of CONTROLLERS) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      if (name === 'constructor') continue;
      const handler = (controller.prototype as unknown as Record<string, unknown>)[name] as object;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (sub === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!;
      const roles =
        (Reflect.getMetadata(ROLES_KEY, handler) as Role[] | undefined) ??
        (Reflect.getMetadata(ROLES_KEY, controller) as Role[] | undefined);
      // A route for the gateway alone (its service account) admits no person, whatever roles it names.
      const gatewayOnly = Reflect.getMetadata(SERVICE_KEY, handler) === 'only';
      const isPublic = Boolean(Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller));
      // Everything is under /api except DICOMweb, which standard clients expect at its own root.
      const path = base.startsWith('dicomweb') ? join(base, sub) : join('api', base, sub);
      // DICOMweb's reads are one handler over a route table: each of its routes is a route here.
      const paths = controller === DicomwebController && name === 'read' ? DICOMWEB_READ_TEMPLATES : [path];
      for (const p of paths)
        routes.push({
          key: `${method} ${p}`,
          method,
          path: p,
          roles,
          admits: gatewayOnly ? [] : (roles ?? []),
          isPublic,
          handler: `${controller.name}.${name}`,
        });
    }
  }
  return routes;
}
