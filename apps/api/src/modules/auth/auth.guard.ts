import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_KEY, ROLES_KEY, SERVICE_KEY } from '#src/common/decorators.js';
import { AppError } from '#src/common/errors.js';
import { requestContext, type Actor, type Role } from '#src/common/request-context.js';
import { TokenService } from './token.service.js';

// Deny by default: a route without @Public or @Roles is refused for everyone, and a test checks
// that no route is left without one.
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  // What each route declares, read once per handler rather than on every request.
  private readonly declared = new WeakMap<
    object,
    { isPublic: boolean; roles: Role[] | undefined; gateway: 'also' | 'only' | undefined }
  >();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const handler = context.getHandler();
    let route = this.declared.get(handler);
    if (!route) {
      const targets = [handler, context.getClass()];
      route = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)),
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
        gateway: this.reflector.getAllAndOverride<'also' | 'only' | undefined>(SERVICE_KEY, targets),
      };
      this.declared.set(handler, route);
    }
    if (route.isPublic) return true;
    const roles = route.roles;

    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; actor?: Actor }>();
    const header = req.headers['authorization'];
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
    if (!match)
      throw new AppError('UNAUTHENTICATED', 'Sign in to continue.', undefined, { 'WWW-Authenticate': 'Bearer' });
    // A gateway's token is refused (403) on every route that does not admit it by name.
    const actor = this.tokens.verifyAccess(match[1]!, route.gateway ? 'gateway' : undefined);
    req.actor = actor;
    requestContext.setActor(actor);

    if (route.gateway === 'only' && !actor.service) throw new AppError('FORBIDDEN', 'Your role may not do this.');
    if (!roles || roles.length === 0 || !roles.includes(actor.role)) {
      throw new AppError('FORBIDDEN', 'Your role may not do this.');
    }
    return true;
  }
}
