// Device metadata: any JSON object, held to the limits REST holds a body to (validation.ts inputProblem).
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { inputProblem } from '../common/validation';

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      // Variables inside a JSON literal are not supported: send the whole object as a variable.
      throw new GraphQLError('JSONObject literals cannot hold variables.');
  }
}

function checked(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('JSONObject must be an object.');
  const problem = inputProblem(value, 'body');
  if (problem) throw new GraphQLError(`JSONObject ${problem.field === 'body' ? '' : `field ${problem.field} `}${problem.message}`);
  return value as Record<string, unknown>;
}

export const JSONObjectScalar = new GraphQLScalarType({
  name: 'JSONObject',
  description: 'A JSON object',
  serialize: (value) => value,
  parseValue: checked,
  parseLiteral: (node) => checked(literal(node)),
});
