import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  SIMPLE_REFERRAL_EVENTS,
  type AttachStudyRequest,
  type CreateReferralRequest,
  type PostMessageRequest,
  type RecordVerbalConsentRequest,
  type ReferralEventRequest,
  type SimpleReferralEvent,
  type UpdateReferralRequest,
} from '@zhiyin/contracts';
import {
  CANCEL_REASONS,
  OUTCOMES,
  PATIENT_OVERRIDE_REASON_MAX,
  PRIORITIES,
  REFERRAL_STATES,
  SERVICES,
  type CancelReason,
  type Outcome,
  type Priority,
  type Service,
} from '@zhiyin/workflow';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { IsBoundedInt, IsTimestamp } from '#src/common/validation/decorators.js';

export class CreateReferralDto implements CreateReferralRequest {
  @ApiProperty() @IsUUID() patientId: string;
  @ApiProperty({ enum: SERVICES }) @IsIn(SERVICES) service: Service;
  @ApiPropertyOptional({ example: 'CT', description: 'for imaging: the modality requested' })
  @IsOptional()
  @Matches(/^[A-Z]{2,4}$/)
  modality?: string;
  @ApiProperty({ enum: PRIORITIES }) @IsIn(PRIORITIES) priority: Priority;
  @ApiPropertyOptional({ description: 'the question for the reader' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  clinicalQuestion?: string;
  @ApiPropertyOptional({ description: 'relevant history' }) @IsOptional() @IsString() @MaxLength(4000) history?: string;
}

export class UpdateReferralDto implements UpdateReferralRequest {
  @ApiPropertyOptional({ enum: SERVICES }) @IsOptional() @IsIn(SERVICES) service?: Service;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[A-Z]{2,4}$/) modality?: string;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: Priority;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) clinicalQuestion?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) history?: string;
}

export class AttachStudyDto implements AttachStudyRequest {
  @ApiProperty() @IsString() @Matches(/^[0-9.]{1,64}$/) studyInstanceUid: string;
  /** Confirms that a study whose file names another patient (or none) is this referral's patient's: why. */
  @ApiPropertyOptional({ maxLength: PATIENT_OVERRIDE_REASON_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(PATIENT_OVERRIDE_REASON_MAX)
  patientOverrideReason?: string;
}

export class ReferralEventDto implements ReferralEventRequest {
  @ApiProperty({ enum: SIMPLE_REFERRAL_EVENTS }) @IsIn(SIMPLE_REFERRAL_EVENTS) type: SimpleReferralEvent;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: Priority;
  @ApiPropertyOptional({ description: 'reassign: the specialist' }) @IsOptional() @IsUUID() specialistId?: string;
  @ApiPropertyOptional({ enum: CANCEL_REASONS }) @IsOptional() @IsIn(CANCEL_REASONS) reason?: CancelReason;
  @ApiPropertyOptional({ enum: OUTCOMES }) @IsOptional() @IsIn(OUTCOMES) outcome?: Outcome;
  @ApiPropertyOptional({ description: 'request_info: the question; answer_info: the answer' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  message?: string;
  @ApiPropertyOptional({ description: 'the row version you saw; a newer one answers 409' })
  @IsOptional()
  @IsBoundedInt({ min: 0 })
  expectedVersion?: number;
}

export class ListReferralsDto {
  @ApiPropertyOptional({ description: 'comma-separated states' })
  @IsOptional()
  @Matches(new RegExp(`^(${REFERRAL_STATES.join('|')})(,(${REFERRAL_STATES.join('|')}))*$`))
  state?: string;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: Priority;
  @ApiPropertyOptional({ enum: SERVICES }) @IsOptional() @IsIn(SERVICES) service?: Service;
  @ApiPropertyOptional() @IsOptional() @IsUUID() facilityId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() patientId?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() to?: string;
  @ApiPropertyOptional({
    description: 'the reader worklist: waiting and in-progress referrals of the pool, by priority',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  worklist?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 1, max: 200 }) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 0 }) offset?: number;
}

export class PostMessageDto implements PostMessageRequest {
  @ApiProperty() @IsString() @Length(1, 4000) body: string;
}

export class VerbalConsentDto implements RecordVerbalConsentRequest {
  @ApiProperty({ example: '李护士', description: 'who witnessed the consent' })
  @IsString()
  @Length(1, 100)
  witnessName: string;
  @ApiProperty({ example: '2026-12-06T09:30:00+08:00', description: 'when the patient consented' })
  @IsTimestamp()
  consentedAt: string;
}
