import { Param, ParseUUIDPipe } from '@nestjs/common';
import { validationFailed } from './errors';

/** A path id that must be a UUID: anything else is a 400 naming the parameter. */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(name, new ParseUUIDPipe({ exceptionFactory: () => validationFailed(name, 'must be a UUID') }));
