import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';

/**
 * graphql-js words its validation and coercion errors with suggestions drawn from the schema —
 * `Cannot query field "individualNumbr" on type "Resident". Did you mean "individualNumber"?`,
 * `… Did you mean the enum value "MALE"?` — so a caller refused introspection could still read
 * the schema's field, type, argument and enum names out of its error messages, one guess at a
 * time. Suggestions are the schema's text: only a caller whose permission profile may introspect
 * keeps them; everyone else gets the message without its "Did you mean …?" sentence (same code,
 * same location).
 */
const SUGGESTION = /\s*Did you mean [\s\S]*\?\s*$/;

export function withoutSuggestion(message: string): string {
  return message.replace(SUGGESTION, '');
}

export function suggestionsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.profile.introspection) return;
          const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          if (result.errors === undefined || !result.errors.some((error) => SUGGESTION.test(error.message))) return;
          result.errors = result.errors.map((error) => (SUGGESTION.test(error.message) ? { ...error, message: withoutSuggestion(error.message) } : error));
        },
      };
    },
  };
}
