import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  AddendumRequest,
  Diagnosis,
  EcgReportMeasurements,
  HubAppointmentRequest,
  Medication,
  PlanInput,
  ReportDraftRequest,
  SignPlanRequest,
} from '@zhiyin/contracts';
import { DISPOSITIONS, type Disposition } from '@zhiyin/workflow';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsBoundedInt, IsTimestamp } from '#src/common/validation/decorators.js';

export class DiagnosisDto implements Diagnosis {
  @ApiProperty({ example: 'I21.0' }) @IsString() @Matches(/^[A-Z]\d{2}(\.\d{1,2})?$/) code: string;
  @ApiProperty({ example: '前壁急性透壁性心肌梗死' }) @IsString() @Length(1, 200) label: string;
}

export class EcgMeasurementsDto implements EcgReportMeasurements {
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(10) @Max(350) heartRate?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) @Max(1000) pr?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) @Max(400) qrs?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) @Max(1000) qt?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) @Max(1000) qtc?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(-180) @Max(360) axis?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) rhythm?: string;
}

export class ReportDraftDto implements ReportDraftRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(8000) findings?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) impression?: string;
  @ApiPropertyOptional({ type: [DiagnosisDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => DiagnosisDto)
  diagnoses?: DiagnosisDto[];
  @ApiPropertyOptional({ type: EcgMeasurementsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => EcgMeasurementsDto)
  measurements?: EcgMeasurementsDto;
  @ApiPropertyOptional({ enum: DISPOSITIONS }) @IsOptional() @IsIn(DISPOSITIONS) disposition?: Disposition;
}

export class AddendumDto implements AddendumRequest {
  @ApiProperty() @IsString() @Length(1, 4000) body: string;
}

export class MedicationDto implements Medication {
  @ApiProperty({ example: '阿司匹林肠溶片' }) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ example: '100 mg' }) @IsString() @Length(1, 50) dose: string;
  @ApiProperty({ example: '口服' }) @IsString() @Length(1, 50) route: string;
  @ApiProperty({ example: '每日一次' }) @IsString() @Length(1, 50) frequency: string;
  @ApiProperty({ example: '长期' }) @IsString() @Length(1, 50) duration: string;
}

export class PlanContentDto {
  @ApiProperty() @IsString() @Length(1, 500) diagnosis: string;
  @ApiProperty({ type: [MedicationDto] })
  @IsArray()
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => MedicationDto)
  medications: MedicationDto[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) tests?: string;
  @ApiPropertyOptional({ description: 'e.g. 2 weeks' }) @IsOptional() @IsString() @MaxLength(200) followUp?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) whereTreated?: string;
  @ApiPropertyOptional({ description: 'what the patient should do, in plain words' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  instructions?: string;
  @ApiPropertyOptional({ description: 'signs that mean: seek help at once' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  warningSigns?: string;
  @ApiPropertyOptional({ description: 'what to bring' }) @IsOptional() @IsString() @MaxLength(500) bring?: string;
}

export class HubAppointmentDto implements HubAppointmentRequest {
  @ApiProperty() @IsTimestamp() at: string;
  @ApiProperty({ example: '心内科门诊' }) @IsString() @Length(1, 100) department: string;
  @ApiPropertyOptional({ example: '门诊楼 3 层 305 室' }) @IsOptional() @IsString() @MaxLength(200) place?: string;
}

export class PlanDto implements PlanInput {
  @ApiProperty({ type: PlanContentDto }) @ValidateNested() @Type(() => PlanContentDto) content: PlanContentDto;
  @ApiProperty({ enum: DISPOSITIONS }) @IsIn(DISPOSITIONS) disposition: Disposition;
  @ApiPropertyOptional({ type: HubAppointmentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HubAppointmentDto)
  hubAppointment?: HubAppointmentDto;
}

export class SignPlanDto implements SignPlanRequest {
  @ApiProperty({ description: 'the plan version you read and sign' })
  @IsBoundedInt({ min: 1 })
  version: number;
}

export class WeeklyFiguresDto {
  @ApiProperty({ example: '2026-W48' }) @Matches(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/) week: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'] }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

export class PatientSheetDto {
  @ApiProperty({ example: 'ABCDE-FGHJK', description: 'the access code just issued (only its hash is stored)' })
  @IsString()
  @Length(1, 32)
  code: string;
}
