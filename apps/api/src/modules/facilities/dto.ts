import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { FACILITY_KINDS, READING_SERVICES, type FacilityKind, type ReadingService } from './facility.entity.js';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/;
const PHONE = /^[0-9+\- ]{5,20}$/;

export class CreateFacilityDto {
  @ApiProperty({ example: 'CDZS', description: 'short code, unique in the network (letters, digits, - and _)' })
  @IsString()
  @Matches(CODE, { message: 'code must be 2 to 32 letters, digits, dashes or underscores' })
  code: string;

  @ApiProperty({ enum: FACILITY_KINDS }) @IsIn(FACILITY_KINDS) kind: FacilityKind;
  @ApiProperty({ example: '武汉市蔡甸区奓山街社区卫生服务中心' }) @IsString() @Length(1, 128) nameZh: string;
  @ApiProperty({ example: 'Dayu Community Health Service Centre, Mentougou' })
  @IsString()
  @Length(1, 128)
  nameEn: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(PHONE) phone?: string;

  @ApiPropertyOptional({ description: 'a community centre: the hub whose reading centres read its studies' })
  @ValidateIf((o: CreateFacilityDto) => o.kind === 'community' || o.hubId !== undefined)
  @IsUUID()
  hubId?: string;

  @ApiPropertyOptional({ enum: READING_SERVICES, isArray: true, description: 'a hub: the reading centres it runs' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(READING_SERVICES, { each: true })
  readingServices?: ReadingService[];
}

export class UpdateFacilityDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: 'code must be 2 to 32 letters, digits, dashes or underscores' })
  code?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) nameZh?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) nameEn?: string;
  /** an empty string clears it */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) address?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @ValidateIf((o: UpdateFacilityDto) => o.phone !== '')
  @Matches(PHONE)
  phone?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID() hubId?: string;

  @ApiPropertyOptional({ enum: READING_SERVICES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(READING_SERVICES, { each: true })
  readingServices?: ReadingService[];
}

/** The longest reading centre name: it heads the board and the worklist. */
export const READING_CENTRE_NAME_MAX = 64;

export class RenameReadingCentreDto {
  @ApiPropertyOptional({ example: '心电诊断中心', maxLength: READING_CENTRE_NAME_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(READING_CENTRE_NAME_MAX)
  nameZh?: string;

  @ApiPropertyOptional({ example: 'ECG Diagnosis Centre', maxLength: READING_CENTRE_NAME_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(READING_CENTRE_NAME_MAX)
  nameEn?: string;
}

export interface ReadingCentreView {
  id: string;
  hubId: string;
  service: ReadingService;
  nameZh: string;
  nameEn: string;
}

export interface FacilityView {
  id: string;
  code: string;
  kind: FacilityKind;
  nameZh: string;
  nameEn: string;
  hubId: string | null;
  address: string | null;
  phone: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** a hub's own reading centres; for a community centre, those of its hub */
  readingCentres: ReadingCentreView[];
}
