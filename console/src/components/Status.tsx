import type { ReactNode } from 'react';
import { ApiError } from '../api';

/** Loading, an error (role=alert, so a screen reader says it), or nothing. */
export function Status({ loading, error }: { readonly loading?: boolean; readonly error?: unknown }): ReactNode {
  if (error) {
    const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
    const code = error instanceof ApiError ? error.code : undefined;
    return (
      <p className="error" role="alert" data-code={code}>
        {message}
      </p>
    );
  }
  if (loading) return <p className="loading" role="status">読み込み中…</p>;
  return null;
}
