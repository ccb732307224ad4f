import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

import {
  AE_CHARACTER_SETS,
  AE_KINDS,
  AE_TITLE_PATTERN,
  type AeCharacterSet,
  type AeKind,
  type CreateDicomAeRequest,
  type UpdateDicomAeRequest,
} from '@zhiyin/contracts';

const MODALITY = /^[A-Z0-9]{1,16}$/;

export class CreateDicomAeDto implements CreateDicomAeRequest {
  @ApiProperty({ example: 'HYJQ_DR1', description: 'the calling AE title the device is configured with' })
  @IsString()
  @Matches(AE_TITLE_PATTERN, { message: 'aeTitle must be 1 to 16 printable ASCII characters without a backslash' })
  aeTitle: string;

  @ApiProperty({ description: 'the centre the device belongs to; it acts with that centre’s scope' })
  @IsUUID()
  facilityId: string;

  @ApiProperty({ enum: AE_KINDS, description: 'modality (sends studies, takes the worklist) or hub workstation' })
  @IsIn(AE_KINDS)
  kind: AeKind;

  @ApiPropertyOptional({
    example: 'DX',
    description: 'the modality a device acquires (DICOM Modality, e.g. DX, US, ECG)',
  })
  @IsOptional()
  @Matches(MODALITY, { message: 'modality must be an upper-case DICOM modality code' })
  modality?: string;

  @ApiPropertyOptional({ description: 'a workstation: the hub reading centre it reads for' })
  @ValidateIf((o: CreateDicomAeDto) => o.kind === 'workstation' || o.readingCentreId !== undefined)
  @IsUUID()
  readingCentreId?: string;

  @ApiPropertyOptional({ example: '10.1.2.3', description: 'optional: the only address this AE may connect from' })
  @IsOptional()
  @IsIP()
  host?: string;

  @ApiPropertyOptional({
    example: 11112,
    description: 'a workstation: the port it receives C-STOREs on at `host`, which makes it a C-MOVE destination',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  @ApiPropertyOptional({ enum: AE_CHARACTER_SETS, description: 'character set of the names sent to it' })
  @IsOptional()
  @IsIn(AE_CHARACTER_SETS)
  characterSet?: AeCharacterSet;
}

export class UpdateDicomAeDto implements UpdateDicomAeRequest {
  @ApiPropertyOptional() @IsOptional() @Matches(MODALITY) modality?: string;
  /** an empty string clears the address check */
  @ApiPropertyOptional()
  @IsOptional()
  @ValidateIf((o: UpdateDicomAeDto) => o.host !== '')
  @IsIP()
  host?: string;
  /** null clears it (no longer a move destination) */
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((o: UpdateDicomAeDto) => o.port !== null)
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number | null;
  @ApiPropertyOptional({ enum: AE_CHARACTER_SETS })
  @IsOptional()
  @IsIn(AE_CHARACTER_SETS)
  characterSet?: AeCharacterSet;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}
