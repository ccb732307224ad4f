import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { DutyShiftDto, DutyShiftsQueryDto } from './dto.js';
import { DutyShiftsService } from './duty-shifts.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

// Duty rosters of the reading centres: who reads when.
@ApiTags('duty-shifts')
@ApiBearerAuth()
@Controller('duty-shifts')
export class DutyShiftsController {
  constructor(private readonly shifts: DutyShiftsService) {}

  @Get()
  @Roles('coordinator', 'admin', 'specialist')
  @ApiView('DutyShiftView', { array: true })
  list(@Query() q: DutyShiftsQueryDto) {
    return this.shifts.list(q);
  }

  @Post()
  @Roles('coordinator', 'admin')
  @ApiView('CreatedDutyShiftView', { status: 201 })
  create(@Body() dto: DutyShiftDto) {
    return this.shifts.create(dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('coordinator', 'admin')
  remove(@Param('id', uuid) id: string) {
    return this.shifts.remove(id);
  }
}
