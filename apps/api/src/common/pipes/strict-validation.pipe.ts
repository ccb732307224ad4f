import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { fieldsWithControlCharacters } from '#src/common/validation/control-characters.js';

/**
 * The global validation pipe: the DTO rules (unknown fields refused, values transformed), and
 * before them one rule for every string of every body, query and route parameter, whether or not
 * its route has a DTO: no control characters (see control-characters.ts). The refusal names the
 * fields, as the DTO rules do.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const fields = fieldsWithControlCharacters(value, metadata.data ?? '');
      if (fields.length > 0) {
        throw new BadRequestException({
          message: fields.map((f) => `${f} must not contain control characters`),
        });
      }
    }
    return super.transform(value, metadata);
  }
}
