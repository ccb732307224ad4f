/**
 * The administrator's registers as the API answers them and the bodies it takes: facilities and their reading
 * centres, staff accounts, duty rosters, the turnaround policy and the audit trail's vocabulary. Times are ISO 8601
 * strings.
 */
import type { FacilityKind, Priority, Service, Specialty, StaffRole, TurnaroundPolicy } from '@zhiyin/workflow';

// ——— Facilities ———

/** A hub reading centre (pool): the imaging or ECG diagnosis centre of a hub. */
export interface ReadingCentreView {
  readonly id: string;
  readonly hubId: string;
  readonly service: Service;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** A hub or a community centre of the network. */
export interface FacilityView {
  readonly id: string;
  readonly code: string;
  readonly kind: FacilityKind;
  readonly nameZh: string;
  readonly nameEn: string;
  /** a community centre: the hub that reads its studies */
  readonly hubId: string | null;
  readonly address: string | null;
  readonly phone: string | null;
  /** a deactivated facility stays (referrals and users point at it) but takes no new users */
  readonly active: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** a hub's own reading centres; for a community centre, those of its hub */
  readonly readingCentres: readonly ReadingCentreView[];
}

/** `GET /api/facilities`: hubs first, then by code; every reading centre by service. */
export interface FacilityListView {
  readonly facilities: readonly FacilityView[];
  readonly readingCentres: readonly ReadingCentreView[];
}

/** `POST /api/facilities`. */
export interface CreateFacilityRequest {
  /** short code, unique in the network (letters, digits, - and _) */
  readonly code: string;
  readonly kind: FacilityKind;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly address?: string;
  readonly phone?: string;
  /** a community centre: the hub whose reading centres read its studies */
  readonly hubId?: string;
  /** a hub: the reading centres it runs */
  readonly readingServices?: readonly Service[];
}

/** `PATCH /api/facilities/{id}`: the fields to change (an empty address or phone clears it). */
export interface UpdateFacilityRequest {
  readonly code?: string;
  readonly nameZh?: string;
  readonly nameEn?: string;
  readonly address?: string;
  readonly phone?: string;
  readonly hubId?: string;
  readonly readingServices?: readonly Service[];
}

/** The longest reading centre name: it heads the board and the worklist. */
export const READING_CENTRE_NAME_MAX = 64;

/** `PATCH /api/facilities/reading-centres/{id}`: a new Chinese and/or English name. */
export interface RenameReadingCentreRequest {
  readonly nameZh?: string;
  readonly nameEn?: string;
}

// ——— Staff accounts ———

/** A staff account as the administrator sees it: never the password hash. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: StaffRole;
  /** null for an administrator (who belongs to the network) */
  readonly facilityId: string | null;
  /** specialists only */
  readonly specialty: Specialty | null;
  /** specialists only: the reading centre of their specialty at their hub */
  readonly readingCentreId: string | null;
  readonly displayNameZh: string;
  readonly displayNameEn: string;
  readonly active: boolean;
  /** always on duty, whatever the roster says */
  readonly onDuty: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `GET /api/users`: one page (active first, by user name) and how many match. */
export interface UserListView {
  readonly items: readonly UserView[];
  readonly total: number;
}

/** `GET /api/users` filters. */
export interface ListUsersQuery {
  /** part of the user name or of either display name */
  readonly q?: string;
  readonly role?: StaffRole;
  readonly facilityId?: string;
  readonly active?: 'true' | 'false';
  readonly limit?: number;
  readonly offset?: number;
}

/** `POST /api/users`: a new account with an initial password. */
export interface CreateUserRequest {
  readonly username: string;
  readonly displayNameZh: string;
  readonly displayNameEn: string;
  readonly role: StaffRole;
  /** required except for administrators */
  readonly facilityId?: string;
  /** specialists only */
  readonly specialty?: Specialty;
  readonly password: string;
}

/** `PATCH /api/users/{id}`: the fields to change. */
export interface UpdateUserRequest {
  readonly displayNameZh?: string;
  readonly displayNameEn?: string;
  readonly role?: StaffRole;
  readonly facilityId?: string;
  readonly specialty?: Specialty;
  readonly onDuty?: boolean;
}

/** `POST /api/users/{id}/password`: a new password chosen by the administrator. */
export interface ResetPasswordRequest {
  readonly password: string;
}

// ——— Duty rosters ———

/** A duty shift as the roster lists it (`GET /api/duty-shifts`), with its reader's names. */
export interface DutyShiftView {
  readonly id: string;
  readonly userId: string;
  readonly readingCentreId: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly specialty: Specialty | null;
}

/** `GET /api/duty-shifts`: the window to list, from a day ago to a week ahead when not given. */
export interface DutyShiftsQuery {
  readonly from?: string;
  readonly to?: string;
}

/** `POST /api/duty-shifts`: a shift for a specialist of a reading centre. */
export interface CreateDutyShiftRequest {
  readonly userId: string;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** The answer to `POST /api/duty-shifts`: the new shift. */
export interface CreatedDutyShiftView extends CreateDutyShiftRequest {
  readonly id: string;
  readonly readingCentreId: string;
}

// ——— Settings ———

/** The turnaround policy (`GET /api/settings/turnaround-policy`): version 0 until an administrator saves one. */
export interface TurnaroundPolicyView {
  /** 0 while no policy has been stored (the configured one is in force) */
  readonly version: number;
  readonly source: 'stored' | 'configured';
  readonly policy: TurnaroundPolicy;
  readonly changedAt: string | null;
  readonly changedBy: {
    readonly id: string;
    readonly username: string;
    readonly displayNameZh: string;
    readonly displayNameEn: string;
  } | null;
  /** TURNAROUND_POLICY from the environment over the published defaults: what "reset" goes back to */
  readonly configured: TurnaroundPolicy;
  readonly defaults: TurnaroundPolicy;
}

/** The limits a turnaround policy is written in: service × priority × limit, in minutes. */
export type TurnaroundPolicyInput = Record<Service, Record<Priority, Record<string, number>>>;

/** `PUT /api/settings/turnaround-policy`: the complete policy and the version it was edited from. */
export interface PutTurnaroundPolicyRequest {
  readonly policy: TurnaroundPolicyInput;
  /** the version edited (0 before the first change); a stale one is refused */
  readonly version: number;
}

/** Which staff roles must sign in with a second factor (`GET`/`PUT /api/settings/second-factor`). */
export interface SecondFactorPolicyView {
  readonly requiredRoles: readonly StaffRole[];
}

// ——— Audit trail ———

/** `GET /api/audit/vocabulary`: the actions and resource types the trail records, for its filters. */
export interface AuditVocabularyView {
  readonly actions: readonly string[];
  readonly resourceTypes: readonly string[];
}

// ——— DICOM devices and gateway accounts (the administrator's registers) ———

/** A registered calling AE: a centre's modality (sends studies, takes the worklist) or a hub workstation. */
export const AE_KINDS = ['modality', 'workstation'] as const;
export type AeKind = (typeof AE_KINDS)[number];
/** The roles an audit row names a machine by (instead of the scope role it acts with): a gateway or an AE of a kind. */
export const DEVICE_AUDIT_ROLES = ['gateway', ...AE_KINDS] as const;
export type DeviceAuditRole = (typeof DEVICE_AUDIT_ROLES)[number];
/** The character sets Zhiyin writes patient names in for a device (PS3.3 C.12.1.1.2): UTF-8 or GB18030. */
export const AE_CHARACTER_SETS = ['ISO_IR 192', 'GB18030'] as const;
export type AeCharacterSet = (typeof AE_CHARACTER_SETS)[number];
/** PS3.5 AE title: 1 to 16 characters of the default repertoire, no backslash, not only spaces. */
export const AE_TITLE_PATTERN = /^(?! *$)[\x20-\x5b\x5d-\x7e]{1,16}$/;

/** A registered AE as the administrator sees it (`GET /api/dicom/aes`). */
export interface DicomAeView {
  id: string;
  aeTitle: string;
  facilityId: string;
  kind: AeKind;
  modality: string | null;
  readingCentreId: string | null;
  host: string | null;
  /** a workstation that is a C-MOVE destination: the port at `host` */
  port: number | null;
  characterSet: AeCharacterSet;
  active: boolean;
  createdAt: string;
}

/** A community centre's gateway account (`GET /api/service-accounts`); it never carries its secret. */
export interface ServiceAccountView {
  id: string;
  facilityId: string;
  name: string;
  kind: 'gateway';
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to creating a gateway account: its credential, shown this once and stored only as a hash. */
export interface NewServiceAccount extends ServiceAccountView {
  credential: string;
}

/** `POST /api/dicom/aes`: registers a device. */
export interface CreateDicomAeRequest {
  readonly aeTitle: string;
  readonly facilityId: string;
  readonly kind: AeKind;
  readonly modality?: string;
  /** a workstation: the hub reading centre it reads for */
  readonly readingCentreId?: string;
  /** the only address this AE may connect from */
  readonly host?: string;
  /** a workstation: the port it receives C-STOREs on at `host` (a C-MOVE destination) */
  readonly port?: number;
  readonly characterSet?: AeCharacterSet;
}

/** `PATCH /api/dicom/aes/{id}`: an empty host clears the address check, a null port the move destination. */
export interface UpdateDicomAeRequest {
  readonly modality?: string;
  readonly host?: string;
  readonly port?: number | null;
  readonly characterSet?: AeCharacterSet;
  readonly active?: boolean;
}

/** `POST /api/service-accounts`: a community centre's gateway account. */
export interface CreateServiceAccountRequest {
  /** the community centre whose gateway this is; it acts with that centre's scope */
  readonly facilityId: string;
  readonly name: string;
}
