import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import {
  type CreateUserRequest,
  type ListUsersQuery,
  type ResetPasswordRequest,
  type UpdateUserRequest,
} from '@zhiyin/contracts';
import { PASSWORD_MAX, PASSWORD_MIN, SPECIALTIES, STAFF_ROLES, type Specialty, type StaffRole } from '@zhiyin/workflow';
import { IsBoundedInt } from '#src/common/validation/decorators.js';

/** Lower-case letters, digits, dot, dash, underscore; 3 to 32 characters, starting with a letter or digit. */
export const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;

export class ListUsersDto implements ListUsersQuery {
  @ApiPropertyOptional({ description: 'part of the user name or of either display name' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  q?: string;

  @ApiPropertyOptional({ enum: STAFF_ROLES }) @IsOptional() @IsIn(STAFF_ROLES) role?: StaffRole;
  @ApiPropertyOptional() @IsOptional() @IsUUID() facilityId?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) active?: 'true' | 'false';
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 1, max: 200 }) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 0 }) offset?: number;
}

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty({ example: 'doc.bjmtg', description: '3-32 lower-case letters, digits, dot, dash or underscore' })
  @IsString()
  @Matches(USERNAME, { message: 'username must be 3 to 32 lower-case letters, digits, dots, dashes or underscores' })
  username: string;

  @ApiProperty({ example: '王丽' }) @IsString() @Length(1, 64) displayNameZh: string;
  @ApiProperty({ example: 'Wang Li' }) @IsString() @Length(1, 64) displayNameEn: string;
  @ApiProperty({ enum: STAFF_ROLES }) @IsIn(STAFF_ROLES) role: StaffRole;

  @ApiPropertyOptional({ description: 'required except for administrators' })
  @IsOptional()
  @IsUUID()
  facilityId?: string;

  @ApiPropertyOptional({ enum: SPECIALTIES, description: 'specialists only' })
  @IsOptional()
  @IsIn(SPECIALTIES)
  specialty?: Specialty;

  @ApiProperty({ description: `initial password: ${PASSWORD_MIN}+ characters with a letter and a digit` })
  @IsString()
  @Length(1, PASSWORD_MAX)
  password: string;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 64) displayNameZh?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 64) displayNameEn?: string;
  @ApiPropertyOptional({ enum: STAFF_ROLES }) @IsOptional() @IsIn(STAFF_ROLES) role?: StaffRole;
  @ApiPropertyOptional() @IsOptional() @IsUUID() facilityId?: string;
  @ApiPropertyOptional({ enum: SPECIALTIES }) @IsOptional() @IsIn(SPECIALTIES) specialty?: Specialty;
  @ApiPropertyOptional({ description: 'always on duty, whatever the roster says' })
  @IsOptional()
  @IsBoolean()
  onDuty?: boolean;
}

export class ResetPasswordDto implements ResetPasswordRequest {
  @ApiProperty() @IsString() @Length(1, PASSWORD_MAX) password: string;
}
