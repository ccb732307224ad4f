import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { AuthGuard } from './modules/auth/auth.guard.js';
import { LOGGER } from './common/logging/logger.js';
import { dataSourceOptions } from './database/data-source.js';
import { AuditController } from './modules/audit/audit.controller.js';
import { AuditService } from './modules/audit/audit.service.js';
import { AuditRepository } from './modules/audit/audit.repository.js';
import { AuditExportService } from './modules/audit/audit-export.service.js';
import { AuthController } from './modules/auth/auth.controller.js';
import { AuthService } from './modules/auth/auth.service.js';
import { AuthRepository } from './modules/auth/auth.repository.js';
import { AttemptThrottle } from './modules/auth/attempt-throttle.service.js';
import { AttemptThrottleRepository } from './modules/auth/attempt-throttle.repository.js';
import {
  SecondFactorAccountController,
  SecondFactorAdminController,
  SecondFactorSignInController,
} from './modules/auth/second-factor.controller.js';
import { SecondFactorService } from './modules/auth/second-factor.service.js';
import { SecondFactorRepository } from './modules/auth/second-factor.repository.js';
import { SessionRevocations } from './modules/auth/session-revocations.service.js';
import { SessionRevocationsRepository } from './modules/auth/session-revocations.repository.js';
import { TokenService } from './modules/auth/token.service.js';
import { FacilitiesController } from './modules/facilities/facilities.controller.js';
import { FacilitiesService } from './modules/facilities/facilities.service.js';
import { FacilityRepository } from './modules/facilities/facility.repository.js';
import { HealthController } from './modules/health/health.controller.js';
import { HealthRepository } from './modules/health/health.repository.js';
import { DicomwebController } from './modules/imaging/dicomweb.controller.js';
import { IMAGING_PROVIDERS } from './modules/imaging/imaging.providers.js';
import { ConversionRepository } from './modules/conversion/conversion.repository.js';
import { ConversionService } from './modules/conversion/conversion.service.js';
import { OriginalsController } from './modules/conversion/originals.controller.js';
import { OriginalsService } from './modules/conversion/originals.service.js';
import { UploadsController } from './modules/uploads/uploads.controller.js';
import { ServiceAccountsController } from './modules/service-accounts/service-accounts.controller.js';
import { ServiceAccountRepository } from './modules/service-accounts/service-account.repository.js';
import { ServiceAccountsService } from './modules/service-accounts/service-accounts.service.js';
import { ServiceTokenController } from './modules/service-accounts/service-token.controller.js';
import { UploadsService } from './modules/uploads/uploads.service.js';
import { StudiesController } from './modules/imaging/studies.controller.js';
import { StudyFilingService } from './modules/imaging/study-filing.service.js';
import { CLOCK, systemClock, type Clock } from './common/clock.js';
import {
  ClinicalController,
  DecisionController,
  FiguresController,
  Icd10Controller,
} from './modules/clinical/clinical.controller.js';
import { ClinicalService } from './modules/clinical/clinical.service.js';
import { ClinicalRepository } from './modules/clinical/clinical.repository.js';
import { PatientSheetController } from './modules/clinical/patient-sheet.controller.js';
import { PatientSheetRepository } from './modules/clinical/patient-sheet.repository.js';
import { PatientSheetService } from './modules/clinical/patient-sheet.service.js';
import { ReferralFormController } from './modules/clinical/referral-form.controller.js';
import { ReferralFormRepository } from './modules/clinical/referral-form.repository.js';
import { ReferralFormService } from './modules/clinical/referral-form.service.js';
import { FiguresRepository } from './modules/clinical/figures.repository.js';
import { FiguresService } from './modules/clinical/figures.service.js';
import { ReportPdfRepository } from './modules/clinical/report-pdf.repository.js';
import { ReportPdfService } from './modules/clinical/report-pdf.service.js';
import { OutboxService } from './modules/realtime/outbox.service.js';
import { OutboxRepository } from './modules/realtime/outbox.repository.js';
import { RealtimeGateway } from './modules/realtime/realtime.gateway.js';
import { PresenceRepository } from './modules/realtime/presence.repository.js';
import { ReferralsController } from './modules/referrals/referrals.controller.js';
import { EventsController } from './modules/realtime/events.controller.js';
import { CaseFirstImageController } from './modules/reading/case-first-image.controller.js';
import { CaseFirstImageService } from './modules/reading/case-first-image.service.js';
import { CaseImageRepository } from './modules/reading/case-image.repository.js';
import { CASE_WARMER } from './modules/referrals/case-warmer.port.js';
import { READER_ONLINE, REFERRAL_WATCH_GUARD } from './modules/realtime/ports.js';
import { DutyShiftsController } from './modules/duty-rosters/duty-shifts.controller.js';
import { DutyShiftsRepository } from './modules/duty-rosters/duty-shifts.repository.js';
import { DutyShiftsService, ROSTER_CHANGED } from './modules/duty-rosters/duty-shifts.service.js';
import { BoardController } from './modules/referrals/board.controller.js';
import { ConsentController } from './modules/referrals/consent.controller.js';
import { ConsentRepository } from './modules/referrals/consent.repository.js';
import { ConsentService } from './modules/referrals/consent.service.js';
import { BoardService } from './modules/referrals/board.service.js';
import { ReferralDraftsService } from './modules/referrals/referral-drafts.service.js';
import { ReferralEventsService } from './modules/referrals/referral-events.service.js';
import { ReferralMessagesService } from './modules/referrals/referral-messages.service.js';
import { ReferralStudyLinksService } from './modules/referrals/referral-study-links.service.js';
import { ReferralsService } from './modules/referrals/referrals.service.js';
import { PatientCheckService } from './modules/referrals/patient-check.service.js';
import { PatientCheckRepository } from './modules/referrals/patient-check.repository.js';
import { ReferralRepository } from './modules/referrals/referral.repository.js';
import { RouterService } from './modules/referrals/router.service.js';
import { TimersService } from './modules/referrals/timers.service.js';
import { TransitionService, TURNAROUND_POLICY } from './modules/referrals/transition.service.js';
import { PatientsController } from './modules/patients/patients.controller.js';
import { PatientsService } from './modules/patients/patients.service.js';
import { PatientRepository } from './modules/patients/patient.repository.js';
import { PatientSignInRepository } from './modules/patients/patient-sign-in.repository.js';
import { PATIENT_SIGN_IN } from './modules/auth/ports.js';
import { SettingsController } from './modules/settings/settings.controller.js';
import { TurnaroundPolicyService } from './modules/settings/turnaround-policy.service.js';
import { TurnaroundPolicyRepository } from './modules/settings/turnaround-policy.repository.js';
import { UsersController } from './modules/users/users.controller.js';
import { UsersService } from './modules/users/users.service.js';
import { UserRepository } from './modules/users/user.repository.js';
import { MetricsRepository } from './modules/metrics/metrics.repository.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { DIMSE_CONTROLLERS, DimseModule } from './modules/dimse/dimse.module.js';
import { StowService } from './modules/imaging/stow.service.js';
import { BLOB_STORE } from './modules/imaging/blob-store.js';
import { QidoService } from './modules/imaging/qido.service.js';
import { ImagingRepository } from './modules/imaging/imaging.repository.js';
import { KeyImagesController } from './modules/key-images/key-images.controller.js';
import { KeyImagesRepository } from './modules/key-images/key-images.repository.js';
import { KeyImagesService } from './modules/key-images/key-images.service.js';
import { PriorsController, StudyPriorsController } from './modules/priors/priors.controller.js';
import { PriorsRepository } from './modules/priors/priors.repository.js';
import { PriorsService } from './modules/priors/priors.service.js';
import {
  CRITICAL_RESULT_CONTROLLERS,
  CRITICAL_RESULT_PROVIDERS,
} from './modules/critical-results/critical-results.providers.js';

/** Every HTTP controller; the authorization test walks this list. */
export const CONTROLLERS = [
  // Before DicomwebController, whose one read handler takes every other GET under /dicomweb (Express matches the
  // routes in the order they are registered); the authorization test's scope matrix reads the originals.
  OriginalsController,
  AuthController,
  SecondFactorSignInController,
  SecondFactorAccountController,
  SecondFactorAdminController,
  PatientsController,
  FacilitiesController,
  AuditController,
  HealthController,
  DicomwebController,
  UploadsController,
  ServiceAccountsController,
  ServiceTokenController,
  StudiesController,
  ReferralsController,
  ConsentController,
  EventsController,
  DutyShiftsController,
  BoardController,
  ClinicalController,
  DecisionController,
  FiguresController,
  Icd10Controller,
  PatientSheetController,
  ReferralFormController,
  UsersController,
  SettingsController,
  ...CRITICAL_RESULT_CONTROLLERS,
  KeyImagesController,
  PriorsController,
  StudyPriorsController,
  CaseFirstImageController,
];

/** Every HTTP route, the feature modules' too: what the authorization test walks. */
export const ALL_CONTROLLERS = [...CONTROLLERS, ...DIMSE_CONTROLLERS];

export interface AppOverrides {
  clock?: Clock;
}

@Module({})
export class AppModule {
  static register(config: AppConfig, databaseUrl: string, logger: Logger, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      // Global, so that feature modules (DimseModule) use the one ingest, search, audit and configuration.
      global: true,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(databaseUrl)), JwtModule.register({}), DimseModule],
      controllers: CONTROLLERS,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: APP_GUARD, useClass: AuthGuard },
        TokenService,
        SessionRevocations,
        SessionRevocationsRepository,
        HealthRepository,
        AuthService,
        AuthRepository,
        AttemptThrottle,
        AttemptThrottleRepository,
        SecondFactorService,
        SecondFactorRepository,
        AuditRepository,
        AuditService,
        AuditExportService,
        PatientsService,
        PatientRepository,
        PatientSignInRepository,
        // The port through which sign-in reads patients without importing the patients module.
        { provide: PATIENT_SIGN_IN, useExisting: PatientSignInRepository },
        ...IMAGING_PROVIDERS,
        ConversionRepository,
        ConversionService,
        UploadsService,
        ServiceAccountRepository,
        ServiceAccountsService,
        OriginalsService,
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        TurnaroundPolicyService,
        TurnaroundPolicyRepository,
        // The administrator's stored policy, else the configured one (TURNAROUND_POLICY over the defaults).
        { provide: TURNAROUND_POLICY, useExisting: TurnaroundPolicyService },
        // The ports through which realtime and the rosters reach the referral module without importing it.
        { provide: READER_ONLINE, useExisting: RouterService },
        { provide: REFERRAL_WATCH_GUARD, useExisting: ReferralsService },
        { provide: ROSTER_CHANGED, useExisting: RouterService },
        DutyShiftsService,
        DutyShiftsRepository,
        FacilitiesService,
        FacilityRepository,
        UsersService,
        UserRepository,
        OutboxService,
        OutboxRepository,
        TransitionService,
        RouterService,
        TimersService,
        ReferralsService,
        ReferralDraftsService,
        ReferralEventsService,
        ReferralMessagesService,
        ReferralStudyLinksService,
        ConsentRepository,
        ConsentService,
        PatientCheckService,
        PatientCheckRepository,
        ReferralRepository,
        StudyFilingService,
        BoardService,
        RealtimeGateway,
        PresenceRepository,
        ClinicalService,
        ClinicalRepository,
        FiguresRepository,
        FiguresService,
        ReportPdfRepository,
        ReportPdfService,
        PatientSheetRepository,
        PatientSheetService,
        ReferralFormRepository,
        ReferralFormService,
        MetricsRepository,
        MetricsService,
        ...CRITICAL_RESULT_PROVIDERS,
        KeyImagesRepository,
        KeyImagesService,
        PriorsRepository,
        PriorsService,
        CaseImageRepository,
        CaseFirstImageService,
        // The port through which the referral module has a case's first image made ahead of its reader.
        { provide: CASE_WARMER, useExisting: CaseFirstImageService },
      ],
      exports: [APP_CONFIG, LOGGER, AuditService, StowService, BLOB_STORE, QidoService, ImagingRepository],
    };
  }
}
