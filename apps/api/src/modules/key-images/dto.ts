import { ApiProperty } from '@nestjs/swagger';
import {
  KEY_IMAGE_LABEL_MAX,
  KEY_IMAGE_MAX_MEASUREMENTS,
  KEY_IMAGE_MEASUREMENT_KINDS,
  KEY_IMAGE_VALUE_MAX,
  type KeyImageMeasurementKind,
} from '@zhiyin/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { IsBoundedInt } from '#src/common/validation/decorators.js';

const UID = /^[0-9.]{1,64}$/;

export class KeyImageMeasurementDto {
  @ApiProperty({ enum: KEY_IMAGE_MEASUREMENT_KINDS })
  @IsIn(KEY_IMAGE_MEASUREMENT_KINDS)
  kind: KeyImageMeasurementKind;
  @ApiProperty({ example: '结节 Nodule' }) @IsString() @Length(0, KEY_IMAGE_LABEL_MAX) label: string;
  @ApiProperty({ example: '12.4 mm' }) @IsString() @Length(1, KEY_IMAGE_VALUE_MAX) value: string;
}

export class MarkKeyImageDto {
  @ApiProperty() @IsString() @Matches(UID) studyInstanceUid: string;
  @ApiProperty() @IsString() @Matches(UID) seriesInstanceUid: string;
  @ApiProperty() @IsString() @Matches(UID) sopInstanceUid: string;
  @ApiProperty({ minimum: 1 }) @IsBoundedInt({ min: 1, max: 100_000 }) frame: number;
  @ApiProperty({ type: [KeyImageMeasurementDto] })
  @IsArray()
  @ArrayMaxSize(KEY_IMAGE_MAX_MEASUREMENTS)
  @ValidateNested({ each: true })
  @Type(() => KeyImageMeasurementDto)
  measurements: KeyImageMeasurementDto[];
}
