import { DataSource, type DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './naming-strategy.js';
import { Foundation1764115200000 } from './migrations/1764115200000-Foundation.js';
import { Imaging1764118800000 } from './migrations/1764118800000-Imaging.js';
import { Referrals1764122400000 } from './migrations/1764122400000-Referrals.js';
import { ReportsPlans1764126000000 } from './migrations/1764126000000-ReportsPlans.js';
import { Admin1764129600000 } from './migrations/1764129600000-Admin.js';
import { ImagingIndexFunction1764133300000 } from './migrations/1764133300000-ImagingIndexFunction.js';
import { InstanceSha256Index1765010000000 } from './migrations/1765010000000-InstanceSha256Index.js';
import { SignInThrottleSecondFactor1765030000000 } from './migrations/1765030000000-SignInThrottleSecondFactor.js';
import { AuditClientRequestId1765050000000 } from './migrations/1765050000000-AuditClientRequestId.js';
import { PatientNationalIdPerCentre1765050000001 } from './migrations/1765050000001-PatientNationalIdPerCentre.js';
import { DicomNetwork1765070000000 } from './migrations/1765070000000-DicomNetwork.js';
import { PatientSessions1765080000000 } from './migrations/1765080000000-PatientSessions.js';
import { AuditChain1765090000000 } from './migrations/1765090000000-AuditChain.js';
import { DicomMoveDestination1765160000000 } from './migrations/1765160000000-DicomMoveDestination.js';
import { DottedDicomDates1765175000000 } from './migrations/1765175000000-DottedDicomDates.js';
import { ReferralConsent1765200000000 } from './migrations/1765200000000-ReferralConsent.js';
import { InstanceOriginal1765215000000 } from './migrations/1765215000000-InstanceOriginal.js';
import { ServiceAccounts1765340000000 } from './migrations/1765340000000-ServiceAccounts.js';
import { IngestAuditClientRequestId1765400000000 } from './migrations/1765400000000-IngestAuditClientRequestId.js';
import { UnflushedBlobs1765500000000 } from './migrations/1765500000000-UnflushedBlobs.js';
import { IngestAuditRefusedOnly1765600000000 } from './migrations/1765600000000-IngestAuditRefusedOnly.js';
import { StudyPatientOverride1765200000008 } from './migrations/1765200000008-StudyPatientOverride.js';
import { CriticalResults1765200000016 } from './migrations/1765200000016-CriticalResults.js';
import { KeyImages1765320000000 } from './migrations/1765320000000-KeyImages.js';
import { FacilityEntity, ReadingCentreEntity } from '#src/modules/facilities/facility.entity.js';
import { RefreshTokenEntity, UserEntity } from '#src/modules/auth/user.entity.js';
import { PatientAccessCodeEntity, PatientEntity } from '#src/modules/patients/patient.entity.js';
import { AuditEventEntity } from '#src/modules/audit/audit-event.entity.js';

export const ENTITIES = [
  FacilityEntity,
  ReadingCentreEntity,
  UserEntity,
  RefreshTokenEntity,
  PatientEntity,
  PatientAccessCodeEntity,
  AuditEventEntity,
];

export const MIGRATIONS = [
  Foundation1764115200000,
  Imaging1764118800000,
  Referrals1764122400000,
  ReportsPlans1764126000000,
  Admin1764129600000,
  ImagingIndexFunction1764133300000,
  InstanceSha256Index1765010000000,
  SignInThrottleSecondFactor1765030000000,
  AuditClientRequestId1765050000000,
  PatientNationalIdPerCentre1765050000001,
  DicomNetwork1765070000000,
  PatientSessions1765080000000,
  // Keep last: it chains the audit rows other migrations may have written.
  AuditChain1765090000000,
  DicomMoveDestination1765160000000,
  DottedDicomDates1765175000000,
  ReferralConsent1765200000000,
  InstanceOriginal1765215000000,
  StudyPatientOverride1765200000008,
  CriticalResults1765200000016,
  KeyImages1765320000000,
  ServiceAccounts1765340000000,
  IngestAuditClientRequestId1765400000000,
  UnflushedBlobs1765500000000,
  IngestAuditRefusedOnly1765600000000,
];

/** TypeORM options: migrations only, never synchronize (tests included). */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    logging: false,
    extra: { max: 20, application_name: 'zhiyin-api' },
  };
}

export async function runMigrations(url: string): Promise<void> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
