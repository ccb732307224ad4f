import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { GatewayAccess, Roles } from '#src/common/decorators.js';
import { UploadsService } from './uploads.service.js';

/** Resumable uploads (tus 1.0): create with POST, send with PATCH, resume after HEAD. */
@ApiTags('uploads')
@ApiBearerAuth()
@Controller('uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @All()
  @Roles('community_doctor')
  @GatewayAccess()
  create(@Req() req: Request, @Res() res: Response) {
    return this.uploads.handle(req, res);
  }

  @All(':id')
  @Roles('community_doctor')
  @GatewayAccess()
  upload(@Req() req: Request, @Res() res: Response) {
    return this.uploads.handle(req, res);
  }
}
