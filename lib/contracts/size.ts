/**
 * The size of an API schema as the README and `npm run compose` report it: named types (built-in
 * scalars and introspection types aside), output fields (of object and interface types) and
 * input fields, so that the full graph and a contract can be compared in two numbers.
 */
import { buildSchema, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType, isIntrospectionType } from 'graphql';

export interface ApiSchemaSize {
  readonly types: number;
  readonly fields: number;
  readonly inputFields: number;
}

export function apiSchemaSize(sdl: string): ApiSchemaSize {
  const schema = buildSchema(sdl);
  const types = Object.values(schema.getTypeMap()).filter((type) => !isSpecifiedScalarType(type) && !isIntrospectionType(type));
  let fields = 0;
  let inputFields = 0;
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type)) fields += Object.keys(type.getFields()).length;
    if (isInputObjectType(type)) inputFields += Object.keys(type.getFields()).length;
  }
  return { types: types.length, fields, inputFields };
}
