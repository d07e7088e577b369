// One ValidationPipe for the whole API: unknown fields are rejected, and failures list each field.
import { Body, ValidationError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { DomainError, ErrorCode, FieldError } from './errors';

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field: field || 'body',
      // class-validator starts messages with the property name; the field already says which.
      message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new DomainError(ErrorCode.ValidationFailed, 'The request is not valid.', { errors: flattenValidationErrors(errors) }),
  });
}

/**
 * The field may be left out, but when present it must pass its validators: unlike @IsOptional(),
 * null is not let through (a null name or password is a 400, not a crash further in).
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** UUIDs compare as strings in places (restrictions, sets): one spelling, lower case. */
export function LowercaseUuids(): PropertyDecorator {
  return Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)) : value));
}

/** For routes that take no body: an empty body or `{}` is fine, any field is unknown and refused. */
export const NoBody = (): ParameterDecorator =>
  Body({
    transform(value: unknown) {
      if (value === undefined || value === null) return undefined;
      const fields = typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : ['body'];
      if (fields.length === 0) return undefined;
      throw new DomainError(ErrorCode.ValidationFailed, 'This request takes no body.', {
        errors: fields.map((field) => ({ field, message: 'is not accepted here' })),
      });
    },
  });
