import { createContext, useContext } from 'react';
import type { ApiClient, TokenClaims } from './api';

export interface Session {
  readonly token: string;
  readonly claims: TokenClaims | null;
  readonly api: ApiClient;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

/** The token lives in this tab only (sessionStorage): closing the tab signs out. */
const STORAGE_KEY = 'ward-console-token';
export const storedToken = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(STORAGE_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(STORAGE_KEY);

export interface ConsoleConfig {
  readonly graphqlPath: string;
  readonly devSignIn: boolean;
}

export function readConfig(): ConsoleConfig {
  const element = document.getElementById('console-config');
  const parsed = element?.textContent ? (JSON.parse(element.textContent) as Partial<ConsoleConfig>) : {};
  return { graphqlPath: parsed.graphqlPath ?? '/graphql', devSignIn: parsed.devSignIn === true };
}
