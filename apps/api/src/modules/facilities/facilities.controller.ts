import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Roles } from '#src/common/decorators.js';
import { notFound } from '#src/common/errors.js';
import { FacilityEntity, ReadingCentreEntity } from './facility.entity.js';

// The network's facilities are not patient data: every staff member may see the list.
@ApiTags('facilities')
@ApiBearerAuth()
@Controller('facilities')
export class FacilitiesController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator', 'admin')
  async list() {
    const [facilities, readingCentres] = await Promise.all([
      this.ds.getRepository(FacilityEntity).find({ order: { kind: 'DESC', code: 'ASC' } }),
      this.ds.getRepository(ReadingCentreEntity).find({ order: { service: 'ASC' } }),
    ]);
    return { facilities, readingCentres };
  }

  @Get(':id')
  @Roles('community_doctor', 'specialist', 'coordinator', 'admin')
  async get(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    const facility = await this.ds.getRepository(FacilityEntity).findOneBy({ id });
    if (!facility) throw notFound('Facility');
    return facility;
  }
}
