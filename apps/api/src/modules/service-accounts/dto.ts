import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import type { CreateServiceAccountRequest } from '@zhiyin/contracts';

export class CreateServiceAccountDto implements CreateServiceAccountRequest {
  @ApiProperty({ description: 'the community centre whose gateway this is; it acts with that centre’s scope' })
  @IsUUID()
  facilityId: string;

  @ApiProperty({ example: '红云社区网关' })
  @IsString()
  @Length(1, 100)
  name: string;
}

export class ServiceTokenDto {
  @ApiProperty({ description: 'the credential shown once when the account was created' })
  @IsString()
  @Length(1, 200)
  credential: string;
}
