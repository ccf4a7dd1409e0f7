import { formatWareki, formatWestern } from '../dates';

/** An instant as the ward reads it: 和暦 on the first line, western with the offset below. */
export function When({ at }: { readonly at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at} className="when">
      <span className="wareki">{formatWareki(at)}</span>
      <span className="western">{formatWestern(at)}</span>
    </time>
  );
}
