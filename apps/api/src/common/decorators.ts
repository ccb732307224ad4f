import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Actor, Role } from './request-context.js';

export const ROLES_KEY = 'zhiyin:roles';
export const PUBLIC_KEY = 'zhiyin:public';
export const SERVICE_KEY = 'zhiyin:service';

/** Who may call this route. Every route must carry @Roles or @Public (deny by default). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/**
 * A community centre's gateway (a service account's token) may call this route too (`'also'`, with the roles'
 * people), or only it may (`'only'`). Every other route refuses a service account's token.
 */
export const GatewayAccess = (mode: 'also' | 'only' = 'also') => SetMetadata(SERVICE_KEY, mode);
/** Callable without a token (sign-in, health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The verified caller of this request. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<{ actor?: Actor }>();
  if (!req.actor) throw new Error('CurrentActor used on a route without authentication');
  return req.actor;
});
