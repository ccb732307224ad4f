import { Injectable } from '@nestjs/common';
import { AppError, notFound } from '#src/common/errors.js';
import type { UserListView, UserView } from '@zhiyin/contracts';
import {
  PASSWORD_MAX,
  PASSWORD_MIN,
  passwordProblem,
  type PasswordProblem,
  type Specialty,
  type StaffRole,
} from '@zhiyin/workflow';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { hashPassword } from '#src/modules/auth/password.js';
import { accountKey } from '#src/modules/auth/attempt-throttle.service.js';
import type { CreateUserDto, ListUsersDto, UpdateUserDto } from './dto.js';
import { toUserView } from './user.mapper.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import { UserRepository, type StaffAccount, type Tx } from './user.repository.js';

const PG_UNIQUE_VIOLATION = '23505';

const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `The password must have at least ${PASSWORD_MIN} characters.`,
  too_long: `The password must have at most ${PASSWORD_MAX} characters.`,
  needs_letter_and_digit: 'The password must contain a letter and a digit.',
  contains_username: 'The password must not contain the user name.',
};

const invalid = (field: string, message: string, reason: string) =>
  new AppError('VALIDATION_FAILED', message, { fields: [field], reason });

interface Placement {
  facilityId: string | null;
  specialty: Specialty | null;
  readingCentreId: string | null;
}

// Staff accounts, managed by the administrator. Passwords are hashed like every other (argon2id,
// auth/password.ts) and never returned. Deactivating an account, resetting its password or moving
// it to another role or facility ends its sign-ins (refresh tokens revoked); the short-lived access
// token it holds runs out on its own.
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: UserRepository,
    private readonly audit: AuditService,
    private readonly revocations: SessionRevocations,
  ) {}

  async list(q: ListUsersDto): Promise<UserListView> {
    const [rows, total] = await this.repo.list(q);
    return { items: rows.map(toUserView), total };
  }

  async get(id: string): Promise<UserView> {
    const user = await this.repo.find(id);
    if (!user) throw notFound('User');
    return toUserView(user);
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    const username = dto.username.toLowerCase();
    const problem = passwordProblem(dto.password, username);
    if (problem) throw invalid('password', PASSWORD_MESSAGES[problem], problem);
    const passwordHash = await hashPassword(dto.password);
    return this.repo.transaction(async (m) => {
      const placement = await this.place(m, dto.role, dto.facilityId, dto.specialty);
      let entity: StaffAccount;
      try {
        entity = await this.repo.insert(m, {
          username,
          passwordHash,
          role: dto.role,
          ...placement,
          displayNameZh: dto.displayNameZh.trim(),
          displayNameEn: dto.displayNameEn.trim(),
          active: true,
          onDuty: false,
        });
      } catch (err) {
        const e = err as { code?: string; driverError?: { code?: string } };
        if ((e.driverError?.code ?? e.code) === PG_UNIQUE_VIOLATION)
          throw new AppError('CONFLICT', 'This user name is taken.', {
            fields: ['username'],
            reason: 'duplicate_username',
          });
        throw err;
      }
      await this.audit.record(
        {
          action: 'user.create',
          resourceType: 'user',
          resourceId: entity.id,
          outcome: 'success',
          details: { role: entity.role, facilityId: entity.facilityId },
        },
        m,
      );
      return toUserView(entity);
    });
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserView> {
    const view = await this.repo.transaction(async (m) => {
      const user = await this.lock(m, id);
      const fields: string[] = [];
      const role = dto.role ?? user.role;
      if (role !== user.role && user.id === actor.id)
        throw invalid('role', 'You cannot change your own role.', 'own_account');
      if (role !== user.role && user.role === 'admin') await this.assertAnotherAdmin(m, user.id);
      const placementChanged =
        role !== user.role ||
        (dto.facilityId !== undefined && dto.facilityId !== user.facilityId) ||
        (dto.specialty !== undefined && dto.specialty !== user.specialty);
      if (placementChanged) {
        const placement = await this.place(
          m,
          role,
          dto.facilityId ?? user.facilityId ?? undefined,
          role === 'specialist' ? (dto.specialty ?? user.specialty ?? undefined) : undefined,
        );
        for (const key of ['facilityId', 'specialty', 'readingCentreId'] as const) {
          if (placement[key] !== user[key]) fields.push(key);
        }
        Object.assign(user, placement);
        if (role !== user.role) fields.push('role');
        user.role = role;
      }
      for (const key of ['displayNameZh', 'displayNameEn'] as const) {
        const value = dto[key]?.trim();
        if (value !== undefined && value !== user[key]) {
          user[key] = value;
          fields.push(key);
        }
      }
      if (dto.onDuty !== undefined && dto.onDuty !== user.onDuty) {
        user.onDuty = dto.onDuty;
        fields.push('onDuty');
      }
      if (fields.length === 0) return toUserView(user);
      const saved = await this.repo.save(m, user);
      // Tokens carry role and facility: a moved account signs in again.
      const sessionsEnded =
        fields.includes('role') || fields.includes('facilityId') || fields.includes('readingCentreId')
          ? await this.revokeSessions(m, user.id)
          : 0;
      await this.audit.record(
        {
          action: 'user.update',
          resourceType: 'user',
          resourceId: id,
          outcome: 'success',
          details: { fields, sessionsEnded },
        },
        m,
      );
      return toUserView(saved);
    });
    await this.revocations.refresh();
    return view;
  }

  async setActive(actor: Actor, id: string, active: boolean): Promise<UserView> {
    const view = await this.repo.transaction(async (m) => {
      const user = await this.lock(m, id);
      if (!active && user.id === actor.id)
        throw new AppError('CONFLICT', 'You cannot deactivate your own account.', { reason: 'own_account' });
      if (!active && user.role === 'admin') await this.assertAnotherAdmin(m, user.id);
      if (active && user.facilityId) {
        const facility = await this.repo.facility(m, user.facilityId);
        if (!facility?.active)
          throw new AppError('CONFLICT', 'The account’s facility is deactivated. Move the account first.', {
            reason: 'facility_inactive',
          });
      }
      if (user.active === active) return toUserView(user);
      user.active = active;
      if (!active) user.onDuty = false;
      const saved = await this.repo.save(m, user);
      const sessionsEnded = active ? 0 : await this.revokeSessions(m, user.id);
      await this.audit.record(
        {
          action: active ? 'user.activate' : 'user.deactivate',
          resourceType: 'user',
          resourceId: id,
          outcome: 'success',
          ...(active ? {} : { details: { sessionsEnded } }),
        },
        m,
      );
      return toUserView(saved);
    });
    // The account's access tokens stop working now, not when they expire.
    await this.revocations.refresh();
    return view;
  }

  /** Sets a new password chosen by the administrator; the account's sign-ins end and its lock-out is lifted. */
  async resetPassword(id: string, password: string): Promise<void> {
    const user = await this.repo.find(id);
    if (!user) throw notFound('User');
    const problem = passwordProblem(password, user.username);
    if (problem) throw invalid('password', PASSWORD_MESSAGES[problem], problem);
    const passwordHash = await hashPassword(password);
    await this.repo.transaction(async (m) => {
      await this.lock(m, id);
      await this.repo.setPassword(m, id, passwordHash);
      // The password counters of the account (all addresses, and the hard limit) start again.
      await this.repo.clearAccountThrottle(m, accountKey(user.username));
      const sessionsEnded = await this.revokeSessions(m, id);
      await this.audit.record(
        {
          action: 'user.password_reset',
          resourceType: 'user',
          resourceId: id,
          outcome: 'success',
          details: { sessionsEnded },
        },
        m,
      );
    });
    await this.revocations.refresh();
  }

  private async lock(m: Tx, id: string): Promise<StaffAccount> {
    const user = await this.repo.lock(m, id);
    if (!user) throw notFound('User');
    return user;
  }

  /** Where an account of this role belongs: community doctors at a centre, hub staff at the hub. */
  private async place(
    m: Tx,
    role: StaffRole,
    facilityId: string | undefined,
    specialty: Specialty | undefined,
  ): Promise<Placement> {
    if (role !== 'specialist' && specialty)
      throw invalid('specialty', 'Only specialists have a specialty.', 'not_a_specialist');
    if (role === 'admin') {
      if (facilityId) throw invalid('facilityId', 'Administrators belong to the network, not a facility.', 'admin');
      return { facilityId: null, specialty: null, readingCentreId: null };
    }
    if (!facilityId) throw invalid('facilityId', 'Choose the facility this person works at.', 'required');
    const facility = await this.repo.facility(m, facilityId);
    if (!facility) throw invalid('facilityId', 'The facility does not exist.', 'unknown');
    if (!facility.active) throw invalid('facilityId', 'The facility is deactivated.', 'inactive');
    const wanted = role === 'community_doctor' ? 'community' : 'hub';
    if (facility.kind !== wanted)
      throw invalid(
        'facilityId',
        role === 'community_doctor'
          ? 'Community doctors work at a community centre.'
          : 'Specialists and coordinators work at a hub.',
        'wrong_facility_kind',
      );
    if (role !== 'specialist') return { facilityId, specialty: null, readingCentreId: null };
    if (!specialty) throw invalid('specialty', 'Choose the specialist’s specialty.', 'required');
    const service = specialty === 'radiology' ? 'IMAGING' : 'ECG';
    const centre = await this.repo.readingCentre(m, facilityId, service);
    if (!centre) throw invalid('specialty', 'This hub has no reading centre for this specialty.', 'no_reading_centre');
    return { facilityId, specialty, readingCentreId: centre.id };
  }

  private async assertAnotherAdmin(m: Tx, exceptId: string): Promise<void> {
    if ((await this.repo.otherActiveAdmins(m, exceptId)) === 0)
      throw new AppError('CONFLICT', 'The network needs at least one active administrator.', { reason: 'last_admin' });
  }

  private revokeSessions(m: Tx, userId: string): Promise<number> {
    return this.repo.revokeSessions(m, userId);
  }
}
