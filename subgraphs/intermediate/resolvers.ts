import { badUserInput } from '../shared/errors';
import type { Resolvers } from './generated/resolvers-types';
import type { IntermediateContext } from './context';
import type { LinkageRecord } from './records';

/** 団体内統合宛名番号: 15 digits. */
const INTEGRATED_ADDRESS_NUMBER = /^\d{15}$/;

/** `provisionRecords(first)`: the SDL default, and the most one request may take per person. */
const DEFAULT_PROVISION_RECORDS = 50;
export const MAX_PROVISION_RECORDS = 200;

const primed =
  (context: IntermediateContext) =>
  (linkage: LinkageRecord | null): LinkageRecord | null =>
    linkage && context.prime(linkage);

export const intermediateResolvers: Resolvers = {
  Query: {
    linkageByIntegratedAddressNumber: async (_parent, { integratedAddressNumber }, context) => {
      // The message does not echo the input: it may be a person's number typed in the wrong field.
      if (!INTEGRATED_ADDRESS_NUMBER.test(integratedAddressNumber)) throw badUserInput('integratedAddressNumber must be 15 digits (団体内統合宛名番号)');
      return context.loaders.linkageByIntegratedAddressNumber.load(integratedAddressNumber).then(primed(context));
    },
  },
  Resident: {
    // The register owns Resident; this subgraph only adds fields to the key it is given.
    __resolveReference: (reference) => ({ id: reference.id, locationWithheld: reference.locationWithheld }),
    informationLinkage: (resident, _args, context) => {
      // The register's 支援措置 answer (@requires), for the row rule on the linkage's locating fields.
      context.locationFlags.note(resident);
      return context.loaders.linkageByResidentId.load(resident.id).then(primed(context));
    },
  },
  InformationLinkage: {
    provisionRecords: (linkage, { first }, { loaders }) => {
      const count = first ?? DEFAULT_PROVISION_RECORDS;
      if (!Number.isInteger(count) || count < 1 || count > MAX_PROVISION_RECORDS) {
        throw badUserInput(`first must be between 1 and ${MAX_PROVISION_RECORDS}`);
      }
      return loaders.provisionRecords(count).load(linkage.integratedAddressNumber);
    },
    resident: (linkage) => ({ id: linkage.residentId }),
  },
};
