import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { CreateFacilityDto, RenameReadingCentreDto, UpdateFacilityDto } from './dto.js';
import { FacilitiesService } from './facilities.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

// The network's facilities are not patient data: every staff member may see the list; only the
// administrator changes it.
@ApiTags('facilities')
@ApiBearerAuth()
@Controller('facilities')
export class FacilitiesController {
  constructor(private readonly facilities: FacilitiesService) {}

  @Get()
  @Roles('community_doctor', 'specialist', 'coordinator', 'admin')
  @ApiView('FacilityListView')
  list() {
    return this.facilities.list();
  }

  @Get(':id')
  @Roles('community_doctor', 'specialist', 'coordinator', 'admin')
  @ApiView('FacilityView')
  get(@Param('id', uuid) id: string) {
    return this.facilities.get(id);
  }

  /** A new hub or community centre; 409 when the code is taken. */
  @Post()
  @Roles('admin')
  @ApiView('FacilityView', { status: 201 })
  create(@Body() dto: CreateFacilityDto) {
    return this.facilities.create(dto);
  }

  /** Renames a hub reading centre (Chinese and/or English name); 409 when another centre of the hub has the name. */
  @Patch('reading-centres/:id')
  @Roles('admin')
  @ApiView('ReadingCentreView')
  renameReadingCentre(@Param('id', uuid) id: string, @Body() dto: RenameReadingCentreDto) {
    return this.facilities.renameReadingCentre(id, dto);
  }

  @Patch(':id')
  @Roles('admin')
  @ApiView('FacilityView')
  update(@Param('id', uuid) id: string, @Body() dto: UpdateFacilityDto) {
    return this.facilities.update(id, dto);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Roles('admin')
  @ApiView('FacilityView')
  deactivate(@Param('id', uuid) id: string) {
    return this.facilities.setActive(id, false);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @Roles('admin')
  @ApiView('FacilityView')
  activate(@Param('id', uuid) id: string) {
    return this.facilities.setActive(id, true);
  }
}
