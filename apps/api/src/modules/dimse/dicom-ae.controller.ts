import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { DicomAeService } from './dicom-ae.service.js';
import { CreateDicomAeDto, UpdateDicomAeDto } from './dto.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });

// The register of DICOM devices (calling AE titles): the administrator's alone.
@ApiTags('dicom')
@ApiBearerAuth()
@Controller('dicom/aes')
export class DicomAeController {
  constructor(private readonly aes: DicomAeService) {}

  @Get()
  @Roles('admin')
  @ApiView('DicomAeView', { array: true })
  list() {
    return this.aes.list();
  }

  @Get(':id')
  @Roles('admin')
  @ApiView('DicomAeView')
  get(@Param('id', uuid) id: string) {
    return this.aes.get(id);
  }

  /** Registers a calling AE title to a centre; 409 when the title is taken. */
  @Post()
  @Roles('admin')
  @ApiView('DicomAeView', { status: 201 })
  create(@Body() dto: CreateDicomAeDto) {
    return this.aes.create(dto);
  }

  /** Changes the modality, address check or character set, or deactivates (active: false). */
  @Patch(':id')
  @Roles('admin')
  @ApiView('DicomAeView')
  update(@Param('id', uuid) id: string, @Body() dto: UpdateDicomAeDto) {
    return this.aes.update(id, dto);
  }
}
